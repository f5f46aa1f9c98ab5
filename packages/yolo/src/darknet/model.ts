/**
 * Darknet cfg + weights -> a functional tfjs-layers model whose outputs are the raw [yolo] / [region] head
 * tensors (NHWC; channel a * (5 + classes) + k holds entry k of anchor a, as in darknet's memory layout),
 * plus the metadata needed to decode them (anchors, masks, classes, strides).
 *
 * Layer by layer (darknet's forward pass, layer i named `<kind>_<i>`):
 *   [convolutional]  conv (groups = 1), depthwise conv (groups = channels), or per-group convs; zero padding as
 *                    darknet (pad=1 means size/2 on every side, so a 3x3 / 2 conv pads top-left, unlike tfjs'
 *                    'same'); then BatchNormalization (epsilon 1e-5, darknet's) or folded into the conv; then
 *                    the activation (leaky = LeakyReLU(0.1)).
 *   [maxpool]        MaxPooling2D where its padding matches darknet's, else DarknetMaxPool2D.
 *   [route]          the layer itself, a Concatenate, and DarknetChannelSlice for groups/group_id.
 *   [shortcut]       Add (+ activation).   [upsample] UpSampling2D (nearest).   [dropout] Dropout.
 *   [avgpool]        global average pooling to 1x1.   [yolo]/[region] pass their input through as an output.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, WeightsMismatchError, describeValue, toPair } from '@cnn/ops';
import { parseDarknetCfg, type DarknetActivation, type DarknetCfg, type DarknetConvSection } from './cfg.js';
import { DarknetChannelSlice, DarknetMaxPool2D, registerDarknetLayers } from './layers.js';
import { darknetShapes, type DarknetShape } from './shapes.js';
import { readDarknetWeights, type DarknetWeights, type DarknetWeightsHeader } from './weights.js';

/** Darknet's batch-norm epsilon (normalize_cpu: sqrt(variance + .00001)). */
export const DARKNET_BN_EPSILON = 1e-5;
/** Darknet's leaky ReLU slope. */
export const DARKNET_LEAKY_ALPHA = 0.1;

/** One detection head of a Darknet model. Plain JSON, so it can be saved next to the model. */
export interface DarknetHead {
  kind: 'yolo' | 'region';
  /** Darknet layer index of the [yolo]/[region] section. */
  layerIndex: number;
  /** Index of this head in the model's outputs. */
  outputIndex: number;
  /** [height, width] of the grid. */
  gridSize: [number, number];
  /** [y, x] input pixels per grid cell. */
  stride: [number, number];
  /** [yolo]: the anchors [w, h] of this head (mask applied), in network-input pixels. [region]: in grid cells. */
  anchors: [number, number][];
  /** [yolo]: indices into `allAnchors` (the cfg's mask). [region]: 0..num-1. */
  mask: number[];
  /** Every anchor of the cfg line. */
  allAnchors: [number, number][];
  classes: number;
  /** Box-center stretch (YOLOv4's scale_x_y), 1 when absent. */
  scaleXY: number;
  /** scaled-YOLOv4 `new_coords=1`: outputs are already logistic and w = 4 * t^2 * anchor. */
  newCoords: boolean;
  /** [region] only: class scores are a softmax (YOLOv2) rather than independent logistics. */
  softmax: boolean;
}

export interface DarknetMeta {
  /** [height, width] of the network input. */
  inputSize: [number, number];
  channels: number;
  /** `letter_box=1` in [net]: darknet letterboxes inputs; otherwise it stretches them to inputSize. */
  letterbox: boolean;
  heads: DarknetHead[];
  /** Number of classes (of the first head). */
  classes: number;
  /**
   * `layerOutputs[i]`: the name of the tfjs layer whose output is darknet layer i's output (identity layers
   * such as a one-input [route] or a [yolo] head name the layer they pass on). For features:
   * `model.getLayer(meta.layerOutputs[i]).output`.
   */
  layerOutputs: string[];
}

