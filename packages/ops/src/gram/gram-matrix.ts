/**
 * Gram matrix of activations (style transfer): unroll A [n_H, n_W, n_C] to [n_C, n_H·n_W] and take
 * G = A·Aᵀ, so G[i, j] measures how much channels i and j fire together. Differentiable.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '../errors/errors.js';
import { assertTensor } from '../errors/validate.js';

export function gramMatrix(activations: tf.Tensor3D | tf.Tensor4D): tf.Tensor2D {
  assertTensor(activations, 'activations', { rank: [3, 4], dtype: 'float32' });
  if (activations.rank === 4 && activations.shape[0] !== 1) {
    throw new ShapeMismatchError('activations', `expected one image ([1, n_H, n_W, n_C] or [n_H, n_W, n_C]), got batch ${activations.shape[0]}`);
  }
  return tf.tidy(() => {
    const c = activations.shape[activations.rank - 1]!;
    const a = tf.reshape(activations, [-1, c]); // [n_H·n_W, n_C] = Aᵀ
    return tf.matMul(a, a, true, false) as tf.Tensor2D; // A·Aᵀ
  });
}
