import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { defaultTolerance, expectNoLeaks, expectTensorsClose, maxRelativeError, testBackends } from './index.js';

describe('@cnn/ops/testing helpers can fail', () => {
  beforeAll(async () => {
    await ready();
  });

  it('expectTensorsClose passes within tolerance and throws outside it, naming the element', () => {
    expectTensorsClose([1, 2, 3], [1, 2, 3.0001], { rtol: 1e-4 });
    expect(() => expectTensorsClose([1, 2, 3], [1, 2, 3.01])).toThrow(/flat index 2/);
    expect(() => expectTensorsClose(tf.zeros([2, 2]), tf.zeros([4]))).toThrow();
    expect(() => expectTensorsClose([Number.NaN], [0])).toThrow();
    expect(defaultTolerance()).toBe(1e-4);
  });

  it('expectNoLeaks fails when a tensor is left behind', async () => {
    let leaked: tf.Tensor | undefined;
    await expect(
      expectNoLeaks(() => {
        leaked = tf.ones([2]);
      }),
    ).rejects.toThrow(/leaked/);
    leaked?.dispose();
    const kept = await expectNoLeaks(() => tf.ones([3]), { allowReturned: true });
    expect(kept.shape).toEqual([3]);
    kept.dispose();
  });

  it('maxRelativeError and testBackends', () => {
    expect(maxRelativeError([2, 4], [2, 5])).toBeCloseTo(0.2, 12);
    expect(testBackends().length).toBeGreaterThan(0);
  });
});
