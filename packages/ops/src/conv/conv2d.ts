/**
 * Validated convolutions. tfjs does the arithmetic (XNNPACK on wasm); this layer adds what the course asks
 * for and tfjs lacks: symmetric integer padding, checks that name the argument at fault, and no raw tfjs
 * shape errors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { warnIfNotReady } from '../backend/backend.js';
import { InvalidArgumentError, ShapeMismatchError } from '../errors/errors.js';
import { assertTensor, toPair } from '../errors/validate.js';
import { convOutputSize, resolvePadding2D, type Padding2D } from './conv-output-size.js';

export type Activation = 'linear' | 'relu' | 'relu6' | 'elu' | 'leakyrelu' | 'sigmoid';

export interface Conv2DOptions {
  strides?: number | [number, number];
  padding?: Padding2D;
  dilations?: number | [number, number];
  bias?: tf.Tensor1D;
  activation?: Activation;
}

type TfPad = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];

/** Checks input/filter and returns tfjs arguments. Shared by conv2d, depthwise and separable convs. */
export function prepareConv(
  x: unknown,
  filter: unknown,
  options: Conv2DOptions,
  kind: 'conv2d' | 'depthwise',
): { x4: tf.Tensor4D; strides: [number, number]; dilations: [number, number]; pad: TfPad; squeeze: boolean } {
  warnIfNotReady();
  assertTensor(x, 'x', { rank: [3, 4], dtype: ['float32', 'int32'] });
  assertTensor(filter, 'filter', { rank: 4, dtype: 'float32' });
  const strides = toPair(options.strides ?? 1, 'options.strides');
  const dilations = toPair(options.dilations ?? 1, 'options.dilations');
  if ((strides[0] > 1 || strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1)) {
    throw new InvalidArgumentError('options.dilations', 'dilations of 1 when strides > 1 (TensorFlow does not support both)', `[${dilations}] with strides [${strides}]`);
  }
  const shape = x.rank === 3 ? [1, ...x.shape] : x.shape;
  const [, h, w, c] = shape as [number, number, number, number];
  const [fh, fw, fc] = filter.shape as [number, number, number, number];
  if (fc !== c) {
    throw new ShapeMismatchError('filter', `filter [${filter.shape.join(', ')}] expects ${fc} input channels (${kind === 'depthwise' ? '[f_h, f_w, n_C, multiplier]' : '[f_h, f_w, n_C_prev, n_C]'}), but x [${x.shape.join(', ')}] has ${c}`);
  }
  const padding = options.padding ?? 'valid';
  const [[t, b], [l, r]] = resolvePadding2D(padding, [h, w], [fh, fw], strides, dilations, 'options.padding');
  // Throws a clear error if the (dilated) filter is larger than the padded input.
  convOutputSize(h, fh, { stride: strides[0], dilation: dilations[0], padding: [t, b] });
  convOutputSize(w, fw, { stride: strides[1], dilation: dilations[1], padding: [l, r] });
  const pad: TfPad =
    padding === 'same' || padding === 'valid'
      ? padding
      : [
          [0, 0],
          [t, b],
          [l, r],
          [0, 0],
        ];
  const x4 = (x.rank === 3 ? tf.expandDims(x, 0) : x) as tf.Tensor4D;
  return { x4: x4.dtype === 'float32' ? x4 : (tf.cast(x4, 'float32') as tf.Tensor4D), strides, dilations, pad, squeeze: x.rank === 3 };
}

function applyActivation(y: tf.Tensor4D, activation: Activation): tf.Tensor4D {
  switch (activation) {
    case 'relu':
      return tf.relu(y);
    case 'relu6':
      return tf.relu6(y);
    case 'elu':
      return tf.elu(y);
    case 'leakyrelu':
      return tf.leakyRelu(y, 0.2);
    case 'sigmoid':
      return tf.sigmoid(y);
    default:
      throw new InvalidArgumentError('options.activation', "'linear', 'relu', 'relu6', 'elu', 'leakyrelu' or 'sigmoid'", String(activation));
  }
}

function checkBias(bias: unknown, channels: number): asserts bias is tf.Tensor1D | undefined {
  if (bias === undefined) return;
  assertTensor(bias, 'options.bias', { rank: 1, dtype: 'float32' });
  if (bias.shape[0] !== channels) throw new ShapeMismatchError('options.bias', `expected ${channels} values (one per output channel), got ${bias.shape[0]}`);
}

