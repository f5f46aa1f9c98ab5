/**
 * An Adam training step of a conv net that uses every layer kind the course's networks need (conv with
 * stride 1 and 2, batch norm, depthwise conv, max and average pooling, dropout, leaky relu, relu, sigmoid,
 * dense, softmax cross-entropy) runs on wasm with @cnn/ops's kernels, lowers the loss, and matches cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { expectNoLeaks } from '../testing/index.js';

function makeNet(seed: number) {
  // tf.variable keeps its initial value alive: free it.
  const own = (init: tf.Tensor) => {
    const out = tf.variable(init);
    init.dispose();
    return out;
  };
  const v = (shape: number[], s: number, scale = 0.3) => own(tf.randomNormal(shape, 0, scale, 'float32', seed + s));
  const params = {
    w1: v([3, 3, 3, 8], 1),
    gamma: own(tf.ones([8])),
    beta: own(tf.zeros([8])),
    dw: v([3, 3, 8, 2], 2),
    w2: v([3, 3, 16, 12], 3),
    w3: v([1, 1, 12, 12], 4),
    dense: v([12 * 2 * 2, 5], 5, 0.1),
    bias: own(tf.zeros([5])),
  };
  const r4 = (t: tf.Tensor) => t as tf.Tensor4D;
  const forward = (x: tf.Tensor4D, training: boolean): tf.Tensor2D => {
    let h: tf.Tensor4D = tf.conv2d(x, r4(params.w1), 1, 'same');
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    h = r4(tf.batchNorm(h, mean, variance, params.beta, params.gamma, 1e-3));
    h = tf.leakyRelu(h, 0.1);
    h = tf.maxPool(h, 2, 2, 'same'); // 8x8
    h = tf.relu(tf.depthwiseConv2d(h, r4(params.dw), 1, 'same')); // 16 channels
    h = tf.sigmoid(tf.conv2d(h, r4(params.w2), 2, 'same')); // 4x4
    h = tf.relu(tf.conv2d(h, r4(params.w3), 1, 'valid'));
    h = tf.avgPool(h, 2, 2, 'valid'); // 2x2
    let flat: tf.Tensor2D = tf.reshape(h, [x.shape[0], -1]);
    if (training) flat = tf.dropout(flat, 0.2, undefined, 7) as tf.Tensor2D;
    return tf.add(tf.matMul(flat, params.dense as tf.Tensor2D), params.bias);
  };
  return { params, forward };
}

function data() {
  return tf.tidy(() => ({
    x: tf.randomUniform([8, 16, 16, 3], -1, 1, 'float32', 3) as tf.Tensor4D,
    labels: tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2], 'int32'), 5),
  }));
}

async function train(backend: 'wasm' | 'cpu', steps: number, dropout: boolean): Promise<number[]> {
  await ready({ backend });
  const { params, forward } = makeNet(100);
  const { x, labels } = data();
  const opt = tf.train.adam(0.01);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, forward(x, dropout)) as tf.Scalar, true)!;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  opt.dispose();
  tf.dispose([x, labels, ...Object.values(params)]);
  return losses;
}

describe('Adam training step on wasm', () => {
  it('runs with every kernel registered, the loss falls, and steps match cpu', async () => {
    const wasm = await train('wasm', 6, false);
    const cpu = await train('cpu', 6, false);
    expect(wasm[5]!).toBeLessThan(wasm[0]!);
    for (let i = 0; i < wasm.length; i++) expect(Math.abs(wasm[i]! - cpu[i]!)).toBeLessThan(2e-3 * Math.max(1, cpu[i]!));
  });

  it('trains with dropout on and does not leak', async () => {
    await ready({ backend: 'wasm' });
    await expectNoLeaks(async () => {
      const losses = await train('wasm', 3, true);
      expect(losses.every(Number.isFinite)).toBe(true);
    });
  });
});
