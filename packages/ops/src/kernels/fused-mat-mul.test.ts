import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { errorVsCpu, rand } from './kernel-test-utils.js';

const t = (shape: number[], seed: number) => tf.tensor(rand(shape.reduce((a, b) => a * b, 1), seed), shape);

describe('_FusedMatMul on wasm matches cpu', () => {
  const cases: { ta: boolean; tb: boolean; batch: number; activation: tf.fused.Activation; bias: boolean }[] = [];
  for (const ta of [false, true])
    for (const tb of [false, true])
      for (const [batch, activation, bias] of [
        [1, 'linear', true],
        [3, 'relu', true],
        [2, 'leakyrelu', false],
      ] as const)
        cases.push({ ta, tb, batch, activation, bias });
  it.each(cases)('transposeA=$ta transposeB=$tb batch=$batch activation=$activation bias=$bias', async ({ ta, tb, batch, activation, bias }) => {
    const [m, k, n] = [7, 5, 6];
    const err = await errorVsCpu(() =>
      tf.fused.matMul({
        a: t(batch > 1 ? [batch, ta ? k : m, ta ? m : k] : [ta ? k : m, ta ? m : k], 1),
        b: t(tb ? [n, k] : [k, n], 2),
        transposeA: ta,
        transposeB: tb,
        activation,
        ...(activation === 'leakyrelu' ? { leakyreluAlpha: 0.2 } : {}),
        ...(bias ? { bias: t([n], 3) } : {}),
      }),
    );
    expect(err).toBeLessThanOrEqual(1e-5);
  });

  it('a broadcast [1] bias and a batched b stay on the stock path and are right', async () => {
    const err = await errorVsCpu(() => [
      tf.fused.matMul({ a: t([4, 5], 1), b: t([6, 5], 2), transposeB: true, bias: tf.tensor1d([0.5]) }),
      tf.fused.matMul({ a: t([2, 4, 5], 1), b: t([2, 5, 3], 2), bias: t([3], 4), activation: 'relu' }),
    ]);
    expect(err).toBeLessThanOrEqual(1e-5);
  });

  it('one weights tensor reused under another shape stays correct', async () => {
    const err = await errorVsCpu(() => {
      const w = t([6, 4], 9);
      return [
        tf.fused.matMul({ a: t([2, 6], 10), b: w, bias: t([4], 5), activation: 'relu' }),
        tf.fused.matMul({ a: t([3, 4], 11), b: w.reshape([4, 6]), bias: t([6], 6), activation: 'relu' }),
        tf.matMul(t([3, 4], 11), w.reshape([4, 6])),
      ];
    });
    expect(err).toBeLessThanOrEqual(1e-5);
  });
});