export interface DarknetModelOptions {
  /** Network input [height, width] or a square size (default: [net] height/width). Multiples of 32 for YOLO. */
  inputSize?: number | [number, number];
  /** Fold batch norm into the convolutions (faster inference, no BatchNormalization layers). Default false. */
  foldBatchNorm?: boolean;
  /** Model name (default 'darknet'). */
  name?: string;
}

export interface DarknetModel {
  model: tfl.LayersModel;
  meta: DarknetMeta;
  /** The .weights header, when weights were given. */
  header: DarknetWeightsHeader | undefined;
  /** Frees the model's weights. */
  dispose(): void;
}

/** Floats of one [convolutional] layer, in darknet's order. */
interface ConvWeights {
  biases: Float32Array;
  bn?: { scales: Float32Array; mean: Float32Array; variance: Float32Array };
  /** Darknet layout [n][c / groups][k][k]. */
  kernel: Float32Array;
}

function readConvWeights(reader: DarknetWeights, s: DarknetConvSection, inChannels: number): ConvWeights {
  const n = s.filters;
  const biases = reader.read(n);
  const bn = s.batchNormalize ? { scales: reader.read(n), mean: reader.read(n), variance: reader.read(n) } : undefined;
  const kernel = reader.read(n * (inChannels / s.groups) * s.size * s.size);
  return bn ? { biases, bn, kernel } : { biases, kernel };
}

/** Darknet [n][cin/groups][k][k] -> tfjs [k][k][cin/groups][n/groups] for group g (conv or depthwise HWIO/HWCM). */
function groupKernel(kernel: Float32Array, n: number, cinG: number, k: number, groups: number, g: number, scale?: Float32Array): Float32Array {
  const nG = n / groups;
  const out = new Float32Array(k * k * cinG * nG);
  for (let o = 0; o < nG; o++) {
    const filter = g * nG + o;
    const s = scale ? scale[filter]! : 1;
    for (let ci = 0; ci < cinG; ci++) {
      for (let ky = 0; ky < k; ky++) {
        for (let kx = 0; kx < k; kx++) {
          out[((ky * k + kx) * cinG + ci) * nG + o] = kernel[((filter * cinG + ci) * k + ky) * k + kx]! * s;
        }
      }
    }
  }
  return out;
}

function activationLayer(activation: DarknetActivation, name: string): tfl.layers.Layer | undefined {
  switch (activation) {
    case 'linear':
      return undefined;
    case 'leaky':
      return tfl.layers.leakyReLU({ alpha: DARKNET_LEAKY_ALPHA, name });
    case 'relu':
      return tfl.layers.reLU({ name });
    case 'relu6':
      return tfl.layers.reLU({ maxValue: 6, name });
    case 'logistic':
      return tfl.layers.activation({ activation: 'sigmoid', name });
    case 'tanh':
    case 'mish':
    case 'swish':
    case 'elu':
    case 'selu':
      return tfl.layers.activation({ activation, name });
  }
}

function applyActivation(x: tfl.SymbolicTensor, activation: DarknetActivation, i: number): tfl.SymbolicTensor {
  const layer = activationLayer(activation, `${activation}_${i}`);
  return layer ? (layer.apply(x) as tfl.SymbolicTensor) : x;
}

/** Padding tfjs' 'same' puts before the input for a window of `k` with stride `s` on `n` cells. */
function tfSamePadBefore(n: number, k: number, s: number): { out: number; before: number } {
  const out = Math.ceil(n / s);
  return { out, before: Math.floor(Math.max((out - 1) * s + k - n, 0) / 2) };
}

interface Built {
  tensor: tfl.SymbolicTensor;
  /** Layers with weights to set afterwards, with their values. */
  assignments: { layer: tfl.layers.Layer; values: { shape: number[]; data: Float32Array }[] }[];
}

