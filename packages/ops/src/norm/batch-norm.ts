/**
 * Batch normalization over every axis but the channels: ŷ = γ·(x − μ)/√(σ² + ε) + β.
 * tf.batchNorm's gradient fails on cpu and wasm when scale/offset are omitted, so we always pass them
 * (ones/zeros), and add the training-mode variant that takes μ, σ² from the batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '../errors/errors.js';
import { assertFiniteNumber, assertTensor } from '../errors/validate.js';

export interface BatchNormOptions {
  /** γ, one per channel (default ones). */
  scale?: tf.Tensor1D;
  /** β, one per channel (default zeros). */
  offset?: tf.Tensor1D;
  /** Default 1e-3 (Keras). */
  epsilon?: number;
}

function checkChannelVector(v: unknown, name: string, c: number): void {
  if (v === undefined) return;
  assertTensor(v, name, { rank: 1, dtype: 'float32' });
  if (v.shape[0] !== c) throw new ShapeMismatchError(name, `expected ${c} values (one per channel), got ${v.shape[0]}`);
}

/** Inference mode: normalize with given (moving) mean and variance. */
export function batchNorm<T extends tf.Tensor>(x: T, options: BatchNormOptions & { mean: tf.Tensor1D; variance: tf.Tensor1D }): T {
  assertTensor(x, 'x', { dtype: 'float32' });
  const c = x.shape[x.rank - 1]!;
  checkChannelVector(options.mean, 'options.mean', c);
  checkChannelVector(options.variance, 'options.variance', c);
  checkChannelVector(options.scale, 'options.scale', c);
  checkChannelVector(options.offset, 'options.offset', c);
  const epsilon = options.epsilon ?? 1e-3;
  assertFiniteNumber(epsilon, 'options.epsilon', { min: 0 });
  return tf.tidy(() =>
    tf.batchNorm(x, options.mean, options.variance, options.offset ?? tf.zeros([c]), options.scale ?? tf.ones([c]), epsilon),
  ) as T;
}

/** Training mode: μ and σ² from this batch (over all axes but the last); returns them for moving averages. */
export function batchNormTraining<T extends tf.Tensor>(x: T, options: BatchNormOptions = {}): { y: T; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  assertTensor(x, 'x', { dtype: 'float32' });
  if (x.rank < 2) throw new ShapeMismatchError('x', `expected at least rank 2 ([..., channels]), got rank ${x.rank}`);
  const c = x.shape[x.rank - 1]!;
  checkChannelVector(options.scale, 'options.scale', c);
  checkChannelVector(options.offset, 'options.offset', c);
  const epsilon = options.epsilon ?? 1e-3;
  assertFiniteNumber(epsilon, 'options.epsilon', { min: 0 });
  return tf.tidy(() => {
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    const y = tf.batchNorm(x, mean, variance, options.offset ?? tf.zeros([c]), options.scale ?? tf.ones([c]), epsilon) as T;
    return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  });
}
