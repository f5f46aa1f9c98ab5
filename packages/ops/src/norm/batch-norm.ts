/**
 * Batch normalization over every axis but the channels (N, H, W for NHWC): ŷ = γ·(x − μ)/√(σ² + ε) + β.
 * tf.batchNorm's gradient fails on cpu and wasm when scale/offset are omitted, so we always pass them
 * (ones/zeros), and add the training-mode variant that takes μ, σ² from the batch. Inputs of any rank are
 * normalized as [−1, n_C] (tf.batchNorm itself only handles ranks up to 4).
 */
import * as tf from '@tensorflow/tfjs-core';
import { warnIfNotReady } from '../backend/backend.js';
import { InvalidArgumentError, ShapeMismatchError } from '../errors/errors.js';
import { assertFiniteNumber, assertTensor, describeValue } from '../errors/validate.js';

export interface BatchNormOptions {
  /** γ, one per channel (default ones). */
  scale?: tf.Tensor1D;
  /** β, one per channel (default zeros). */
  offset?: tf.Tensor1D;
  /** ε added to σ² (default 1e-3, as Keras). */
  epsilon?: number;
}

export interface BatchNormInferenceOptions extends BatchNormOptions {
  /** μ, one per channel (the moving mean). */
  mean: tf.Tensor1D;
  /** σ², one per channel (the moving variance). */
  variance: tf.Tensor1D;
}

function checkChannelVector(v: unknown, name: string, c: number, required = false): void {
  if (v === undefined && !required) return;
  assertTensor(v, name, { rank: 1, dtype: 'float32' });
  if (v.shape[0] !== c) throw new ShapeMismatchError(name, `expected ${c} values (one per channel, the last axis of x), got ${v.shape[0]}`);
}

function checkCommon(x: unknown, options: unknown, minRank: number): { c: number; epsilon: number } {
  warnIfNotReady();
  assertTensor(x, 'x', { dtype: 'float32' });
  if (x.rank < minRank || x.size === 0) {
    throw new InvalidArgumentError('x', `a non-empty tensor of rank >= ${minRank} with channels last ([..., n_C])`, describeValue(x));
  }
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const o = options as BatchNormOptions;
  const c = x.shape[x.rank - 1]!;
  checkChannelVector(o.scale, 'options.scale', c);
  checkChannelVector(o.offset, 'options.offset', c);
  const epsilon = o.epsilon ?? 1e-3;
  assertFiniteNumber(epsilon, 'options.epsilon', { min: 0 });
  return { c, epsilon };
}

/** tf.batchNorm on x viewed as [−1, n_C], always with γ and β (its gradient needs them). */
function normalize(x: tf.Tensor, mean: tf.Tensor1D, variance: tf.Tensor1D, options: BatchNormOptions, c: number, epsilon: number): tf.Tensor {
  const x2 = tf.reshape(x, [-1, c]) as tf.Tensor2D;
  const y = tf.batchNorm(x2, mean, variance, options.offset ?? tf.zeros([c]), options.scale ?? tf.ones([c]), epsilon);
  return tf.reshape(y, x.shape);
}

/** Inference mode: normalize with given (moving) μ and σ². Differentiable in x, γ and β. */
export function batchNorm<T extends tf.Tensor>(x: T, options: BatchNormInferenceOptions): T {
  const { c, epsilon } = checkCommon(x, options, 1);
  checkChannelVector(options.mean, 'options.mean', c, true);
  checkChannelVector(options.variance, 'options.variance', c, true);
  return tf.tidy(() => normalize(x, options.mean, options.variance, options, c, epsilon)) as T;
}

/**
 * Training mode: μ = mean and σ² = biased variance (÷ n, as tf.moments and Keras) of this batch over all axes
 * but the last; the gradient flows through μ and σ² too. Returns them for the moving averages.
 */
export function batchNormTraining<T extends tf.Tensor>(x: T, options: BatchNormOptions = {}): { y: T; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const { c, epsilon } = checkCommon(x, options, 2);
  return tf.tidy(() => {
    const x2 = tf.reshape(x, [-1, c]);
    const { mean, variance } = tf.moments(x2, 0);
    const y = normalize(x2, mean as tf.Tensor1D, variance as tf.Tensor1D, options, c, epsilon);
    return { y: tf.reshape(y, x.shape) as T, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  });
}
