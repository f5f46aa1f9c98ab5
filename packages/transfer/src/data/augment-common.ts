/** Shared pieces of the augmentation ops: the step type, batch and range checks. */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, assertTensor, describeValue } from '@cnn/ops';
import type { Random } from './random.js';

/** An augmentation step: a batch in, a new batch out; `random` drives its choices (a fresh seed when absent). */
export type Augment = (batch: tf.Tensor4D, random?: Random) => tf.Tensor4D;

export interface RandomOptions {
  /** A seed (the same result on every call) or a generator (advances on every call). Default: unseeded. */
  random?: Random | number;
}

export function assertBatch(batch: unknown, argument = 'batch', channels?: number): asserts batch is tf.Tensor4D {
  assertTensor(batch, argument, { rank: 4, dtype: ['float32', 'int32'] });
  if (channels !== undefined && batch.shape[3] !== channels) {
    throw new InvalidArgumentError(argument, `a batch [b, h, w, ${channels}] of ${channels === 3 ? 'RGB ' : ''}images`, describeValue(batch));
  }
}

/** A [lo, hi] range from a pair, or from one number v as [center - v, center + v]. */
export function toRange(value: unknown, argument: string, center: number, bounds: { min?: number; max?: number } = {}): [number, number] {
  const range = typeof value === 'number' ? [center - value, center + value] : value;
  const min = bounds.min ?? -Infinity;
  const max = bounds.max ?? Infinity;
  if (
    !Array.isArray(range) || range.length !== 2 || !range.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
    range[0] > range[1] || range[0] < min || range[1] > max || (typeof value === 'number' && value < 0)
  ) {
    const limits = `${Number.isFinite(min) ? ` >= ${min}` : ''}${Number.isFinite(max) ? ` <= ${max}` : ''}`;
    throw new InvalidArgumentError(argument, `a number >= 0 or a range [lo, hi] with lo <= hi${limits ? `, each${limits}` : ''}`, describeValue(value));
  }
  return [range[0] as number, range[1] as number];
}

export function checkOptions(options: unknown, names: string): void {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', `an options object { ${names} }`, describeValue(options));
}

export const toFloat = (batch: tf.Tensor4D): tf.Tensor4D => (batch.dtype === 'float32' ? batch : tf.cast(batch, 'float32'));

