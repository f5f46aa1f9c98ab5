import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { expectNoLeaks, maxRelativeError } from '../testing/index.js';

type Pad = 'same' | 'valid';

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1; // many windows are all-negative: the case stock wasm gets wrong
  }
  return out;
}

const cases: { k: [number, number]; s: [number, number]; pad: Pad; n: number }[] = [];
for (const k of [1, 2, 3, 5, 7]) for (const s of [1, 2, 3]) for (const pad of ['same', 'valid'] as Pad[]) cases.push({ k: [k, k], s: [s, s], pad, n: k === 2 ? 2 : 1 });
cases.push({ k: [2, 3], s: [1, 2], pad: 'same', n: 2 }, { k: [3, 1], s: [3, 1], pad: 'valid', n: 1 });

function maxPoolGrad(pad: Pad, k: [number, number], s: [number, number], n: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(n * 9 * 8 * 3, 11), [n, 9, 8, 3]);
    const y = tf.maxPool(x, k, s, pad);
    const dy = tf.tensor(values(y.size, 12), y.shape);
    return tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, k, s, pad))(x, dy).dataSync() as Float32Array;
  });
}

describe('MaxPoolGrad / AvgPoolGrad on wasm', () => {
  it.each(cases)('MaxPoolGrad matches cpu: k=$k s=$s pad=$pad n=$n', async ({ k, s, pad, n }) => {
    await ready({ backend: 'cpu' });
    const expected = maxPoolGrad(pad, k, s, n);
    await ready({ backend: 'wasm' });
    expect(maxRelativeError(maxPoolGrad(pad, k, s, n), expected, 1)).toBeLessThanOrEqual(1e-6);
  });

  it.each(cases)('AvgPoolGrad is the adjoint of wasm AvgPool (<avgPool(x), dy> = <x, dx>): k=$k s=$s pad=$pad', async ({ k, s, pad, n }) => {
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

  it('AvgPoolGrad matches cpu where cpu is right (valid padding)', async () => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(values(2 * 9 * 8 * 3, 31), [2, 9, 8, 3]);
        return tf.grad((t: tf.Tensor) => tf.avgPool(t as tf.Tensor4D, 3, 2, 'valid').sum())(x).dataSync() as Float32Array;
      });
    await ready({ backend: 'cpu' });
    const expected = run();
    await ready({ backend: 'wasm' });
    expect(maxRelativeError(run(), expected, 1)).toBeLessThanOrEqual(1e-6);
  });

  it('does not leak', async () => {
    await ready({ backend: 'wasm' });
    const x = tf.tensor4d(values(9 * 8 * 3, 41), [1, 9, 8, 3]);
    await expectNoLeaks(() => {
      tf.tidy(() => tf.grad((t: tf.Tensor) => tf.add(tf.maxPool(t as tf.Tensor4D, 3, 2, 'same').sum(), tf.avgPool(t as tf.Tensor4D, 2, 2, 'same').sum()))(x)).dispose();
    });
    x.dispose();
  });
});
