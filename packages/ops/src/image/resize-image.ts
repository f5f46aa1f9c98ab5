/**
 * Resizing image tensors: a thin, validated wrapper over tf.image.resizeBilinear / resizeNearestNeighbor
 * that accepts single images [H, W, C] as well as batches [N, H, W, C] and int32 pixels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertOneOf, assertTensor, toPair } from '../errors/validate.js';

export interface ResizeOptions {
  /** 'bilinear' (default) or 'nearest'. */
  method?: 'bilinear' | 'nearest';
  /** Map corner pixel centers onto each other (TF1 / ml5 style). Default false. */
  alignCorners?: boolean;
  /**
   * Sample at pixel centers, as OpenCV, PIL and TF2 do (bilinear then matches cv2.INTER_LINEAR). Default
   * false, the tfjs default. Cannot be combined with alignCorners.
   */
  halfPixelCenters?: boolean;
}

/**
 * Resizes [H, W, C] or [N, H, W, C] to `size` [h, w] (or a number for a square). Bilinear returns float32;
 * nearest keeps the input dtype (it only copies pixels).
 */
export function resizeImage<T extends tf.Tensor3D | tf.Tensor4D>(image: T, size: [number, number] | number, options: ResizeOptions = {}): T {
  assertTensor(image, 'image', { rank: [3, 4], dtype: ['int32', 'float32'] });
  const [h, w] = toPair(size, 'size');
  const method = options.method ?? 'bilinear';
  assertOneOf(method, 'options.method', ['bilinear', 'nearest'] as const);
  const alignCorners = options.alignCorners ?? false;
  const halfPixelCenters = options.halfPixelCenters ?? false;
  if (typeof alignCorners !== 'boolean') throw new InvalidArgumentError('options.alignCorners', 'a boolean', String(alignCorners));
  if (typeof halfPixelCenters !== 'boolean') throw new InvalidArgumentError('options.halfPixelCenters', 'a boolean', String(halfPixelCenters));
  if (alignCorners && halfPixelCenters) {
    throw new InvalidArgumentError('options', 'at most one of alignCorners and halfPixelCenters', 'both true');
  }
  return tf.tidy(() => {
    if (method === 'nearest') {
      // The wasm kernel returns float32 even for int32 input: cast back so the dtype does not depend on the backend.
      return tf.cast(tf.image.resizeNearestNeighbor(image, [h, w], alignCorners, halfPixelCenters), image.dtype) as T;
    }
    return tf.image.resizeBilinear(tf.cast(image, 'float32') as T, [h, w], alignCorners, halfPixelCenters) as T;
  });
}
