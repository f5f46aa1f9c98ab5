import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { ShapeMismatchError } from '../errors/errors.js';
import { batchNormBackward, batchNormForward } from '../reference/normalization.js';
import { randomPair, randomValues } from '../test-support/random.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { batchNorm, batchNormTraining } from './batch-norm.js';

const f32 = (a: ArrayLike<number>) => Float32Array.from(a as ArrayLike<number>);

describeEachBackend('batch norm vs the reference', () => {
  it('training mode: forward, moments and gradients (with and without scale/offset)', () => {
    const x = randomPair([4, 3, 3, 5], 21);
    const gamma = randomValues(5, 22, 0.5, 1.5);
    const beta = randomValues(5, 23);
    const { y, cache } = batchNormForward(x.nd, gamma, beta, 1e-3);
    const scale = tf.tensor1d(gamma);
    const offset = tf.tensor1d(beta);
    const out = batchNormTraining(x.t, { scale, offset });
    expectTensorsClose(out.y, tf.tensor(f32(y.data), y.shape), { rtol: 1e-3, atol: 1e-4 });
    expectTensorsClose(out.mean, tf.tensor1d(f32(cache.mean)));
    const dy = randomPair([4, 3, 3, 5], 24);
    const ref = batchNormBackward(dy.nd, cache);
    const [dx, dg, db] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => batchNormTraining(a, { scale: g as tf.Tensor1D, offset: b as tf.Tensor1D }).y)([x.t, scale, offset], dy.t);
    expectTensorsClose(dx!, tf.tensor(f32(ref.dx.data), ref.dx.shape), { rtol: 1e-3, atol: 1e-4 });
    expectTensorsClose(dg!, tf.tensor1d(f32(ref.dgamma)), { rtol: 1e-3, atol: 1e-4 });
    expectTensorsClose(db!, tf.tensor1d(f32(ref.dbeta)), { rtol: 1e-3, atol: 1e-4 });
    // Without scale/offset (where tf.batchNorm's own gradient fails): γ = 1, β = 0.
    const plain = batchNormBackward(dy.nd, batchNormForward(x.nd, new Array(5).fill(1), new Array(5).fill(0), 1e-3).cache);
    const gx = tf.grad((a: tf.Tensor) => batchNormTraining(a).y)(x.t, dy.t);
    expectTensorsClose(gx, tf.tensor(f32(plain.dx.data), plain.dx.shape), { rtol: 1e-3, atol: 1e-4 });
  });

  it('inference mode uses the given statistics', () => {
    const x = randomPair([2, 2, 2, 3], 25);
    const mean = randomValues(3, 26);
    const variance = randomValues(3, 27, 0.5, 2);
    const { y } = batchNormForward(x.nd, [1, 1, 1], [0, 0, 0], 1e-3, { mean, variance });
    expectTensorsClose(batchNorm(x.t, { mean: tf.tensor1d(mean), variance: tf.tensor1d(variance) }), tf.tensor(f32(y.data), y.shape), { rtol: 1e-3, atol: 1e-4 });
  });

  it('does not leak; bad input is a typed error', async () => {
    const x = randomPair([2, 2, 2, 3], 28).t;
    const m = tf.zeros([3]) as tf.Tensor1D;
    const v = tf.ones([3]) as tf.Tensor1D;
    await expectNoLeaks(() => {
      batchNorm(x, { mean: m, variance: v }).dispose();
      const r = batchNormTraining(x);
      tf.dispose([r.y, r.mean, r.variance]);
    });
    expect(() => batchNorm(x, { mean: tf.zeros([4]) as tf.Tensor1D, variance: v })).toThrow(ShapeMismatchError);
    expect(() => batchNorm(x, { mean: m, variance: v, epsilon: -1 })).toThrow(/options.epsilon/);
    expect(() => batchNormTraining(tf.zeros([3]))).toThrow(/'x'/);
    tf.dispose([x, m, v]);
  });
});
