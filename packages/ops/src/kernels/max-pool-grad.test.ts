import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { errorVsCpu } from './kernel-test-utils.js';
import { poolSweep, values } from './pool-test-cases.js';

describe('MaxPoolGrad on wasm', () => {
  it.each(poolSweep())('matches cpu through tf.grad: k=$k s=$s pad=$pad n=$n', async ({ k, s, pad, n }) => {
    const err = await errorVsCpu(() => {
      const x = tf.tensor4d(values(n * 9 * 8 * 3, 11), [n, 9, 8, 3]);
      const y = tf.maxPool(x, k, s, pad);
      return tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, k, s, pad))(x, tf.tensor(values(y.size, 12), y.shape));
    });
    expect(err).toBeLessThanOrEqual(1e-6);
  });

  it('sends each window gradient to its first maximum, also when the whole window is negative', async () => {
    await ready({ backend: 'wasm' });
    const x = tf.tensor4d([-3, -1, -1, -2], [1, 2, 2, 1]);
    const g = tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid').sum())(x);
    expect(Array.from(g.dataSync())).toEqual([0, 1, 0, 0]);
    tf.dispose([x, g]);
  });
});
