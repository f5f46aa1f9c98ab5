/**
 * face-api.js's TinyFaceDetector rebuilt from tfjs-layers layers: a tiny YOLOv2 whose convolutions are
 * depthwise-separable (MobileNet's trick: a 3×3 filter per channel, then a 1×1 mix), one class, 5 anchors,
 * a 13×13 grid at 416×416 (stride 32). Structure, read from face-api's `TinyYolov2Base.runMobilenet` with
 * its TinyFaceDetector config (`isFirstLayerConv2d`, filter sizes [3, 16, 32, 64, 128, 256, 512]):
 *
 *   conv0  conv 3×3 'valid' 3→16 + bias, leaky ReLU 0.1        416 → 414
 *   pool0  max 2×2 stride 2 'same'                              414 → 207
 *   conv1..conv5  separable 3×3 'same' + bias, leaky ReLU 0.1   16→32→64→128→256→512
 *   pool1..pool4  max 2×2 stride 2 'same'                       207 → 104 → 52 → 26 → 13
 *   pool5  max 2×2 stride 1 'same' (pads one row/column after)  13 → 13
 *   conv8  conv 1×1 'valid' 512→25 + bias (5 anchors × [tx, ty, tw, th, objectness])
 *
 * No batch norm (every conv carries a bias), no conv6/conv7. 193,321 parameters, one per byte of the
 * uint8-quantized weights face-api ships. Layer names are face-api's weight prefixes.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  FileNotFoundError,
  InvalidArgumentError,
  WeightsMismatchError,
  describeValue,
  isNode,
  readWeightsManifest,
} from '@cnn/ops';
import { buildWithWeights } from '@cnn/architectures';

type Sym = tfl.SymbolicTensor;

/** Anchor boxes [width, height] in grid cells (face-api's `tinyFaceDetector/const.ts`). */
export const TINY_FACE_DETECTOR_ANCHORS: readonly (readonly [number, number])[] = [
  [1.603231, 2.094468],
  [6.041143, 7.080126],
  [2.882459, 3.518061],
  [4.266906, 5.178857],
  [9.041765, 10.66308],
];
/** Mean RGB subtracted from the 0-255 input. */
export const TINY_FACE_DETECTOR_MEAN_RGB: readonly [number, number, number] = [117.001, 114.697, 97.404];
/** Output cells per input pixel: the grid is inputSize / 32. */
export const TINY_FACE_DETECTOR_STRIDE = 32;
/** Numbers per anchor: tx, ty, tw, th, objectness (one class, so no class scores). */
export const TINY_FACE_DETECTOR_BOX_SIZE = 5;
/** Parameters of the network (= bytes of the shipped uint8 weights). */
export const TINY_FACE_DETECTOR_PARAMS = 193_321;
/** File name of the weights manifest in a model folder. */
export const TINY_FACE_DETECTOR_MANIFEST = 'tiny_face_detector_model-weights_manifest.json';

/** Separable layers conv1..conv5 and their output channels. */
const SEPARABLE: readonly (readonly [string, number])[] = [
  ['conv1', 32],
  ['conv2', 64],
  ['conv3', 128],
  ['conv4', 256],
  ['conv5', 512],
];

export interface TinyFaceDetectorOptions {
  /**
   * Fixed input side in pixels (a multiple of 32), or null (default) for a fully convolutional model that
   * takes any size; detection uses squares of `inputSize`.
   */
  inputSize?: number | null;
  /** Model name (default 'tiny_face_detector'). */
  name?: string;
}

/** Asserts a positive multiple of 32 (the network halves the input five times). */
export function assertInputSize(value: unknown, argument = 'options.inputSize'): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < TINY_FACE_DETECTOR_STRIDE || value % TINY_FACE_DETECTOR_STRIDE !== 0) {
    throw new InvalidArgumentError(argument, 'a positive multiple of 32 (e.g. 416, 320, 224)', describeValue(value), 'The grid is inputSize / 32 cells.');
  }
}

const leaky = (x: Sym, name: string): Sym => tfl.layers.leakyReLU({ alpha: 0.1, name }).apply(x) as Sym;
const maxPool = (x: Sym, strides: number, name: string): Sym =>
  tfl.layers.maxPooling2d({ poolSize: 2, strides, padding: 'same', name }).apply(x) as Sym;

