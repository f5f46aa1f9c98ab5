import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { errorVsCpu, rand } from './kernel-test-utils.js';

describe('UnsortedSegmentSum on wasm', () => {
  it('matches cpu for rank 1-3 data, repeated ids, float32 and int32', async () => {
    const err = await errorVsCpu(() => [
      tf.unsortedSegmentSum(tf.tensor2d(rand(24, 1), [6, 4]), tf.tensor1d([0, 2, 2, 1, 4, 0], 'int32'), 5),
      tf.unsortedSegmentSum(tf.tensor3d(rand(36, 2), [3, 2, 6]), tf.tensor1d([3, 0, 3], 'int32'), 4),
      tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], 'int32'), tf.tensor1d([1, 1, 0, 1], 'int32'), 3),
    ]);
    expect(err).toBeLessThanOrEqual(1e-6);
  });

  it('drops negative ids, as TensorFlow does', async () => {
    await ready({ backend: 'wasm' });
    const y = tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3]), tf.tensor1d([0, -1, 0], 'int32'), 2);
    expect(Array.from(y.dataSync())).toEqual([4, 0]);
    y.dispose();
  });

  it('makes tf.gather differentiable on wasm (gradient of a gathered loss)', async () => {
    const err = await errorVsCpu(() => {
      const idx = tf.tensor1d([3, 0, 3, 5], 'int32');
      return tf.grads((p: tf.Tensor) => tf.gather(p, idx, 0).square().sum())([tf.tensor2d(rand(6 * 5, 3), [6, 5])]);
    });
    expect(err).toBeLessThanOrEqual(1e-6);
  });
});
