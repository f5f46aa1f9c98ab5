/**
 * dlib's face descriptor net (`dlib_face_recognition_resnet_model_v1`, a ResNet-34 with half the filters and
 * fewer blocks) as face-api ported it (`FaceRecognitionNet`), rebuilt from tfjs-layers layers. Structure,
 * read from face-api's `faceRecognitionNet/{FaceRecognitionNet,residualLayer,convLayer}.ts`:
 *
 *   conv32_down        conv 7×7 stride 2 'valid' 3→32 + scale, ReLU        150 → 72
 *   max_pool           max 3×3 stride 2 'valid'                             72 → 35
 *   conv32_1..3        residual: conv 3×3 + scale, ReLU, conv 3×3 + scale, + x, ReLU      35
 *   conv64_down        residual down: conv 3×3 stride 2 'valid' + scale, ReLU, conv 3×3 + scale,
 *                      + avgPool 2×2 (x) with zero channels 32 → 64, ReLU  35 → 17
 *   conv64_1..3, conv128_down (→ 8), conv128_1..2, conv256_down (→ 4), conv256_1..2, conv256_down_out (→ 2)
 *   avg_pool           mean over H, W                                       [256]
 *   fc                 matMul, no bias                                      [128]
 *
 * At 8 → 4 and 4 → 2 the strided 'valid' conv gives one row and column fewer than the 2×2 average pool;
 * face-api appends a zero row and column to the conv branch (`isAdjustShape`), here a ZeroPadding2D.
 *
 * face-api's `scale` (x·w + b per channel, dlib's affine layer that replaced batch norm) comes right after
 * each conv's bias, so it is folded into the conv at load time:
 *   (conv(x, K) + b)·s + t = conv(x, K·s) + (b·s + t).
 * Each conv's bias and following ReLU run inside the conv (tfjs-layers' fused conv2d), where face-api runs
 * conv, add, mul, add, relu as five kernels.
 * The model has 5,607,488 parameters: face-api's 5,614,592 weights less the 7,104 scale weights (2 per
 * channel of the 29 convs). Layer names are face-api's weight prefixes (`conv32_1/conv1` -> `conv32_1_conv1`).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { checkFaceApiWeights, readFaceApiWeights, setWeightsByName } from './face-api-weights.js';
import { channelZeroPadding, registerFaceLayers } from './layers.js';
import { FACE_RECOGNITION_INPUT_SIZE } from './preprocess.js';
import { buildWithWeights } from '@cnn/architectures';

type Sym = tfl.SymbolicTensor;

/** face-api's model name (`<name>-weights_manifest.json`, `<name>.bin`). */
export const FACE_RECOGNITION_MODEL = 'face_recognition_model';
/** Length of a face descriptor. */
export const FACE_DESCRIPTOR_SIZE = 128;
/** Parameters of `faceRecognitionNet()` (scale folded into the convs). */
export const FACE_RECOGNITION_PARAMS = 5_607_488;
/** Weights in face-api's manifest (= FACE_RECOGNITION_PARAMS + 7,104 scale weights). */
export const FACE_RECOGNITION_FACE_API_WEIGHTS = 5_614_592;

/** Residual blocks after the stem: [face-api prefix, filters, downsampling]. */
export const FACE_RECOGNITION_BLOCKS: readonly (readonly [string, number, boolean])[] = [
  ['conv32_1', 32, false],
  ['conv32_2', 32, false],
  ['conv32_3', 32, false],
  ['conv64_down', 64, true],
  ['conv64_1', 64, false],
  ['conv64_2', 64, false],
  ['conv64_3', 64, false],
  ['conv128_down', 128, true],
  ['conv128_1', 128, false],
  ['conv128_2', 128, false],
  ['conv256_down', 256, true],
  ['conv256_1', 256, false],
  ['conv256_2', 256, false],
  ['conv256_down_out', 256, true],
];

export interface FaceRecognitionNetOptions {
  /** Model name (default 'face_recognition_net'). */
  name?: string;
}

const relu = (x: Sym, name: string): Sym => tfl.layers.reLU({ name }).apply(x) as Sym;
/** Conv + bias (+ ReLU): one fused tfjs kernel (`tf.fused.conv2d`), where face-api runs conv, add, mul, add, relu. */
const conv = (x: Sym, filters: number, kernelSize: number, strides: number, padding: 'same' | 'valid', name: string, activation: 'relu' | 'linear' = 'linear'): Sym =>
  tfl.layers.conv2d({ filters, kernelSize, strides, padding, useBias: true, activation, name }).apply(x) as Sym;

/** face-api's `residual`: relu(conv2(relu(conv1(x))) + x). */
function residualBlock(x: Sym, filters: number, name: string): Sym {
  let y = conv(x, filters, 3, 1, 'same', `${name}_conv1`, 'relu');
  y = conv(y, filters, 3, 1, 'same', `${name}_conv2`);
  y = tfl.layers.add({ name: `${name}_add` }).apply([y, x]) as Sym;
  return relu(y, `${name}_out`);
}

/**
 * face-api's `residualDown`: relu(conv2(relu(conv1_stride2_valid(x))) + shortcut), shortcut = avgPool 2×2 of x
 * with zero channels up to `filters`; the conv branch gets a zero row/column when it is one pixel smaller.
 */
