/**
 * MobileNet v1 (Howard et al. 2017) and v2 (Sandler et al. 2018) as keras.applications builds them.
 * v1: depthwise-separable blocks (3×3 depthwise + 1×1 pointwise, each with batch norm and ReLU6);
 * v2: inverted residual blocks (1×1 expand ×6, 3×3 depthwise, linear 1×1 projection, residual when shapes
 * match). `alpha` scales every layer's width. Layer names and parameter counts as Keras
 * (MobileNet 4,253,864; MobileNetV2 3,538,984 at alpha 1 with the top).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@cnn/ops';
import { resolveOptions, type ApplicationOptions } from './options.js';
import { kerasImagenetWeights } from './imagenet.js';
import { finishModel } from './weights.js';

type Sym = tfl.SymbolicTensor;

export interface MobileNetOptions extends ApplicationOptions {
  /** Width multiplier (default 1). */
  alpha?: number;
  /** v1 only: depth multiplier of the depthwise convs (default 1). */
  depthMultiplier?: number;
  /** v1 only: dropout before the classifier (default 1e-3). */
  dropout?: number;
}

const relu6 = (x: Sym, name: string) => tfl.layers.reLU({ maxValue: 6, name }).apply(x) as Sym;
const bn = (x: Sym, name: string, momentum = 0.99, epsilon = 1e-3) => tfl.layers.batchNormalization({ axis: 3, momentum, epsilon, name }).apply(x) as Sym;

/**
 * A depthwise-separable block (MobileNet v1): [pad] -> depthwise 3×3 -> BN -> ReLU6 -> pointwise 1×1 -> BN -> ReLU6.
 */
export function depthwiseSeparableBlock(x: Sym, options: { pointwiseFilters: number; strides?: number; depthMultiplier?: number; blockId: number }): Sym {
  const { pointwiseFilters, blockId } = options;
  const strides = options.strides ?? 1;
  let y = x;
  if (strides !== 1) y = tfl.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: `conv_pad_${blockId}` }).apply(y) as Sym;
  y = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: strides === 1 ? 'same' : 'valid', depthMultiplier: options.depthMultiplier ?? 1, strides, useBias: false, name: `conv_dw_${blockId}` }).apply(y) as Sym;
  y = relu6(bn(y, `conv_dw_${blockId}_bn`), `conv_dw_${blockId}_relu`);
  y = tfl.layers.conv2d({ filters: pointwiseFilters, kernelSize: 1, padding: 'same', useBias: false, strides: 1, name: `conv_pw_${blockId}` }).apply(y) as Sym;
  return relu6(bn(y, `conv_pw_${blockId}_bn`), `conv_pw_${blockId}_relu`);
}

function checkAlpha(alpha: number): void {
  if (typeof alpha !== 'number' || !(alpha > 0)) throw new InvalidArgumentError('options.alpha', 'a width multiplier > 0 (Keras weights exist for 0.25, 0.5, 0.75, 1.0)', String(alpha));
}

/** MobileNet v1 (keras.applications.MobileNet). */
export async function mobilenet(options: MobileNetOptions = {}): Promise<tfl.LayersModel> {
  const o = resolveOptions('MobileNet', options, [224, 224, 3], 32);
  const alpha = options.alpha ?? 1;
  checkAlpha(alpha);
  const dm = options.depthMultiplier ?? 1;
  if (o.weights === 'imagenet') {
    if (dm !== 1) throw new InvalidArgumentError('options.depthMultiplier', "1 with weights: 'imagenet'", String(dm));
    kerasImagenetWeights('MobileNet', o.includeTop, { alpha, rows: o.inputShape[0] === o.inputShape[1] ? o.inputShape[0] : null }); // validates alpha and size before building
  }
  const input = tfl.input({ shape: o.inputShape, name: 'input_1' });
  let x = tfl.layers.conv2d({ filters: Math.trunc(32 * alpha), kernelSize: 3, padding: 'same', useBias: false, strides: 2, name: 'conv1' }).apply(input) as Sym;
  x = relu6(bn(x, 'conv1_bn'), 'conv1_relu');
  const plan: [number, number][] = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1]];
  plan.forEach(([f, s], i) => {
    x = depthwiseSeparableBlock(x, { pointwiseFilters: Math.trunc(f * alpha), strides: s, depthMultiplier: dm, blockId: i + 1 });
  });
  if (o.includeTop) {
    const c = Math.trunc(1024 * alpha);
    x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as Sym;
    x = tfl.layers.reshape({ targetShape: [1, 1, c], name: 'reshape_1' }).apply(x) as Sym;
    x = tfl.layers.dropout({ rate: options.dropout ?? 1e-3, name: 'dropout' }).apply(x) as Sym;
    x = tfl.layers.conv2d({ filters: o.classes, kernelSize: 1, padding: 'same', name: 'conv_preds' }).apply(x) as Sym;
    x = tfl.layers.reshape({ targetShape: [o.classes], name: 'reshape_2' }).apply(x) as Sym;
    x = tfl.layers.activation({ activation: o.classifierActivation, name: 'predictions' }).apply(x) as Sym;
  } else if (o.pooling === 'avg') {
    x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as Sym;
  } else if (o.pooling === 'max') {
    x = tfl.layers.globalMaxPooling2d({ name: 'global_max_pooling2d' }).apply(x) as Sym;
  }
  const model = tfl.model({ inputs: input, outputs: x, name: `mobilenet_${alpha.toFixed(2)}_${o.inputShape[0] ?? 'none'}` });
  return finishModel(model, o, { architecture: 'MobileNet', alpha });
}

