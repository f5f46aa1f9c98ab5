/**
 * Gram matrix of activations (style transfer): unroll A [n_H, n_W, n_C] to [n_C, n_H·n_W] and take
 * G = A·Aᵀ, so G[i, j] = Σ_p A[p, i]·A[p, j] measures how much channels i and j fire together. Differentiable
 * (dA = A·(dG + dGᵀ)). The course's style cost scales it: J = Σ(G_S − G_G)² / (4·n_C²·(n_H·n_W)²).
 */
import * as tf from '@tensorflow/tfjs-core';
import { warnIfNotReady } from '../backend/backend.js';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertTensor } from '../errors/validate.js';

/** [n_H, n_W, n_C] or [1, n_H, n_W, n_C] float32 activations -> [n_C, n_C]. */
export function gramMatrix(activations: tf.Tensor3D | tf.Tensor4D): tf.Tensor2D {
  warnIfNotReady();
  assertTensor(activations, 'activations', { rank: [3, 4], dtype: 'float32' });
  if (activations.rank === 4 && activations.shape[0] !== 1) {
    throw new InvalidArgumentError('activations', 'one image: [n_H, n_W, n_C] or [1, n_H, n_W, n_C]', `a batch of ${activations.shape[0]} (shape [${activations.shape.join(', ')}])`, 'Compute one Gram matrix per image.');
  }
  if (activations.size === 0) throw new InvalidArgumentError('activations', 'non-empty activations', `shape [${activations.shape.join(', ')}]`);
  return tf.tidy(() => {
    const c = activations.shape[activations.rank - 1]!;
    const a = tf.reshape(activations, [-1, c]); // [n_H·n_W, n_C] = Aᵀ
    return tf.matMul(a, a, true, false) as tf.Tensor2D; // (Aᵀ)ᵀ·Aᵀ = A·Aᵀ
  });
}
