/**
 * face-api's TinyFaceDetector input, tensor path (`NetInput.toBatchTensor(inputSize, isCenterInputs = false)`
 * then `TinyYolov2Base.forwardInput`):
 *   1. pad the short side with zeros **after** the image (right or bottom), so the image sits top-left in a
 *      max(h, w) square (`padToSquare(x, false)`);
 *   2. `tf.image.resizeBilinear` to inputSize × inputSize (alignCorners false), skipped when already that size;
 *   3. x' = (x − mean RGB [117.001, 114.697, 97.404]) / 256.
 * face-api.js divides by 256; @vladmandic/face-api's fork changed that to 255 (`divisor` picks either).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, assertFiniteNumber, assertTensor, describeValue } from '@cnn/ops';
import { TINY_FACE_DETECTOR_MEAN_RGB, assertInputSize } from './tiny-face-detector.js';

export interface FacePreprocessOptions {
  /** Side of the square network input, a multiple of 32 (default 416). */
  inputSize?: number;
  /** Divide by this after subtracting the mean (default 256 as face-api.js; @vladmandic/face-api uses 255). */
  divisor?: number;
}

/** What decoding needs to map the grid back to the image. */
export interface FaceInputGeometry {
  inputSize: number;
  /** The original image, in pixels. */
  imageWidth: number;
  imageHeight: number;
  /**
   * The image's size inside the square input, rounded as face-api's `computeReshapedDimensions`:
   * round(w · inputSize / max(w, h)), round(h · inputSize / max(w, h)).
   */
  scaledWidth: number;
  scaledHeight: number;
}

export const DEFAULT_FACE_INPUT_SIZE = 416;
export const DEFAULT_FACE_DIVISOR = 256;

/** Throws InvalidArgumentError unless `image` is a live [H, W, 3] int32/float32 tensor with H, W ≥ 1. */
export function assertFaceImage(image: unknown, argument = 'image'): asserts image is tf.Tensor3D {
  assertTensor(image, argument, { rank: 3, dtype: ['int32', 'float32'] });
  const [h, w, c] = image.shape as [number, number, number];
  if (c !== 3 || h < 1 || w < 1) {
    throw new InvalidArgumentError(argument, 'an RGB image tensor [height, width, 3] with values 0-255', describeValue(image), c === 4 ? "Drop the alpha channel (decodeImage(src, { channels: 3 }))." : c === 1 ? 'Expand gray to RGB (decodeImage(src, { channels: 3 })).' : undefined);
  }
}

/** The geometry face-api uses to undo the padding (see FaceInputGeometry). */
export function faceInputGeometry(imageHeight: number, imageWidth: number, inputSize: number): FaceInputGeometry {
  const scale = inputSize / Math.max(imageHeight, imageWidth);
  return { inputSize, imageWidth, imageHeight, scaledWidth: Math.round(imageWidth * scale), scaledHeight: Math.round(imageHeight * scale) };
}

/**
 * The normalized network input [1, inputSize, inputSize, 3] (float32) for an RGB 0-255 image [H, W, 3]
 * and its geometry. The caller disposes the tensor.
 */
export function preprocessFaceImage(image: tf.Tensor3D, options: FacePreprocessOptions = {}): { input: tf.Tensor4D; geometry: FaceInputGeometry } {
  assertFaceImage(image);
  const inputSize = options.inputSize ?? DEFAULT_FACE_INPUT_SIZE;
  assertInputSize(inputSize);
  const divisor = options.divisor ?? DEFAULT_FACE_DIVISOR;
  assertFiniteNumber(divisor, 'options.divisor', { min: Number.MIN_VALUE });
  const [h, w] = image.shape;
  const input = tf.tidy(() => {
    const side = Math.max(h, w);
    let x = tf.expandDims(tf.cast(image, 'float32'), 0) as tf.Tensor4D;
    if (h !== w) x = tf.pad(x, [[0, 0], [0, side - h], [0, side - w], [0, 0]]);
    if (side !== inputSize) x = tf.image.resizeBilinear(x, [inputSize, inputSize], false, false);
    return tf.div(tf.sub(x, tf.tensor1d([...TINY_FACE_DETECTOR_MEAN_RGB], 'float32')), tf.scalar(divisor, 'float32')) as tf.Tensor4D;
  });
  return { input, geometry: faceInputGeometry(h, w, inputSize) };
}
