import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { errorVsCpu, rand } from './kernel-test-utils.js';

const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
const operand = (outer: number[], rows: number, cols: number, transposed: boolean, seed: number) => {
  const shape = [...outer, transposed ? cols : rows, transposed ? rows : cols];
  return tf.tensor(rand(size(shape), seed), shape);
};

describe('BatchMatMul on wasm matches cpu', () => {
  const cases: { ta: boolean; tb: boolean; outerA: number[]; outerB: number[] }[] = [];
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      for (const [outerA, outerB] of [
        [[], []],
        [[3], [3]],
        [[3], [1]],
        [[1], [2]],
        [[2, 3], [1, 1]],
        [[1, 1], [2, 3]],
      ] as number[][][]) {
        cases.push({ ta, tb, outerA: outerA!, outerB: outerB! });
      }
    }
  }
  it.each(cases)('transposeA=$ta transposeB=$tb batch $outerA x $outerB', async ({ ta, tb, outerA, outerB }) => {
    const [m, k, n] = [7, 5, 6];
    const err = await errorVsCpu(() => tf.matMul(operand(outerA, m, k, ta, 4), operand(outerB, k, n, tb, 5), ta, tb));
    expect(err).toBeLessThanOrEqual(1e-5);
  });

  it('gradients of a dense layer (xᵀ·dy and dy·Wᵀ) through tf.grads', async () => {
    const err = await errorVsCpu(() => {
      const [gx, gw] = tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D).square().sum())([operand([], 9, 33, false, 1), operand([], 33, 10, false, 2)]);
      return [gx!, gw!];
    });
    expect(err).toBeLessThanOrEqual(1e-5);
  });

  it('one weights tensor reused under another shape (a reshape shares the XNNPACK cache id) stays correct', async () => {
    const err = await errorVsCpu(() => {
      const w = tf.tensor2d(rand(24, 9), [6, 4]);
      const first = tf.matMul(tf.tensor2d(rand(12, 10), [2, 6]), w);
      const second = tf.matMul(tf.tensor2d(rand(12, 11), [3, 4]), w.reshape([4, 6]));
      const third = tf.matMul(tf.tensor2d(rand(36, 12), [3, 12]), w.reshape([12, 2]));
      const again = tf.matMul(tf.tensor2d(rand(12, 10), [2, 6]), w);
      return [first, second, third, again];
    });
    expect(err).toBeLessThanOrEqual(1e-5);
  });

  it('is exact for plain products too (small integers)', async () => {
    await ready({ backend: 'wasm' });
    const c = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2]), true, true);
    expect(Array.from(c.dataSync())).toEqual([23, 31, 34, 46]);
    c.dispose();
  });
});
