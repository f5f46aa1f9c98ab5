import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { errorVsCpu } from './kernel-test-utils.js';
import { poolSweep, values } from './pool-test-cases.js';

describe('AvgPoolGrad on wasm', () => {
  it.each(poolSweep())('is the adjoint of wasm AvgPool (<avgPool(x), dy> = <x, dx>): k=$k s=$s pad=$pad n=$n', async ({ k, s, pad, n }) => {
    // avgPool is linear, so its exact gradient dx satisfies <avgPool(x), dy> = <x, dx> for every x.
    await ready({ backend: 'wasm' });
    const [lhs, rhs] = tf.tidy(() => {
      const x = tf.tensor4d(values(n * 9 * 8 * 3, 21), [n, 9, 8, 3]);
      const y = tf.avgPool(x, k, s, pad);
      const dy = tf.tensor(values(y.size, 22), y.shape);
      const dx = tf.grad((t: tf.Tensor) => tf.avgPool(t as tf.Tensor4D, k, s, pad))(x, dy);
      return [tf.sum(tf.mul(y, dy)).dataSync()[0]!, tf.sum(tf.mul(x, dx)).dataSync()[0]!];
    });
    expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(lhs)));
  });

  // tfjs-cpu's AvgPoolGrad divides by the full window at 'same'-padded borders (not the adjoint of its own
  // forward), so it is the reference only where windows never cross the border.
  it.each(poolSweep().filter((c) => c.pad === 'valid'))('matches cpu with valid padding: k=$k s=$s n=$n', async ({ k, s, n }) => {
    const err = await errorVsCpu(() => {
      const x = tf.tensor4d(values(n * 9 * 8 * 3, 31), [n, 9, 8, 3]);
      const y = tf.avgPool(x, k, s, 'valid');
      return tf.grad((t: tf.Tensor) => tf.avgPool(t as tf.Tensor4D, k, s, 'valid'))(x, tf.tensor(values(y.size, 32), y.shape));
    });
    expect(err).toBeLessThanOrEqual(1e-5);
  });
});