function buildConv(x: tfl.SymbolicTensor, s: DarknetConvSection, i: number, inShape: DarknetShape, w: ConvWeights | undefined, fold: boolean): Built {
  const [, , c] = inShape;
  const k = s.size;
  const n = s.filters;
  const assignments: Built['assignments'] = [];
  const samePad = s.stride[0] === 1 && s.stride[1] === 1 && 2 * s.padding === k - 1;
  let input = x;
  if (s.padding > 0 && !samePad) {
    input = tfl.layers.zeroPadding2d({ padding: s.padding, name: `pad_${i}` }).apply(x) as tfl.SymbolicTensor;
  }
  const padding = samePad && s.padding > 0 ? 'same' : 'valid';
  const useBn = s.batchNormalize && !fold;
  const useBias = !useBn;
  // Folding: y = gamma * (conv - mean) / sqrt(var + eps) + beta = conv * scale + (beta - mean * scale).
  let scale: Float32Array | undefined;
  let bias: Float32Array | undefined = w?.biases;
  if (w?.bn && fold) {
    scale = new Float32Array(n);
    bias = new Float32Array(n);
    for (let o = 0; o < n; o++) {
      scale[o] = w.bn.scales[o]! / Math.sqrt(w.bn.variance[o]! + DARKNET_BN_EPSILON);
      bias[o] = w.biases[o]! - w.bn.mean[o]! * scale[o]!;
    }
  }
  const cinG = c / s.groups;
  const nG = n / s.groups;
  let y: tfl.SymbolicTensor;
  if (s.groups === 1 || (s.groups === c && cinG === 1)) {
    const depthwise = s.groups !== 1;
    const layer = depthwise
      ? tfl.layers.depthwiseConv2d({ kernelSize: k, strides: s.stride, padding, depthMultiplier: nG, useBias, name: `conv_${i}` })
      : tfl.layers.conv2d({ filters: n, kernelSize: k, strides: s.stride, padding, useBias, name: `conv_${i}` });
    y = layer.apply(input) as tfl.SymbolicTensor;
    if (w) {
      const kernel = depthwise ? groupKernelDepthwise(w.kernel, n, c, k, scale) : groupKernel(w.kernel, n, c, k, 1, 0, scale);
      const values = [{ shape: [k, k, c, depthwise ? nG : n], data: kernel }];
      if (useBias) values.push({ shape: [n], data: bias! });
      assignments.push({ layer, values });
    }
  } else {
    const parts: tfl.SymbolicTensor[] = [];
    for (let g = 0; g < s.groups; g++) {
      const slice = new DarknetChannelSlice({ start: g * cinG, size: cinG, name: `conv_${i}_slice_${g}` }).apply(input) as tfl.SymbolicTensor;
      const layer = tfl.layers.conv2d({ filters: nG, kernelSize: k, strides: s.stride, padding, useBias, name: `conv_${i}_group_${g}` });
      parts.push(layer.apply(slice) as tfl.SymbolicTensor);
      if (w) {
        const values = [{ shape: [k, k, cinG, nG], data: groupKernel(w.kernel, n, cinG, k, s.groups, g, scale) }];
        if (useBias) values.push({ shape: [nG], data: bias!.slice(g * nG, (g + 1) * nG) });
        assignments.push({ layer, values });
      }
    }
    y = tfl.layers.concatenate({ axis: -1, name: `conv_${i}` }).apply(parts) as tfl.SymbolicTensor;
  }
  if (useBn) {
    const layer = tfl.layers.batchNormalization({ axis: -1, epsilon: DARKNET_BN_EPSILON, momentum: 0.99, name: `bn_${i}` });
    y = layer.apply(y) as tfl.SymbolicTensor;
    if (w?.bn) {
      assignments.push({
        layer,
        values: [
          { shape: [n], data: w.bn.scales },
          { shape: [n], data: w.biases },
          { shape: [n], data: w.bn.mean },
          { shape: [n], data: w.bn.variance },
        ],
      });
    }
  }
  return { tensor: applyActivation(y, s.activation, i), assignments };
}

/** Darknet [c * m][1][k][k] -> tfjs depthwise [k][k][c][m] (filter ci * m + q reads input channel ci). */
function groupKernelDepthwise(kernel: Float32Array, n: number, c: number, k: number, scale?: Float32Array): Float32Array {
  const m = n / c;
  const out = new Float32Array(k * k * c * m);
  for (let ci = 0; ci < c; ci++) {
    for (let q = 0; q < m; q++) {
      const filter = ci * m + q;
      const s = scale ? scale[filter]! : 1;
      for (let t = 0; t < k * k; t++) out[(t * c + ci) * m + q] = kernel[filter * k * k + t]! * s;
    }
  }
  return out;
}