function residualDownBlock(x: Sym, filters: number, name: string): Sym {
  const inChannels = x.shape[3] as number;
  let y = conv(x, filters, 3, 2, 'valid', `${name}_conv1`, 'relu');
  y = conv(y, filters, 3, 1, 'same', `${name}_conv2`);
  let shortcut = tfl.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: `${name}_pool` }).apply(x) as Sym;
  if (inChannels < filters) shortcut = channelZeroPadding({ channels: filters - inChannels, name: `${name}_pool_pad` }).apply(shortcut) as Sym;
  const dh = (shortcut.shape[1] as number) - (y.shape[1] as number);
  const dw = (shortcut.shape[2] as number) - (y.shape[2] as number);
  if (dh > 0 || dw > 0) y = tfl.layers.zeroPadding2d({ padding: [[0, dh], [0, dw]], name: `${name}_conv2_pad` }).apply(y) as Sym;
  y = tfl.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as Sym;
  return relu(y, `${name}_out`);
}

/**
 * The FaceRecognitionNet with fresh (random) weights: input [150, 150, 3] normalized as
 * `faceRecognitionInput` does, output [128] (the face descriptor, not L2-normalized).
 * `loadFaceRecognitionNet()` gives the pretrained one.
 */
export function faceRecognitionNet(options: FaceRecognitionNetOptions = {}): tfl.LayersModel {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { name? }', describeValue(options));
  const name = options.name ?? 'face_recognition_net';
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('options.name', 'a non-empty string', describeValue(name));
  registerFaceLayers();
  const size = FACE_RECOGNITION_INPUT_SIZE;
  const input = tfl.input({ shape: [size, size, 3], name: 'input' });
  let x = conv(input, 32, 7, 2, 'valid', 'conv32_down', 'relu');
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'max_pool' }).apply(x) as Sym;
  for (const [block, filters, down] of FACE_RECOGNITION_BLOCKS) x = down ? residualDownBlock(x, filters, block) : residualBlock(x, filters, block);
  x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Sym;
  const out = tfl.layers.dense({ units: FACE_DESCRIPTOR_SIZE, useBias: false, name: 'fc' }).apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: out, name });
}

/** The conv layers: [face-api prefix, layer name, kernel shape]. */
function convLayers(): [string, string, number[]][] {
  const out: [string, string, number[]][] = [['conv32_down', 'conv32_down', [7, 7, 3, 32]]];
  let channels = 32;
  for (const [block, filters] of FACE_RECOGNITION_BLOCKS) {
    out.push([`${block}/conv1`, `${block}_conv1`, [3, 3, channels, filters]]);
    out.push([`${block}/conv2`, `${block}_conv2`, [3, 3, filters, filters]]);
    channels = filters;
  }
  return out;
}

/** Every weight of face-api's FaceRecognitionNet and its shape. */
export function faceRecognitionWeightShapes(): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const [prefix, , kernel] of convLayers()) {
    const c = kernel[3]!;
    shapes.set(`${prefix}/conv/filters`, kernel);
    shapes.set(`${prefix}/conv/bias`, [c]);
    shapes.set(`${prefix}/scale/weights`, [c]);
    shapes.set(`${prefix}/scale/biases`, [c]);
  }
  shapes.set('fc', [256, FACE_DESCRIPTOR_SIZE]);
  return shapes;
}

/**
 * face-api's named weights -> this model's weights by original name (`<layer>/kernel`, `<layer>/bias`), with
 * each `scale` folded into its conv: kernel = filters · s, bias = bias · s + t. Checks names and shapes
 * (WeightsMismatchError). The caller disposes the result; the input stays the caller's.
 */
export function foldFaceRecognitionWeights(weights: tf.NamedTensorMap): tf.NamedTensorMap {
  checkFaceApiWeights('FaceRecognitionNet', weights, faceRecognitionWeightShapes());
  return tf.tidy(() => {
    const out: tf.NamedTensorMap = {};
    for (const [prefix, layer] of convLayers()) {
      const s = weights[`${prefix}/scale/weights`]!;
      out[`${layer}/kernel`] = tf.mul(weights[`${prefix}/conv/filters`]!, s);
      out[`${layer}/bias`] = tf.add(tf.mul(weights[`${prefix}/conv/bias`]!, s), weights[`${prefix}/scale/biases`]!);
    }
    out['fc/kernel'] = tf.clone(weights['fc']!);
    return out;
  });
}

/** Copies face-api's FaceRecognitionNet weights (scale folded) into a `faceRecognitionNet()` model. */
export function setFaceRecognitionWeights(model: tfl.LayersModel, weights: tf.NamedTensorMap): void {
  const folded = foldFaceRecognitionWeights(weights);
  try {
    setWeightsByName(model, folded, 'faceRecognitionNet()');
  } finally {
    tf.dispose(Object.values(folded));
  }
}

/**
 * The pretrained FaceRecognitionNet: `faceRecognitionNet()` with face-api's weights, read from `path` (a
 * folder holding `face_recognition_model-weights_manifest.json` and its `.bin`, or the manifest) or by
 * default from the installed `@vladmandic/face-api` package's `model/` folder. Node only.
 */
export async function loadFaceRecognitionNet(path?: string, options: FaceRecognitionNetOptions = {}): Promise<tfl.LayersModel> {
  return buildWithWeights(readFaceApiWeights(FACE_RECOGNITION_MODEL, path), () => faceRecognitionNet(options), setFaceRecognitionWeights);
}
