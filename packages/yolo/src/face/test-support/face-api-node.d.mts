import type * as tf from '@tensorflow/tfjs-core';

export declare const FACE_API_DIR: string;
export declare function loadFaceApiModule(tfCore: typeof tf): Record<string, unknown>;
export interface FaceApiTinyFaceDetector {
  faceapi: Record<string, unknown>;
  net: unknown;
  detect(image: tf.Tensor3D, options?: { inputSize?: number; scoreThreshold?: number }): Promise<{ box: [number, number, number, number]; score: number }[]>;
  dispose(): void;
}
export declare function createFaceApiTinyFaceDetector(tfCore: typeof tf): Promise<FaceApiTinyFaceDetector>;