/**
 * 2-D convolution of x [m, n_H, n_W, n_C] (or one image [n_H, n_W, n_C]) with filter [f_h, f_w, n_C, n_C_out].
 * `padding`: 'valid', 'same' (TF: odd pixel bottom/right), a symmetric p (the course) or [[t, b], [l, r]].
 */
export function conv2d<T extends tf.Tensor3D | tf.Tensor4D>(x: T, filter: tf.Tensor4D, options: Conv2DOptions = {}): T {
  return tf.tidy(() => {
    const { x4, strides, dilations, pad, squeeze } = prepareConv(x, filter, options, 'conv2d');
    checkBias(options.bias, filter.shape[3]);
    const y =
      options.bias || (options.activation && options.activation !== 'linear')
        ? tf.fused.conv2d({ x: x4, filter, strides, pad, dilations, bias: options.bias, activation: options.activation ?? 'linear' })
        : tf.conv2d(x4, filter, strides, pad, 'NHWC', dilations);
    return (squeeze ? tf.squeeze(y, [0]) : y) as T;
  });
}

/** 1×1 convolution ("network in network"): mixes channels at each pixel, shrinks or grows n_C. */
export function conv1x1<T extends tf.Tensor3D | tf.Tensor4D>(x: T, filter: tf.Tensor4D | tf.Tensor2D, options: Omit<Conv2DOptions, 'padding' | 'dilations'> = {}): T {
  assertTensor(filter, 'filter', { rank: [2, 4], dtype: 'float32' });
  if (filter.rank === 4 && (filter.shape[0] !== 1 || filter.shape[1] !== 1)) {
    throw new InvalidArgumentError('filter', 'a [1, 1, n_C_prev, n_C] or [n_C_prev, n_C] filter', `shape [${filter.shape.join(', ')}]`);
  }
  return tf.tidy(() => conv2d(x, (filter.rank === 2 ? tf.reshape(filter, [1, 1, filter.shape[0]!, filter.shape[1]!]) : filter) as tf.Tensor4D, options));
}

/** Depthwise convolution: filter [f_h, f_w, n_C, multiplier], each channel convolved on its own. */
export function depthwiseConv2d<T extends tf.Tensor3D | tf.Tensor4D>(x: T, filter: tf.Tensor4D, options: Conv2DOptions = {}): T {
  return tf.tidy(() => {
    const { x4, strides, dilations, pad, squeeze } = prepareConv(x, filter, options, 'depthwise');
    checkBias(options.bias, filter.shape[2] * filter.shape[3]);
    let y: tf.Tensor4D = tf.depthwiseConv2d(x4, filter, strides, pad, 'NHWC', dilations);
    if (options.bias) y = tf.add(y, options.bias);
    if (options.activation && options.activation !== 'linear') y = applyActivation(y, options.activation);
    return (squeeze ? tf.squeeze(y, [0]) : y) as T;
  });
}

/** Depthwise-separable convolution (MobileNet): depthwise filter, then 1×1 pointwise [1, 1, n_C·mult, n_C_out]. */
export function separableConv2d<T extends tf.Tensor3D | tf.Tensor4D>(
  x: T,
  depthwiseFilter: tf.Tensor4D,
  pointwiseFilter: tf.Tensor4D,
  options: Conv2DOptions = {},
): T {
  assertTensor(pointwiseFilter, 'pointwiseFilter', { rank: 4, dtype: 'float32' });
  const mid = (depthwiseFilter?.shape?.[2] ?? 0) * (depthwiseFilter?.shape?.[3] ?? 0);
  if (pointwiseFilter.shape[0] !== 1 || pointwiseFilter.shape[1] !== 1 || pointwiseFilter.shape[2] !== mid) {
    throw new ShapeMismatchError('pointwiseFilter', `expected [1, 1, ${mid}, n_C_out] (n_C × multiplier input channels), got [${pointwiseFilter.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const dw = depthwiseConv2d(x, depthwiseFilter, { strides: options.strides, padding: options.padding, dilations: options.dilations });
    return conv2d(dw, pointwiseFilter, { bias: options.bias, activation: options.activation });
  });
}
