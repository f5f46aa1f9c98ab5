import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { InvalidArgumentError, ShapeMismatchError } from '../errors/errors.js';
import { ndarray, type NDArray } from '../reference/ndarray.js';
import { batchNormBackward, batchNormForward } from '../reference/normalization.js';
import { randomPair, randomValues } from '../test-support/random.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { batchNorm, batchNormTraining } from './batch-norm.js';

const refT = (a: NDArray) => tf.tensor(Float32Array.from(a.data), a.shape);
const vec = (a: ArrayLike<number>) => tf.tensor1d(Float32Array.from(a));
// float32 normalization of a few dozen values: a little looser than the default 1e-4
const tol = { rtol: 1e-3, atol: 1e-4 };

describeEachBackend('batch norm vs the reference', () => {
  it.each([
    { shape: [4, 3, 3, 5], what: 'NHWC (conv)' },
    { shape: [6, 4], what: '[N, C] (dense)' },
    { shape: [2, 2, 3, 2, 3], what: 'rank 5' },
  ])('training mode, $what: forward, moments and gradients with scale/offset', ({ shape }) => {
    const c = shape[shape.length - 1]!;
    const x = randomPair(shape, 21);
    const gamma = randomValues(c, 22, 0.5, 1.5);
    const beta = randomValues(c, 23);
    const { y, cache } = batchNormForward(x.nd, gamma, beta, 1e-3);
    const scale = vec(gamma);
    const offset = vec(beta);
    const out = batchNormTraining(x.t, { scale, offset });
    expectTensorsClose(out.y, refT(y), tol);
    expectTensorsClose(out.mean, vec(cache.mean));
    expectTensorsClose(out.variance, vec(cache.variance), tol);
    const dy = randomPair(shape, 24);
    const ref = batchNormBackward(dy.nd, cache);
    const [dx, dg, db] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => batchNormTraining(a, { scale: g as tf.Tensor1D, offset: b as tf.Tensor1D }).y)([x.t, scale, offset], dy.t);
    expectTensorsClose(dx!, refT(ref.dx), tol);
    expectTensorsClose(dg!, vec(ref.dgamma), tol);
    expectTensorsClose(db!, vec(ref.dbeta), tol);
    tf.dispose([x.t, scale, offset, out.y, out.mean, out.variance, dy.t, dx!, dg!, db!]);
  });

  it('training mode without scale/offset (where tf.batchNorm alone fails): γ = 1, β = 0, and its gradient', () => {
    const x = randomPair([3, 2, 2, 4], 25);
    const { y, cache } = batchNormForward(x.nd, [1, 1, 1, 1], [0, 0, 0, 0], 1e-5);
    const dy = randomPair(x.t.shape, 26);
    const gx = tf.grad((a: tf.Tensor) => batchNormTraining(a, { epsilon: 1e-5 }).y)(x.t, dy.t);
    const out = batchNormTraining(x.t, { epsilon: 1e-5 });
    expectTensorsClose(out.y, refT(y), tol);
    expectTensorsClose(gx, refT(batchNormBackward(dy.nd, cache).dx), tol);
    tf.dispose([x.t, dy.t, gx, out.y, out.mean, out.variance]);
  });

  it('inference mode: the given statistics; gradients for x, scale and offset, with and without them', () => {
    const x = randomPair([2, 3, 2, 3], 27);
    const mean = randomValues(3, 28);
    const variance = randomValues(3, 29, 0.5, 2);
    const gamma = randomValues(3, 30, 0.5, 1.5);
    const beta = randomValues(3, 31);
    const stats = { mean: vec(mean), variance: vec(variance) };
    const [scale, offset] = [vec(gamma), vec(beta)];
    const { y, cache } = batchNormForward(x.nd, gamma, beta, 1e-3, { mean, variance });
    expectTensorsClose(batchNorm(x.t, { ...stats, scale, offset }), refT(y), tol);
    const dy = randomPair(x.t.shape, 32);
    const ref = batchNormBackward(dy.nd, cache);
    const [dx, dg, db] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => batchNorm(a, { ...stats, scale: g as tf.Tensor1D, offset: b as tf.Tensor1D }))([x.t, scale, offset], dy.t);
    expectTensorsClose(dx!, refT(ref.dx), tol);
    expectTensorsClose(dg!, vec(ref.dgamma), tol);
    expectTensorsClose(db!, vec(ref.dbeta), tol);
    const plain = batchNormForward(x.nd, [1, 1, 1], [0, 0, 0], 1e-3, { mean, variance });
    expectTensorsClose(batchNorm(x.t, stats), refT(plain.y), tol);
    expectTensorsClose(tf.grad((a: tf.Tensor) => batchNorm(a, stats))(x.t, dy.t), refT(batchNormBackward(dy.nd, plain.cache).dx), tol);
    expectTensorsClose(batchNorm(tf.tensor1d([1, 2, 3]), stats), refT(batchNormForward(ndarray([3], [1, 2, 3]), [1, 1, 1], [0, 0, 0], 1e-3, { mean, variance }).y), tol);
  });

  it('does not leak (forward and backward); bad input is a typed error naming the argument', async () => {
    const x = randomPair([2, 2, 2, 3], 33).t;
    const m = tf.zeros([3]) as tf.Tensor1D;
    const v = tf.ones([3]) as tf.Tensor1D;
    await expectNoLeaks(() => {
      batchNorm(x, { mean: m, variance: v }).dispose();
      const r = batchNormTraining(x);
      tf.dispose([r.y, r.mean, r.variance]);
      tf.grad((a: tf.Tensor) => batchNormTraining(a).y)(x).dispose();
      tf.dispose(tf.grads((a: tf.Tensor, g: tf.Tensor) => batchNorm(a, { mean: m, variance: v, scale: g as tf.Tensor1D }))([x, v]));
    });
    const bad = (fn: () => unknown, type: typeof InvalidArgumentError | typeof ShapeMismatchError, message: RegExp) => {
      expect(fn).toThrow(type);
      expect(fn).toThrow(message);
    };
    bad(() => batchNorm(x, { mean: tf.zeros([4]) as tf.Tensor1D, variance: v }), ShapeMismatchError, /'options.mean'.*expected 3 values/);
    bad(() => batchNorm(x, { mean: m } as never), InvalidArgumentError, /'options.variance'/);
    bad(() => batchNorm(x, { mean: m, variance: v, epsilon: -1 }), InvalidArgumentError, /'options.epsilon'/);
    bad(() => batchNorm(x, undefined as never), InvalidArgumentError, /'options'/);
    bad(() => batchNormTraining(x, { scale: tf.ones([2]) as tf.Tensor1D }), ShapeMismatchError, /'options.scale'/);
    bad(() => batchNormTraining(x, { offset: tf.ones([3], 'int32') as tf.Tensor1D }), InvalidArgumentError, /'options.offset'.*float32/);
    bad(() => batchNormTraining(tf.zeros([3])), InvalidArgumentError, /'x'.*rank >= 2/);
    bad(() => batchNormTraining(tf.zeros([0, 3])), InvalidArgumentError, /'x'.*non-empty/);
    bad(() => batchNormTraining(tf.zeros([2, 3], 'int32')), InvalidArgumentError, /'x'.*float32/);
    tf.dispose([x, m, v]);
  });
});
