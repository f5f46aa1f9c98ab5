/**
 * A small FaceNet-style embedding net to train with the triplet loss: pixels 0-255 → rescaling to [−1, 1] →
 * a ResNet stem (3×3 conv, stride 2 by default, + batch norm + ReLU, 2×2 max pooling) → stages of @cnn/architectures' `basicBlock`
 * (two 3×3 convs + shortcut; stride 2 from the second stage) → global average pooling → dense(embeddingSize)
 * → L2 normalization, so f(x) lies on the unit sphere and ‖f(a) − f(b)‖² ∈ [0, 4].
 *
 * One flat tfjs-layers functional model with Keras-style layer names, saved and loaded with tfjs' layers
 * format (`model.save(fileSystem(dir))`, `loadEmbeddingNet(dir)`). Kernel initialization is seeded
 * (tfjs-layers' default Glorot-normal, drawn with a seed per weight), so the same seed gives the same net.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, assertTensor, describeValue, fetchModel, fileSystem, isWeightsUrl } from '@cnn/ops';
import { basicBlock } from '@cnn/architectures';
import { L2Normalization, registerFaceTrainingLayers } from './layers.js';

type Sym = tfl.SymbolicTensor;

export interface EmbeddingNetOptions {
  /** [height, width, channels] of the input pictures (default [56, 46, 1]: the AT&T faces at half size). */
  inputShape?: [number, number, number];
  /** Length of the embedding (default 64). */
  embeddingSize?: number;
  /** Filters per stage (default [32, 64, 128]); the stem uses the first. */
  filters?: number[];
  /** Basic blocks per stage (default one per stage). */
  blocks?: number[];
  /**
   * Stride of the stem convolution (default 2: with the 2×2 pooling the first stage works at 1/4 of the input
   * size, 14×12 for 56×46; 1 keeps twice the resolution at about 3-4× the cost).
   */
  stemStride?: 1 | 2;
  /** End with L2 normalization (default true). */
  normalize?: boolean;
  /** Seed of the kernel initialization (default 0). */
  seed?: number;
  /** Model name (default 'face_embedding'). */
  name?: string;
}

const BN = { axis: 3, epsilon: 1e-5, momentum: 0.9 };

function positiveInts(value: unknown, argument: string): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new InvalidArgumentError(argument, 'a non-empty array of positive integers', describeValue(value));
  }
  return value as number[];
}

/**
 * Builds the embedding net (random, seeded initialization). The untrained net is a useful baseline: with
 * the same seed it is exactly where `trainEmbedding` starts.
 *
 *     const net = createEmbeddingNet({ inputShape: [56, 46, 1], embeddingSize: 64, seed: 1 });
 */
export function createEmbeddingNet(options: EmbeddingNetOptions = {}): tfl.LayersModel {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  registerFaceTrainingLayers();
  const inputShape = options.inputShape ?? [56, 46, 1];
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || inputShape.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new InvalidArgumentError('options.inputShape', '[height, width, channels] of positive integers', describeValue(inputShape));
  }
  const embeddingSize = options.embeddingSize ?? 64;
  if (!Number.isInteger(embeddingSize) || embeddingSize < 1) throw new InvalidArgumentError('options.embeddingSize', 'a positive integer', describeValue(embeddingSize));
  const filters = positiveInts(options.filters ?? [32, 64, 128], 'options.filters');
  const blocks = positiveInts(options.blocks ?? filters.map(() => 1), 'options.blocks');
  if (blocks.length !== filters.length) throw new InvalidArgumentError('options.blocks', `${filters.length} numbers (one per stage of options.filters)`, describeValue(blocks));
  const stemStride = options.stemStride ?? 2;
  if (stemStride !== 1 && stemStride !== 2) throw new InvalidArgumentError('options.stemStride', '1 or 2', describeValue(stemStride));
  const reduction = stemStride * 2 * 2 ** (filters.length - 1);
  if (inputShape[0] < reduction || inputShape[1] < reduction) {
    throw new InvalidArgumentError('options.inputShape', `height and width >= ${reduction} for ${filters.length} stages with stem stride ${stemStride}`, describeValue(inputShape), 'Use fewer stages or a larger input.');
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('options.seed', 'an integer', describeValue(seed));

  const input = tfl.input({ shape: inputShape, name: 'input_1' });
  let x = tfl.layers.rescaling({ scale: 1 / 127.5, offset: -1, name: 'rescaling' }).apply(input) as Sym;
  x = tfl.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: 'conv1_pad' }).apply(x) as Sym;
  x = tfl.layers.conv2d({ filters: filters[0]!, kernelSize: 3, strides: stemStride, useBias: false, name: 'conv1_conv' }).apply(x) as Sym;
  x = tfl.layers.batchNormalization({ ...BN, name: 'conv1_bn' }).apply(x) as Sym;
  x = tfl.layers.activation({ activation: 'relu', name: 'conv1_relu' }).apply(x) as Sym;
  x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool1_pool' }).apply(x) as Sym;
  filters.forEach((f, stage) => {
    for (let b = 1; b <= blocks[stage]!; b++) x = basicBlock(x, { filters: f, strides: b === 1 && stage > 0 ? 2 : 1, name: `conv${stage + 2}_block${b}` });
  });
  x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Sym;
  x = tfl.layers.dense({ units: embeddingSize, name: 'embedding' }).apply(x) as Sym;
  if (options.normalize ?? true) x = new L2Normalization({ name: 'l2_normalize' }).apply(x) as Sym;
  const model = tfl.model({ inputs: input, outputs: x, name: options.name ?? 'face_embedding' });
  seedKernels(model, seed);
  return model;
}

