/**
 * Edge detection, the course's first example of what a convolution learns. The 3×3 vertical filter
 * [[1, 0, −1], [1, 0, −1], [1, 0, −1]] responds where brightness falls from left to right; Sobel and Scharr
 * weight the centre row more. Filters are written as the course writes them (rows top to bottom).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertOneOf, assertTensor, describeValue } from '../errors/validate.js';

export type EdgeOperator = 'vertical' | 'horizontal' | 'sobel' | 'scharr';

export const EDGE_FILTERS = {
  vertical: [
    [1, 0, -1],
    [1, 0, -1],
    [1, 0, -1],
  ],
  horizontal: [
    [1, 1, 1],
    [0, 0, 0],
    [-1, -1, -1],
  ],
  sobelX: [
    [1, 0, -1],
    [2, 0, -2],
    [1, 0, -1],
  ],
  sobelY: [
    [1, 2, 1],
    [0, 0, 0],
    [-1, -2, -1],
  ],
  scharrX: [
    [3, 0, -3],
    [10, 0, -10],
    [3, 0, -3],
  ],
  scharrY: [
    [3, 10, 3],
    [0, 0, 0],
    [-3, -10, -3],
  ],
} as const;

export type EdgeFilterName = keyof typeof EDGE_FILTERS;
export const EDGE_FILTER_NAMES = Object.keys(EDGE_FILTERS) as EdgeFilterName[];
export const EDGE_OPERATORS: readonly EdgeOperator[] = ['vertical', 'horizontal', 'sobel', 'scharr'];

/** A 3×3 edge filter as a conv2d filter [3, 3, 1, 1]. */
export function edgeFilter(name: EdgeFilterName): tf.Tensor4D {
  assertOneOf(name, 'name', EDGE_FILTER_NAMES);
  return tf.tensor4d(EDGE_FILTERS[name].flat(), [3, 3, 1, 1]);
}

/**
 * ITU-R BT.601 luma: Y = 0.299 R + 0.587 G + 0.114 B (alpha ignored). Accepts [H, W], [H, W, 1], [H, W, 3] or
 * [H, W, 4], int32 (0-255) or float; returns float32 [H, W, 1] on the same scale.
 */
export function toGrayscale(image: tf.Tensor2D | tf.Tensor3D): tf.Tensor3D {
  assertTensor(image, 'image', { rank: [2, 3], dtype: ['float32', 'int32'] });
  const c = image.rank === 3 ? image.shape[2]! : 1;
  if (![1, 3, 4].includes(c)) throw new InvalidArgumentError('image', 'an image with 1, 3 or 4 channels', `${c} channels`);
  if (image.size === 0) throw new InvalidArgumentError('image', 'an image of at least 1×1 pixels', `shape [${image.shape.join(', ')}]`);
  return tf.tidy(() => {
    const x = tf.cast(image.rank === 2 ? tf.expandDims(image, 2) : image, 'float32') as tf.Tensor3D;
    if (c === 1) return x;
    const rgb = c === 4 ? tf.slice(x, [0, 0, 0], [-1, -1, 3]) : x;
    return tf.sum(tf.mul(rgb, tf.tensor1d([0.299, 0.587, 0.114])), 2, true) as tf.Tensor3D;
  });
}

export interface DetectEdgesOptions {
  /** Default 'sobel'. 'vertical'/'horizontal' use the course's filters. */
  operator?: EdgeOperator;
  /** Scale the result to [0, 1] by its maximum (default true). Otherwise the raw magnitude, on the input's scale. */
  normalize?: boolean;
}

/**
 * Edge strength of an image [H, W] or [H, W, C] (C = 1, 3 or 4; int32 0-255 or float): grayscale (BT.601),
 * 3×3 convolution(s), then |response| (one filter) or the gradient magnitude √(g_x² + g_y²) (Sobel/Scharr).
 * Borders are padded by repeating the edge pixels, so the image frame itself is not an edge (zero padding
 * would draw one). Returns float32 [H, W, 1], in [0, 1] when normalized, ready for encodeImage/writeImage.
 */
export function detectEdges(image: tf.Tensor2D | tf.Tensor3D, options: DetectEdgesOptions = {}): tf.Tensor3D {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const operator = options.operator ?? 'sobel';
  assertOneOf(operator, 'options.operator', EDGE_OPERATORS);
  const normalize = options.normalize ?? true;
  if (typeof normalize !== 'boolean') throw new InvalidArgumentError('options.normalize', 'a boolean', describeValue(normalize));
  return tf.tidy(() => {
    const gray = toGrayscale(image);
    // 'symmetric' mirror padding repeats the border pixel: a flat border responds 0, as in OpenCV/scikit-image
    const x = tf.mirrorPad(tf.expandDims(gray, 0) as tf.Tensor4D, [[0, 0], [1, 1], [1, 1], [0, 0]], 'symmetric');
    const conv = (name: EdgeFilterName) => tf.conv2d(x, edgeFilter(name), 1, 'valid');
    let mag: tf.Tensor4D;
    if (operator === 'vertical' || operator === 'horizontal') {
      mag = tf.abs(conv(operator));
    } else {
      const gx = conv(`${operator}X`);
      const gy = conv(`${operator}Y`);
      mag = tf.sqrt(tf.add(tf.square(gx), tf.square(gy))) as tf.Tensor4D;
    }
    let out = tf.squeeze(mag, [0]) as tf.Tensor3D;
    if (normalize) out = tf.div(out, tf.maximum(tf.max(out), 1e-12)); // a flat image stays all zeros
    return out;
  });
}
