/**
 * Face descriptors (128-d embeddings) with the pretrained FaceRecognitionNet:
 *
 *     const embedder = await createFaceEmbedder();             // weights from @vladmandic/face-api
 *     const [a, b] = await embedder.embed([faceA, faceB]);    // Float32Array(128) each
 *     distance(a, b);                                          // same person below ~0.6
 *     embedder.dispose();
 *
 * or `await computeFaceDescriptor(face)` with a shared embedder (`disposeDefaultFaceEmbedder()`).
 * Faces are crops (RGB or gray, 0-255, any size; dlib-aligned crops from `alignedFaceCrops` work best).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { loadFaceRecognitionNet } from './face-recognition-net.js';
import { FACE_RECOGNITION_DIVISOR, checkFaceImages, faceRecognitionInput, predictInBatches, readFaceNetRunOptions, type FaceImages } from './preprocess.js';
import { ModelHolder } from '@cnn/architectures';

export interface EmbedOptions {
  /** Faces per forward pass (default 16). */
  batchSize?: number;
  /** Divisor after the mean (default 256 as face-api.js; 255 reproduces @vladmandic/face-api). */
  divisor?: number;
}

export const DEFAULT_EMBED_BATCH_SIZE = 16;

const readOptions = (options: unknown, defaults: EmbedOptions): Required<EmbedOptions> => readFaceNetRunOptions(options, defaults, { batchSize: DEFAULT_EMBED_BATCH_SIZE, divisor: FACE_RECOGNITION_DIVISOR });

/** Holds a FaceRecognitionNet model; `embed` faces, `dispose` when done. */
export class FaceEmbedder extends ModelHolder<EmbedOptions> {
  constructor(model: tfl.LayersModel, defaults: EmbedOptions = {}) {
    super(model, defaults, 'a faceRecognitionNet() model');
    readOptions(defaults, {});
  }

  /**
   * One 128-number descriptor per face, in order: `faces` is one face [H, W, C], a list of faces (any sizes)
   * or a batch [N, H, W, C]; C = 3 (RGB) or 1 (gray), values 0-255. Runs `batchSize` faces per pass.
   */
  async embed(faces: FaceImages, options: EmbedOptions = {}): Promise<Float32Array[]> {
    this.assertLive();
    const o = readOptions(options, this.defaults);
    const checked = checkFaceImages(faces, 'faces');
    return predictInBatches((x) => this.model.predict(x) as tf.Tensor, checked, o.batchSize, (chunk) => faceRecognitionInput(chunk, { divisor: o.divisor }));
  }

}

export interface CreateFaceEmbedderOptions {
  /** Weights folder (or manifest) of face_recognition_model; default the installed @vladmandic/face-api's `model/`. */
  weightsPath?: string;
  /** A faceRecognitionNet() model with weights already set; used instead of loading (and owned by the embedder). */
  model?: tfl.LayersModel;
  /** Defaults for every `embed` call. */
  defaults?: EmbedOptions;
}

/** A FaceEmbedder with the pretrained FaceRecognitionNet. */
export async function createFaceEmbedder(options: CreateFaceEmbedderOptions = {}): Promise<FaceEmbedder> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  if (options.defaults !== undefined) readOptions(options.defaults, {});
  const model = options.model ?? (await loadFaceRecognitionNet(options.weightsPath));
  return new FaceEmbedder(model, options.defaults);
}

let shared: Promise<FaceEmbedder> | undefined;

/**
 * The descriptor of one face crop ([H, W, C], 0-255) with a shared default embedder, loaded on first use
 * and kept until `disposeDefaultFaceEmbedder()`.
 */
export async function computeFaceDescriptor(face: tf.Tensor3D, options: EmbedOptions = {}): Promise<Float32Array> {
  if (!(face instanceof tf.Tensor) || face.rank !== 3) {
    throw new InvalidArgumentError('face', 'one face image tensor [height, width, 3] (or 1 for gray)', describeValue(face), 'For several faces use FaceEmbedder.embed.');
  }
  readOptions(options, {});
  checkFaceImages(face, 'face');
  if (!shared) {
    shared = createFaceEmbedder();
    shared.catch(() => {
      shared = undefined;
    });
  }
  const [descriptor] = await (await shared).embed(face, options);
  return descriptor!;
}

/** Frees the shared embedder `computeFaceDescriptor` loaded (it loads again on the next call). */
export async function disposeDefaultFaceEmbedder(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (current) (await current.catch(() => undefined))?.dispose();
}