/** Re-draws every kernel with tfjs-layers' default Glorot-normal initializer, seeded per weight. */
function seedKernels(model: tfl.LayersModel, seed: number): void {
  let i = 0;
  for (const layer of model.layers) {
    const kernel = layer.weights.find((w) => /kernel$/.test(w.originalName));
    if (!kernel) continue;
    const fresh = tf.tidy(() => tfl.initializers.glorotNormal({ seed: seed * 7919 + i++ }).apply(kernel.shape));
    kernel.write(fresh); // the variable takes its own reference
    fresh.dispose();
  }
}

/** The input size [height, width] and channels an embedding net expects. */
export function embeddingNetInput(model: tfl.LayersModel): { height: number; width: number; channels: number } {
  const shape = model.inputs[0]?.shape;
  if (!shape || shape.length !== 4 || shape.slice(1).some((v) => v == null)) throw new InvalidArgumentError('model', 'an image model with a fixed [height, width, channels] input', describeValue(shape));
  return { height: shape[1]!, width: shape[2]!, channels: shape[3]! };
}

/**
 * Embeddings of a batch of pictures [N, h, w, c] (0-255, at the net's input size) in inference mode, as plain
 * Float32Arrays (one per picture), `batchSize` (default 64) at a time. Leaves no tensors behind.
 */
export async function computeEmbeddings(model: tfl.LayersModel, images: tf.Tensor4D, options: { batchSize?: number } = {}): Promise<Float32Array[]> {
  assertTensor(images, 'images', { rank: 4 });
  const { height, width, channels } = embeddingNetInput(model);
  if (images.shape[1] !== height || images.shape[2] !== width || images.shape[3] !== channels) {
    throw new InvalidArgumentError('images', `pictures of [${height}, ${width}, ${channels}] (the net's input)`, describeValue(images), 'Resize them first (resizeImage from @cnn/ops).');
  }
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError('options.batchSize', 'a positive integer', describeValue(batchSize));
  const n = images.shape[0];
  const out: Float32Array[] = [];
  for (let i = 0; i < n; i += batchSize) {
    const k = Math.min(batchSize, n - i);
    const e = tf.tidy(() => model.predict(tf.cast(tf.slice(images, [i, 0, 0, 0], [k, -1, -1, -1]), 'float32')) as tf.Tensor2D);
    const values = (await e.data()) as Float32Array;
    const d = e.shape[1];
    e.dispose();
    for (let r = 0; r < k; r++) out.push(values.slice(r * d, (r + 1) * d));
  }
  return out;
}

/**
 * Loads an embedding net saved with `model.save(fileSystem(dir))` (or any tfjs layers model folder / model.json
 * path), or from the http(s) URL of that folder or model.json (in a browser, any path; @cnn/ops `fetchModel`).
 */
export async function loadEmbeddingNet(path: string): Promise<tfl.LayersModel> {
  registerFaceTrainingLayers();
  return tfl.loadLayersModel(isWeightsUrl(path) ? fetchModel(path) : fileSystem(path));
}
