/**
 * Validated max/average pooling (no parameters to learn: f and s are hyperparameters) and global pooling.
 * Output n_H = ⌊(n_H_prev + p_t + p_b − f)/s⌋ + 1, channels unchanged. Average pooling gets an exact gradient
 * at 'same'-padded borders (tfjs-cpu's is wrong there).
 */
import * as tf from '@tensorflow/tfjs-core';
import { warnIfNotReady } from '../backend/backend.js';
import { filterTooLargeError, outputLength, resolvePadding2D } from '../conv/conv-output-size.js';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertOneOf, assertTensor, describeValue, toPair } from '../errors/validate.js';

export interface PoolOptions {
  /** Default: the pool size (non-overlapping windows, the usual f = s = 2). */
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
}

function pool<T extends tf.Tensor3D | tf.Tensor4D>(kind: 'max' | 'avg', x: T, poolSize: number | [number, number], options: PoolOptions): T {
  warnIfNotReady();
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  assertTensor(x, 'x', { rank: [3, 4], dtype: ['float32', 'int32'] });
  const size = toPair(poolSize, 'poolSize');
  const strides = toPair(options.strides ?? poolSize, 'options.strides');
  const padding = options.padding ?? 'valid';
  assertOneOf(padding, 'options.padding', ['valid', 'same'] as const);
  const [h, w, c] = (x.rank === 3 ? x.shape : x.shape.slice(1)) as [number, number, number];
  if (h < 1 || w < 1 || c < 1) throw new InvalidArgumentError('x', 'an input with n_H, n_W and n_C >= 1', `shape [${x.shape.join(', ')}]`);
  // With 'valid' the f×f window must fit in the input (with 'same' every window holds at least one pixel).
  const pads = resolvePadding2D(padding, [h, w], size, strides);
  const tooLarge = () => filterTooLargeError('poolSize', [h, w], size, pads, [1, 1], 'window');
  outputLength(h, size[0], strides[0], 1, ...pads[0], tooLarge);
  outputLength(w, size[1], strides[1], 1, ...pads[1], tooLarge);
  return tf.tidy(() => {
    const x4 = (x.rank === 3 ? tf.expandDims(x, 0) : x) as tf.Tensor4D;
    const xf = x4.dtype === 'float32' ? x4 : (tf.cast(x4, 'float32') as tf.Tensor4D);
    const y = kind === 'max' ? tf.maxPool(xf, size, strides, padding) : averagePool(xf, size, strides, padding);
    return (x.rank === 3 ? tf.squeeze(y, [0]) : y) as T;
  });
}

/** Pixels of each pooling window that lie inside the image: [1, OH, OW, 1]. Shape arithmetic only. */
function windowCounts([h, w]: [number, number], size: [number, number], strides: [number, number], padding: 'valid' | 'same'): tf.Tensor4D {
  const info = tf.backend_util.computePool2DInfo([1, h, w, 1], size, strides, 1, padding);
  const { outHeight: oh, outWidth: ow } = info;
  const counts = new Float32Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    const rows = Math.min(y * strides[0] - info.padInfo.top + size[0], h) - Math.max(y * strides[0] - info.padInfo.top, 0);
    for (let x = 0; x < ow; x++) {
      const cols = Math.min(x * strides[1] - info.padInfo.left + size[1], w) - Math.max(x * strides[1] - info.padInfo.left, 0);
      counts[y * ow + x] = rows * cols;
    }
  }
  return tf.tensor4d(counts, [1, oh, ow, 1]);
}

/**
 * tf.avgPool with an exact gradient on every backend. The forward divides each window by the number of
 * pixels inside the image (padding excluded), but tfjs-cpu's AvgPoolGrad divides by the full window size,
 * which is wrong at 'same'-padded borders. The gradient here distributes dy / count over each window — the
 * course's "distribute value" — as a transposed depthwise convolution with a ones filter.
 */
function averagePool(x: tf.Tensor4D, size: [number, number], strides: [number, number], padding: 'valid' | 'same'): tf.Tensor4D {
  const pool = tf.customGrad(((input: tf.Tensor) => {
    const value = tf.avgPool(input as tf.Tensor4D, size, strides, padding);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const dy4 = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor4D;
        const [, h, w, c] = x.shape;
        // count[oh, ow] = pixels of the window inside the image.
        const scaled = tf.div(dy4, windowCounts([h, w], size, strides, padding));
        return tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy: scaled, filter: tf.ones([size[0], size[1], c, 1]) }, {
          strides,
          dilations: [1, 1],
          pad: padding,
          inputShape: x.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return pool(x) as tf.Tensor4D;
}

/** Max pooling: keeps the strongest response of each f×f window. */
export function maxPool<T extends tf.Tensor3D | tf.Tensor4D>(x: T, poolSize: number | [number, number], options: PoolOptions = {}): T {
  return pool('max', x, poolSize, options);
}

/** Average pooling (padding excluded from the average, as in TensorFlow). */
export function avgPool<T extends tf.Tensor3D | tf.Tensor4D>(x: T, poolSize: number | [number, number], options: PoolOptions = {}): T {
  return pool('avg', x, poolSize, options);
}

function globalPool(kind: 'max' | 'avg', x: tf.Tensor3D | tf.Tensor4D, keepDims: unknown): tf.Tensor {
  warnIfNotReady();
  assertTensor(x, 'x', { rank: [3, 4], dtype: ['float32', 'int32'] });
  if (typeof keepDims !== 'boolean') throw new InvalidArgumentError('options.keepDims', 'a boolean', describeValue(keepDims));
  if (x.size === 0) throw new InvalidArgumentError('x', 'an input with n_H, n_W and n_C >= 1', `shape [${x.shape.join(', ')}]`);
  return tf.tidy(() => {
    const axes = x.rank === 3 ? [0, 1] : [1, 2];
    const xf = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
    return kind === 'max' ? tf.max(xf, axes, keepDims) : tf.mean(xf, axes, keepDims);
  });
}

/** Global average pooling: [m, n_H, n_W, n_C] -> [m, n_C] ([n_H, n_W, n_C] -> [n_C]); keepDims: [m, 1, 1, n_C]. Keras GlobalAveragePooling2D. */
export function globalAvgPool(x: tf.Tensor3D | tf.Tensor4D, options: { keepDims?: boolean } = {}): tf.Tensor {
  return globalPool('avg', x, options?.keepDims ?? false);
}

/** Global max pooling: [m, n_H, n_W, n_C] -> [m, n_C] ([n_H, n_W, n_C] -> [n_C]); keepDims: [m, 1, 1, n_C]. */
export function globalMaxPool(x: tf.Tensor3D | tf.Tensor4D, options: { keepDims?: boolean } = {}): tf.Tensor {
  return globalPool('max', x, options?.keepDims ?? false);
}