/**
 * The TinyFaceDetector network with fresh (random) weights: input [inputSize, inputSize, 3] normalized as
 * `preprocessFaceImage` does, output [cells, cells, 25] raw (tx, ty, tw, th, to per anchor). Use
 * `loadTinyFaceDetector()` for the pretrained one.
 */
export function tinyFaceDetector(options: TinyFaceDetectorOptions = {}): tfl.LayersModel {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const size = options.inputSize ?? null;
  if (size !== null) assertInputSize(size);
  const name = options.name ?? 'tiny_face_detector';
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('options.name', 'a non-empty string', describeValue(name));

  const input = tfl.input({ shape: [size, size, 3], name: 'input' });
  let x = tfl.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'valid', useBias: true, name: 'conv0' }).apply(input) as Sym;
  x = maxPool(leaky(x, 'conv0_leaky'), 2, 'pool0');
  SEPARABLE.forEach(([layer, filters], i) => {
    // face-api pads 1 pixel and convolves 'valid': the same as 'same' for a 3×3 kernel at stride 1.
    x = tfl.layers.separableConv2d({ filters, kernelSize: 3, padding: 'same', depthMultiplier: 1, useBias: true, name: layer }).apply(x) as Sym;
    // The last pool keeps the 13×13 grid: stride 1, 'same' pads one row and column after.
    x = maxPool(leaky(x, `${layer}_leaky`), i === SEPARABLE.length - 1 ? 1 : 2, `pool${i + 1}`);
  });
  const out = tfl.layers
    .conv2d({ filters: TINY_FACE_DETECTOR_ANCHORS.length * TINY_FACE_DETECTOR_BOX_SIZE, kernelSize: 1, padding: 'valid', useBias: true, name: 'conv8' })
    .apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: out, name });
}

/** face-api weight name -> [layer name, tfjs-layers weight suffix]. */
export function tinyFaceDetectorWeightNames(): Map<string, readonly [string, string]> {
  const map = new Map<string, readonly [string, string]>([
    ['conv0/filters', ['conv0', 'kernel']],
    ['conv0/bias', ['conv0', 'bias']],
  ]);
  for (const [layer] of SEPARABLE) {
    map.set(`${layer}/depthwise_filter`, [layer, 'depthwise_kernel']);
    map.set(`${layer}/pointwise_filter`, [layer, 'pointwise_kernel']);
    map.set(`${layer}/bias`, [layer, 'bias']);
  }
  map.set('conv8/filters', ['conv8', 'kernel']);
  map.set('conv8/bias', ['conv8', 'bias']);
  return map;
}

/**
 * Copies face-api's named weights into a `tinyFaceDetector()` model. Every model weight must get exactly
 * one tensor of its exact shape and every given tensor must be used; otherwise WeightsMismatchError naming
 * the weight (and nothing is changed). The tensors stay the caller's (they are copied).
 */
