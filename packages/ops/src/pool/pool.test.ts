import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { InvalidArgumentError, ShapeMismatchError } from '../errors/errors.js';
import { poolOutputShape } from '../conv/conv-output-size.js';
import { type NDArray } from '../reference/ndarray.js';
import { poolBackward, poolForward } from '../reference/pooling.js';
import { randomPair } from '../test-support/random.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { avgPool, globalAvgPool, globalMaxPool, maxPool } from './pool.js';

const refT = (a: NDArray) => tf.tensor(Float32Array.from(a.data), a.shape);
type Case = { f: number | [number, number]; s: number | [number, number]; padding: 'valid' | 'same'; n: number };
const cases: Case[] = [];
// window sizes 1-7 × strides 1-3 × 'valid'/'same'; batch 1 and 2
for (const f of [1, 2, 3, 4, 5, 7]) for (const s of [1, 2, 3]) for (const padding of ['valid', 'same'] as const) cases.push({ f, s, padding, n: f % 2 === 0 ? 1 : 2 });
cases.push(
  { f: [2, 3], s: [1, 2], padding: 'same', n: 2 }, // asymmetric windows and strides
  { f: [3, 1], s: [3, 1], padding: 'valid', n: 1 },
  { f: [4, 2], s: [2, 3], padding: 'same', n: 1 },
  { f: 3, s: [2, 1], padding: 'valid', n: 2 },
);

describeEachBackend('pooling vs the step-by-step reference', () => {
  it.each(cases)('max and average, forward and backward: f=$f s=$s padding=$padding n=$n', ({ f, s, padding, n }) => {
    const x = randomPair([n, 9, 8, 3], 11);
    for (const mode of ['max', 'average'] as const) {
      const { A, cache } = poolForward(x.nd, { f, stride: s, pad: padding, mode });
      const op = (t: tf.Tensor) => (mode === 'max' ? maxPool : avgPool)(t as tf.Tensor4D, f, { strides: s, padding });
      const y = op(x.t);
      expectTensorsClose(y, refT(A));
      expect(y.shape).toEqual(poolOutputShape(x.t.shape, f, { strides: s, padding }));
      const dA = randomPair(A.shape, 12);
      const g = tf.grad(op)(x.t, dA.t);
      // max: the gradient goes to each window's maximum (the mask); average: dz/(n_H·n_W) to every pixel inside
      expectTensorsClose(g, refT(poolBackward(dA.nd, cache)));
      tf.dispose([y, dA.t, g]);
    }
    x.t.dispose();
  });

  it('default stride = pool size; single images; int32 input', () => {
    const x = randomPair([1, 6, 6, 2], 13);
    const y = maxPool(x.t as tf.Tensor4D, 2);
    expect(y.shape).toEqual([1, 3, 3, 2]);
    expectTensorsClose(y, refT(poolForward(x.nd, { f: 2 }).A));
    const single = avgPool(tf.squeeze(x.t, [0]) as tf.Tensor3D, 3, { strides: 2, padding: 'same' });
    expect(single.shape).toEqual([3, 3, 2]);
    expectTensorsClose(single, tf.squeeze(refT(poolForward(x.nd, { f: 3, stride: 2, pad: 'same', mode: 'average' }).A), [0]));
    const gs = tf.grad((t: tf.Tensor) => avgPool(t as tf.Tensor3D, 2))(tf.ones([4, 4, 1]));
    expect(Array.from(gs.dataSync())).toEqual(new Array(16).fill(0.25)); // distributeValue(1, [2, 2])
    const ints = maxPool(tf.tensor3d([1, 5, 3, 2], [2, 2, 1], 'int32'), 2);
    expect(ints.dtype).toBe('float32');
    expect(Array.from(ints.dataSync())).toEqual([5]);
    tf.dispose([x.t, y, single, gs, ints]);
  });

  it('global pooling: [m, H, W, C] -> [m, C] (keepDims: [m, 1, 1, C]); single images -> [C]', () => {
    const x = randomPair([2, 4, 5, 3], 13).t as tf.Tensor4D;
    const avg = globalAvgPool(x);
    const max = globalMaxPool(x);
    expectTensorsClose(avg, tf.mean(x, [1, 2]));
    expectTensorsClose(max, tf.max(x, [1, 2]));
    // global pooling is pooling with the whole image as the window
    expectTensorsClose(tf.reshape(avgPool(x, [4, 5]), [2, 3]), avg);
    expectTensorsClose(tf.reshape(maxPool(x, [4, 5]), [2, 3]), max);
    expect(globalAvgPool(x, { keepDims: true }).shape).toEqual([2, 1, 1, 3]);
    expect(globalMaxPool(tf.zeros([4, 4, 2]) as tf.Tensor3D).shape).toEqual([2]);
  });

  it('does not leak (forward and backward)', async () => {
    const x = randomPair([1, 6, 6, 2], 14).t as tf.Tensor4D;
    await expectNoLeaks(() => {
      maxPool(x, 2).dispose();
      avgPool(x, 3, { strides: 2, padding: 'same' }).dispose();
      globalAvgPool(x).dispose();
      globalMaxPool(x, { keepDims: true }).dispose();
      tf.grad((t: tf.Tensor) => avgPool(t as tf.Tensor4D, 3, { strides: 2, padding: 'same' }))(x).dispose();
      tf.grad((t: tf.Tensor) => maxPool(t as tf.Tensor4D, 2, { padding: 'same', strides: 1 }))(x).dispose();
    });
    x.dispose();
  });

  it('bad input: typed errors naming the argument', () => {
    const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    const bad = (fn: () => unknown, type: typeof InvalidArgumentError | typeof ShapeMismatchError, message: RegExp) => {
      expect(fn).toThrow(type);
      expect(fn).toThrow(message);
    };
    bad(() => maxPool(x, 5), ShapeMismatchError, /'poolSize'.*5×5 window is larger than the padded input 4×4/);
    expect(maxPool(x, 5, { padding: 'same' }).shape).toEqual([1, 1, 1, 1]); // 'same' always fits
    bad(() => maxPool(x, 0), InvalidArgumentError, /'poolSize'.*integer >= 1/);
    bad(() => maxPool(x, [2, 2, 2] as never), InvalidArgumentError, /'poolSize'/);
    bad(() => avgPool(x, 2, { strides: -1 }), InvalidArgumentError, /'options.strides'/);
    bad(() => avgPool(x, 2, { strides: [1, 0] }), InvalidArgumentError, /'options.strides\[1\]'/);
    bad(() => avgPool(x, 2, { padding: 'full' as never }), InvalidArgumentError, /'options.padding'.*'valid', 'same'/);
    bad(() => avgPool(x, 2, null as never), InvalidArgumentError, /'options'/);
    bad(() => maxPool(tf.zeros([4, 4]) as never, 2), InvalidArgumentError, /'x'.*rank-3 or 4/);
    bad(() => maxPool(tf.zeros([1, 4, 0, 1]) as tf.Tensor4D, 1), InvalidArgumentError, /'x'.*n_H, n_W and n_C >= 1/);
    bad(() => maxPool(tf.zeros([4, 4, 1], 'bool') as never, 2), InvalidArgumentError, /'x'.*float32 or int32/);
    bad(() => globalAvgPool(tf.zeros([4]) as never), InvalidArgumentError, /'x'/);
    bad(() => globalMaxPool(x, { keepDims: 1 as never }), InvalidArgumentError, /'options.keepDims'/);
    x.dispose();
  });
});
