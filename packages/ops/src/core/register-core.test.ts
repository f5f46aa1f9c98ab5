import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { coreGradConfigs } from './core-gradients.js';
import { registerCoreGradients } from './register-core.js';
import { ready } from '../backend/backend.js';

describe('core gradients in Node ESM', () => {
  it('registers every tfjs-core gradient, once', () => {
    for (const g of coreGradConfigs) expect(tf.getGradient(g.kernelName), g.kernelName).toBeDefined();
    expect(registerCoreGradients()).toBe(0);
  });
  it('installs chained ops', async () => {
    await ready();
    const t = tf.tensor1d([1, 2, 3]);
    expect(t.sum().arraySync()).toBe(6);
    tf.dispose(t);
  });
});

describeEachBackend('tf.grad through conv, pool, batch norm and activations', () => {
  it('matches a finite-difference estimate', async () => {
    const x = tf.randomNormal([1, 6, 6, 2], 0, 1, 'float32', 1);
    const w0 = tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 2);
    const f = (w: tf.Tensor) =>
      tf.tidy(() => {
        const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
        const p = tf.maxPool(tf.leakyRelu(y, 0.1), 2, 2, 'valid');
        return tf.sigmoid(p).sum() as tf.Scalar;
      });
    const g = await expectNoLeaks(() => tf.grad(f)(w0), { allowReturned: true });
    expect(g.shape).toEqual([3, 3, 2, 3]);
    const gv = g.dataSync();
    const wv = w0.dataSync();
    const eps = 1e-2;
    for (const i of [0, 7, 20, 53]) {
      const plus = wv.slice();
      plus[i]! += eps;
      const minus = wv.slice();
      minus[i]! -= eps;
      const numeric = tf.tidy(() => (f(tf.tensor(plus, w0.shape)).dataSync()[0]! - f(tf.tensor(minus, w0.shape)).dataSync()[0]!) / (2 * eps));
      expectTensorsClose([gv[i]!], [numeric], { rtol: 2e-2, atol: 2e-3 });
    }
    tf.dispose([x, w0, g]);
  });
});
