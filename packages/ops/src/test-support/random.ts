/** Seeded test data shared by the unit tests (LCG: reproducible across runs and backends). */
import * as tf from '@tensorflow/tfjs-core';
import { ndarray, type NDArray } from '../reference/ndarray.js';

export function randomValues(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}

/** The same values as a tensor and as a reference NDArray. */
export function randomPair(shape: number[], seed: number): { t: tf.Tensor; nd: NDArray } {
  const v = randomValues(shape.reduce((a, b) => a * b, 1), seed);
  return { t: tf.tensor(v, shape), nd: ndarray(shape, v) };
}