/** Keras' _make_divisible: round channels to a multiple of 8, never below 90% of the target. */
export function makeDivisible(v: number, divisor = 8, minValue = divisor): number {
  const n = Math.max(minValue, Math.floor((v + divisor / 2) / divisor) * divisor);
  return n < 0.9 * v ? n + divisor : n;
}

/**
 * MobileNet v2's inverted residual block: 1×1 expansion (×expansion, skipped in block 0), 3×3 depthwise
 * (stride 1 or 2), linear 1×1 projection; the input is added back when stride is 1 and channels match.
 */
export function invertedResidualBlock(x: Sym, options: { filters: number; alpha?: number; strides?: number; expansion: number; blockId: number }): Sym {
  const inChannels = x.shape[3] as number;
  const pointwise = makeDivisible(Math.trunc(options.filters * (options.alpha ?? 1)), 8);
  const strides = options.strides ?? 1;
  const prefix = options.blockId ? `block_${options.blockId}_` : 'expanded_conv_';
  let y = x;
  if (options.blockId) {
    y = tfl.layers.conv2d({ filters: options.expansion * inChannels, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}expand` }).apply(y) as Sym;
    y = relu6(bn(y, `${prefix}expand_BN`, 0.999), `${prefix}expand_relu`);
  }
  if (strides === 2) {
    // Keras' correct_pad for a 3×3 kernel on an even input: one pixel before, one after.
    const h = y.shape[1] as number | null;
    const adjust = h === null ? 1 : 1 - (h % 2);
    y = tfl.layers.zeroPadding2d({ padding: [[1 - adjust, 1], [1 - adjust, 1]], name: `${prefix}pad` }).apply(y) as Sym;
  }
  y = tfl.layers.depthwiseConv2d({ kernelSize: 3, strides, useBias: false, padding: strides === 1 ? 'same' : 'valid', name: `${prefix}depthwise` }).apply(y) as Sym;
  y = relu6(bn(y, `${prefix}depthwise_BN`, 0.999), `${prefix}depthwise_relu`);
  y = tfl.layers.conv2d({ filters: pointwise, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}project` }).apply(y) as Sym;
  y = bn(y, `${prefix}project_BN`, 0.999);
  if (inChannels === pointwise && strides === 1) y = tfl.layers.add({ name: `${prefix}add` }).apply([x, y]) as Sym;
  return y;
}

/** MobileNet v2 (keras.applications.MobileNetV2). */
export async function mobilenetV2(options: Omit<MobileNetOptions, 'depthMultiplier' | 'dropout'> = {}): Promise<tfl.LayersModel> {
  const o = resolveOptions('MobileNetV2', options, [224, 224, 3], 32);
  const alpha = options.alpha ?? 1;
  checkAlpha(alpha);
  if (o.weights === 'imagenet') kerasImagenetWeights('MobileNetV2', o.includeTop, { alpha, rows: o.inputShape[0] === o.inputShape[1] ? o.inputShape[0] : null });
  const input = tfl.input({ shape: o.inputShape, name: 'input_1' });
  const first = makeDivisible(32 * alpha, 8);
  let x = tfl.layers.conv2d({ filters: first, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'Conv1' }).apply(input) as Sym;
  x = relu6(bn(x, 'bn_Conv1', 0.999), 'Conv1_relu');
  // [filters, stride, expansion] for blocks 0..16 (the paper's table 2).
  const plan: [number, number, number][] = [
    [16, 1, 1], [24, 2, 6], [24, 1, 6], [32, 2, 6], [32, 1, 6], [32, 1, 6], [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
    [96, 1, 6], [96, 1, 6], [96, 1, 6], [160, 2, 6], [160, 1, 6], [160, 1, 6], [320, 1, 6],
  ];
  plan.forEach(([filters, strides, expansion], blockId) => {
    x = invertedResidualBlock(x, { filters, alpha, strides, expansion, blockId });
  });
  const last = alpha > 1 ? makeDivisible(1280 * alpha, 8) : 1280;
  x = tfl.layers.conv2d({ filters: last, kernelSize: 1, useBias: false, name: 'Conv_1' }).apply(x) as Sym;
  x = relu6(bn(x, 'Conv_1_bn', 0.999), 'out_relu');
  if (o.includeTop) {
    x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as Sym;
    x = tfl.layers.dense({ units: o.classes, activation: o.classifierActivation, name: 'predictions' }).apply(x) as Sym;
  } else if (o.pooling === 'avg') {
    x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as Sym;
  } else if (o.pooling === 'max') {
    x = tfl.layers.globalMaxPooling2d({ name: 'global_max_pooling2d' }).apply(x) as Sym;
  }
  const model = tfl.model({ inputs: input, outputs: x, name: `mobilenetv2_${alpha.toFixed(2)}_${o.inputShape[0] ?? 'none'}` });
  return finishModel(model, o, { architecture: 'MobileNetV2', alpha });
}