function cfgFrom(cfg: string | DarknetCfg): DarknetCfg {
  if (typeof cfg === 'string') return parseDarknetCfg(cfg);
  if (cfg !== null && typeof cfg === 'object' && 'net' in cfg && Array.isArray((cfg as DarknetCfg).layers)) return cfg;
  throw new InvalidArgumentError('cfg', 'the text of a Darknet .cfg file or the result of parseDarknetCfg', describeValue(cfg));
}

/**
 * Builds a Darknet network as a tfjs-layers model and loads its `.weights` (omit them for a freshly
 * initialized network of the same shape). Throws DarknetCfgError for cfg problems (with the line) and
 * WeightsMismatchError when the weights file does not hold exactly the floats the cfg needs.
 *
 *     const { model, meta } = darknetModel(cfgText, await readFile('yolo-fastest-1.1.weights'), { inputSize: 320 });
 *     const outputs = model.predict(input) as tf.Tensor4D[]; // raw heads, e.g. [1,10,10,255] and [1,20,20,255]
 *     const detections = await decodeYoloV3(outputs, meta, { labels });
 */
export function darknetModel(cfg: string | DarknetCfg, weightsBuffer?: ArrayBuffer | ArrayBufferView | null, options: DarknetModelOptions = {}): DarknetModel {
  registerDarknetLayers();
  const parsed = cfgFrom(cfg);
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { inputSize?, foldBatchNorm?, name? }', describeValue(options));
  const inputSize = options.inputSize === undefined ? undefined : toPair(options.inputSize, 'options.inputSize');
  const fold = options.foldBatchNorm ?? false;
  if (typeof fold !== 'boolean') throw new InvalidArgumentError('options.foldBatchNorm', 'a boolean', describeValue(fold));
  const shapes = darknetShapes(parsed, inputSize);
  const reader = weightsBuffer === undefined || weightsBuffer === null ? undefined : readDarknetWeights(weightsBuffer);
  if (reader && reader.floatCount !== shapes.paramCount) {
    throw new WeightsMismatchError(
      `The Darknet .weights file holds ${reader.floatCount} floats after its ${reader.header.byteLength}-byte header (version ${reader.header.major}.${reader.header.minor}.${reader.header.revision}), but the cfg needs exactly ${shapes.paramCount}: the weights belong to a different cfg.`,
    );
  }

  const [h, w, c] = shapes.input;
  const input = tfl.input({ shape: [h, w, c], name: 'input' });
  const tensors: tfl.SymbolicTensor[] = [];
  const assignments: Built['assignments'] = [];
  const heads: DarknetHead[] = [];
  const outputs: tfl.SymbolicTensor[] = [];

  parsed.layers.forEach((s, i) => {
    const inShape = i === 0 ? shapes.input : shapes.layers[i - 1]!;
    const x = i === 0 ? input : tensors[i - 1]!;
    let y: tfl.SymbolicTensor;
    switch (s.type) {
      case 'convolutional': {
        const built = buildConv(x, s, i, inShape, reader ? readConvWeights(reader, s, inShape[2]) : undefined, fold);
        assignments.push(...built.assignments);
        y = built.tensor;
        break;
      }
      case 'maxpool': {
        const [ih, iw] = inShape;
        const [oh, ow] = shapes.layers[i]!;
        const before = Math.floor(s.padding / 2);
        const sameY = tfSamePadBefore(ih, s.size, s.stride[0]);
        const sameX = tfSamePadBefore(iw, s.size, s.stride[1]);
        const validOut = (n: number, st: number) => Math.floor((n - s.size) / st) + 1;
        if (sameY.out === oh && sameX.out === ow && sameY.before === before && sameX.before === before) {
          y = tfl.layers.maxPooling2d({ poolSize: s.size, strides: s.stride, padding: 'same', name: `maxpool_${i}` }).apply(x) as tfl.SymbolicTensor;
        } else if (before === 0 && validOut(ih, s.stride[0]) === oh && validOut(iw, s.stride[1]) === ow) {
          y = tfl.layers.maxPooling2d({ poolSize: s.size, strides: s.stride, padding: 'valid', name: `maxpool_${i}` }).apply(x) as tfl.SymbolicTensor;
        } else {
          y = new DarknetMaxPool2D({ poolSize: s.size, strides: s.stride, padding: s.padding, name: `maxpool_${i}` }).apply(x) as tfl.SymbolicTensor;
        }
        break;
      }
      case 'avgpool': {
        const pooled = tfl.layers.globalAveragePooling2d({ name: `avgpool_${i}` }).apply(x) as tfl.SymbolicTensor;
        y = tfl.layers.reshape({ targetShape: [1, 1, inShape[2]], name: `avgpool_${i}_reshape` }).apply(pooled) as tfl.SymbolicTensor;
        break;
      }
      case 'route': {
        const parts = s.layers.map((l, k) => {
          const t = tensors[l]!;
          if (s.groups === 1) return t;
          const part = shapes.layers[l]![2] / s.groups;
          return new DarknetChannelSlice({ start: part * s.groupId, size: part, name: `route_${i}_slice_${k}` }).apply(t) as tfl.SymbolicTensor;
        });
        y = parts.length === 1 ? parts[0]! : (tfl.layers.concatenate({ axis: -1, name: `route_${i}` }).apply(parts) as tfl.SymbolicTensor);
        break;
      }
      case 'shortcut': {
        const sum = tfl.layers.add({ name: `shortcut_${i}` }).apply([x, ...s.from.map((f) => tensors[f]!)]) as tfl.SymbolicTensor;
        y = applyActivation(sum, s.activation, i);
        break;
      }
      case 'upsample':
        y = tfl.layers.upSampling2d({ size: [s.stride, s.stride], interpolation: 'nearest', name: `upsample_${i}` }).apply(x) as tfl.SymbolicTensor;
        break;
      case 'dropout':
        y = tfl.layers.dropout({ rate: s.probability, name: `dropout_${i}` }).apply(x) as tfl.SymbolicTensor;
        break;
      case 'yolo':
      case 'region': {
        const [gh, gw] = inShape;
        const yolo = s.type === 'yolo';
        heads.push({
          kind: s.type,
          layerIndex: i,
          outputIndex: outputs.length,
          gridSize: [gh, gw],
          stride: [h / gh, w / gw],
          anchors: yolo ? s.mask.map((m) => s.anchors[m]!) : s.anchors,
          mask: yolo ? s.mask : s.anchors.map((_, k) => k),
          allAnchors: s.anchors,
          classes: s.classes,
          scaleXY: yolo ? s.scaleXY : 1,
          newCoords: yolo ? s.newCoords : false,
          softmax: yolo ? false : s.softmax,
        });
        outputs.push(x);
        y = x; // the raw head; decoding applies the logistic
        break;
      }
    }
    tensors.push(y);
  });
  if (outputs.length === 0) {
    // A classifier or backbone: its last layer is the output.
    outputs.push(tensors[tensors.length - 1]!);
  }
  const model = tfl.model({ inputs: input, outputs, name: options.name ?? 'darknet' });
  for (const { layer, values } of assignments) {
    const ts = values.map((v) => tf.tensor(v.data, v.shape, 'float32'));
    try {
      layer.setWeights(ts);
    } finally {
      tf.dispose(ts);
    }
  }
  const meta: DarknetMeta = {
    inputSize: [h, w],
    channels: c,
    letterbox: parsed.net.letterbox,
    heads,
    classes: heads[0]?.classes ?? 0,
    layerOutputs: tensors.map((t) => t.sourceLayer.name),
  };
  return { model, meta, header: reader?.header, dispose: () => model.dispose() };
}

/** Float32 values the `.weights` file of this cfg must hold after its header (for a given input size). */
export function darknetParamCount(cfg: string | DarknetCfg, inputSize?: number | [number, number]): number {
  const parsed = cfgFrom(cfg);
  return darknetShapes(parsed, inputSize === undefined ? undefined : toPair(inputSize, 'inputSize')).paramCount;
}