export function setTinyFaceDetectorWeights(model: tfl.LayersModel, weights: tf.NamedTensorMap): void {
  if (!(model instanceof tfl.LayersModel)) throw new InvalidArgumentError('model', 'a tfjs-layers model built by tinyFaceDetector()', describeValue(model));
  if (weights === null || typeof weights !== 'object') throw new InvalidArgumentError('weights', 'a map of weight name -> tensor', describeValue(weights));
  const names = tinyFaceDetectorWeightNames();
  const unknown = Object.keys(weights).filter((n) => !names.has(n));
  if (unknown.length > 0) {
    throw new WeightsMismatchError(`Tiny face detector weights: unexpected tensor(s) ${unknown.map((n) => `'${n}'`).join(', ')}; expected exactly ${[...names.keys()].join(', ')}.`);
  }
  const order: tf.Tensor[] = [];
  const modelWeights = model.weights;
  const taken = new Set<string>();
  for (const w of modelWeights) {
    // originalName is '<layer>/<weight>' (tfjs-layers may suffix the variable name, never originalName).
    const entry = [...names].find(([, [layer, suffix]]) => w.originalName === `${layer}/${suffix}`);
    if (!entry) throw new WeightsMismatchError(`Tiny face detector: the model weight '${w.originalName}' has no face-api counterpart; build the model with tinyFaceDetector().`);
    const [faceApiName] = entry;
    const t = weights[faceApiName];
    if (!(t instanceof tf.Tensor) || t.isDisposed) {
      throw new WeightsMismatchError(`Tiny face detector weights: '${faceApiName}' (for ${w.originalName}, shape [${w.shape.join(', ')}]) is missing${t ? ' or disposed' : ''}.`);
    }
    if (t.shape.length !== w.shape.length || t.shape.some((d, i) => d !== w.shape[i])) {
      throw new WeightsMismatchError(`Tiny face detector weights: '${faceApiName}' has shape [${t.shape.join(', ')}] but ${w.originalName} needs [${w.shape.join(', ')}].`);
    }
    if (t.dtype !== 'float32') throw new WeightsMismatchError(`Tiny face detector weights: '${faceApiName}' is ${t.dtype}, expected float32.`);
    taken.add(faceApiName);
    order.push(t);
  }
  const unused = [...names.keys()].filter((n) => !taken.has(n));
  if (unused.length > 0 || modelWeights.length !== names.size) {
    throw new WeightsMismatchError(`Tiny face detector: the model has ${modelWeights.length} weights, face-api's net ${names.size}; unmatched: ${unused.join(', ') || '(none)'}. Build the model with tinyFaceDetector().`);
  }
  model.setWeights(order);
}

/** The shipped weights folder (`model/tiny-face-detector` of @cnn/yolo), from src/face/ or from dist/. */
export async function defaultTinyFaceDetectorDir(): Promise<string> {
  const { fileURLToPath } = await import('node:url');
  const fs = await import('node:fs/promises');
  // src/face/<file>.ts is two folders below the package root; the bundled dist/index.js is one.
  const candidates = ['../../model/tiny-face-detector/', '../model/tiny-face-detector/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  for (const dir of candidates) {
    if (await fs.stat(`${dir}${TINY_FACE_DETECTOR_MANIFEST}`).then((s) => s.isFile(), () => false)) return dir;
  }
  throw new FileNotFoundError(candidates[0]!, 'weights folder', `@cnn/yolo ships the tiny face detector in its 'model/tiny-face-detector' folder; looked in ${candidates.join(' and ')}. Reinstall the package or pass the folder's path.`);
}

/**
 * Reads face-api's weights (a folder holding `tiny_face_detector_model-weights_manifest.json` and its
 * shards, or the manifest's path) and decodes them (uint8 dequantized) through @cnn/ops's manifest checks:
 * shard paths stay inside the folder, byte counts match the manifest. The caller disposes the tensors.
 * `path` may be a URL (a browser: the folder serving those files, or the manifest's URL).
 */
export async function readTinyFaceDetectorWeights(path?: string): Promise<tf.NamedTensorMap> {
  if (path !== undefined && (typeof path !== 'string' || path.length === 0)) {
    throw new InvalidArgumentError('path', "the weights folder or its manifest's path", describeValue(path));
  }
  if (path === undefined && !isNode()) {
    throw new InvalidArgumentError('path', `the URL of the folder serving ${TINY_FACE_DETECTOR_MANIFEST} and tiny_face_detector_model.bin (a browser has no installed copy to read)`, 'undefined', "e.g. createFaceDetector({ weightsPath: '/models/tiny-face-detector/' }), or face-api's model folder.");
  }
  return readWeightsManifest(path ?? (await defaultTinyFaceDetectorDir()), {
    manifestName: TINY_FACE_DETECTOR_MANIFEST,
    hint: `Pass the folder holding ${TINY_FACE_DETECTOR_MANIFEST} and tiny_face_detector_model.bin, or the manifest itself.`,
  });
}

/**
 * The pretrained TinyFaceDetector: `tinyFaceDetector(options)` with face-api's weights, read from `path`
 * (a folder or its manifest; in a browser their URL) or, by default, from the copy shipped in @cnn/yolo (Node).
 */
export async function loadTinyFaceDetector(path?: string, options: TinyFaceDetectorOptions = {}): Promise<tfl.LayersModel> {
  return buildWithWeights(readTinyFaceDetectorWeights(path), () => tinyFaceDetector(options), setTinyFaceDetectorWeights);
}
