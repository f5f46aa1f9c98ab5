import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/errors.js';
import { type NDArray } from '../reference/ndarray.js';
import { createMaskFromWindow, distributeValue, poolBackward, poolForward } from '../reference/pooling.js';
import { randomPair } from '../test-support/random.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { avgPool, globalAvgPool, globalMaxPool, maxPool } from './pool.js';

const refT = (a: NDArray) => tf.tensor(Float32Array.from(a.data), a.shape);
const cases: { f: number | [number, number]; s: number | [number, number]; padding: 'valid' | 'same' }[] = [];
for (const f of [1, 2, 3, 5]) for (const s of [1, 2, 3]) for (const padding of ['valid', 'same'] as const) cases.push({ f, s, padding });
cases.push({ f: [2, 3], s: [1, 2], padding: 'same' }, { f: [3, 1], s: [3, 1], padding: 'valid' });

it('course helpers: the max mask and the distributed average', () => {
  expect(createMaskFromWindow([1, 3, -1, 3])).toEqual([0, 1, 0, 0]);
  expect(distributeValue(2, 4)).toEqual([0.5, 0.5, 0.5, 0.5]);
});

describeEachBackend('pooling vs the step-by-step reference', () => {
  it.each(cases)('max and average, forward and backward: f=$f s=$s padding=$padding', ({ f, s, padding }) => {
    const x = randomPair([2, 9, 8, 3], 11);
    for (const mode of ['max', 'average'] as const) {
      const { A, cache } = poolForward(x.nd, { f, stride: s, pad: padding }, mode);
      const op = (t: tf.Tensor) => (mode === 'max' ? maxPool : avgPool)(t as tf.Tensor4D, f, { strides: s, padding });
      expectTensorsClose(op(x.t), refT(A));
      const dA = randomPair(A.shape, 12);
      expectTensorsClose(tf.grad(op)(x.t, dA.t), refT(poolBackward(dA.nd, cache, mode)));
    }
  });

  it('global pooling and single images', () => {
    const x = randomPair([2, 4, 5, 3], 13).t as tf.Tensor4D;
    expectTensorsClose(globalAvgPool(x), tf.mean(x, [1, 2]));
    expectTensorsClose(globalMaxPool(x), tf.max(x, [1, 2]));
    expect(globalAvgPool(x, { keepDims: true }).shape).toEqual([2, 1, 1, 3]);
    expect(maxPool(tf.zeros([4, 4, 2]) as tf.Tensor3D, 2).shape).toEqual([2, 2, 2]);
  });

  it('does not leak', async () => {
    const x = randomPair([1, 6, 6, 2], 14).t as tf.Tensor4D;
    await expectNoLeaks(() => {
      maxPool(x, 2).dispose();
      avgPool(x, 3, { strides: 2, padding: 'same' }).dispose();
      globalAvgPool(x).dispose();
      globalMaxPool(x).dispose();
    });
    x.dispose();
  });

  it('bad input: typed errors naming the argument', () => {
    const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    expect(() => maxPool(x, 5)).toThrow(InvalidArgumentError);
    expect(() => maxPool(x, 5)).toThrow(/poolSize/);
    expect(() => maxPool(x, 0)).toThrow(/poolSize/);
    expect(() => avgPool(x, 2, { strides: -1 })).toThrow(/options.strides/);
    expect(() => avgPool(x, 2, { padding: 'full' as never })).toThrow(/options.padding/);
    expect(() => globalAvgPool(tf.zeros([4]) as never)).toThrow(/'x'/);
  });
});
