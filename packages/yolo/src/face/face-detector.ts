/**
 * Face detection with the pretrained TinyFaceDetector, the embedded default of @cnn/yolo:
 *
 *     const detector = await createFaceDetector();            // the shipped weights
 *     const faces = await detector.detect(await decodeImage('group.jpg'));
 *     // [{ box: [x1, y1, x2, y2], format: 'xyxy', score: 0.93 }, ...]  (image pixels, best first)
 *     detector.dispose();
 *
 * or `await detectFaces(image)`, which loads the detector once and keeps it (`disposeDefaultFaceDetector()`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { decodeFaceGrid, readDecodeFacesOptions, type DecodeFacesOptions, type FaceDetection } from './decode.js';
import { preprocessFaceImage, type FacePreprocessOptions } from './preprocess.js';
import { loadTinyFaceDetector } from './tiny-face-detector.js';
import { ModelHolder } from '@cnn/architectures';

export interface DetectFacesOptions extends FacePreprocessOptions, DecodeFacesOptions {}

export interface CreateFaceDetectorOptions {
  /** Weights folder (or its manifest); default the copy shipped with @cnn/yolo. */
  weightsPath?: string;
  /** A tinyFaceDetector() model with weights already set; used instead of loading (and owned by the detector). */
  model?: tfl.LayersModel;
  /** Defaults for every `detect` call. */
  defaults?: DetectFacesOptions;
}

/** Holds a TinyFaceDetector model; `detect` per image, `dispose` when done. */
export class FaceDetector extends ModelHolder<DetectFacesOptions> {
  constructor(model: tfl.LayersModel, defaults: DetectFacesOptions = {}) {
    super(model, defaults, 'a tinyFaceDetector() model');
  }

  /** Faces in `image` (RGB 0-255, [H, W, 3], int32 or float32), best first, boxes in image pixels. */
  async detect(image: tf.Tensor3D, options: DetectFacesOptions = {}): Promise<FaceDetection[]> {
    this.assertLive();
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
    const o = { ...this.defaults, ...options };
    readDecodeFacesOptions(o); // bad options fail before any tensor exists
    const { input, geometry } = preprocessFaceImage(image, o);
    let output: tf.Tensor | undefined;
    try {
      output = this.model.predict(input) as tf.Tensor;
      const values = await output.data();
      return decodeFaceGrid(values, geometry, o);
    } finally {
      input.dispose();
      output?.dispose();
    }
  }

}

/** A FaceDetector with the pretrained TinyFaceDetector (the weights shipped with @cnn/yolo by default). */
export async function createFaceDetector(options: CreateFaceDetectorOptions = {}): Promise<FaceDetector> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const model = options.model ?? (await loadTinyFaceDetector(options.weightsPath));
  return new FaceDetector(model, options.defaults);
}

let shared: Promise<FaceDetector> | undefined;

/**
 * Faces in `image` with a shared default detector, loaded on first use and kept until
 * `disposeDefaultFaceDetector()`. Options: inputSize 416 (a multiple of 32), scoreThreshold 0.5,
 * iouThreshold 0.4, as face-api.
 */
export async function detectFaces(image: tf.Tensor3D, options: DetectFacesOptions = {}): Promise<FaceDetection[]> {
  if (!shared) {
    shared = createFaceDetector();
    shared.catch(() => {
      shared = undefined;
    });
  }
  return (await shared).detect(image, options);
}

/** Frees the shared detector `detectFaces` loaded (it loads again on the next call). */
export async function disposeDefaultFaceDetector(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (current) (await current.catch(() => undefined))?.dispose();
}
