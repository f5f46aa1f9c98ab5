/**
 * The builders not trained in their own test files (VGG-19, ResNet-34/101/152) train a few Adam steps on
 * wasm with no missing kernel, and predict leaks nothing; dropout and batch norm follow the `training` flag.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { alexnet } from './alexnet.js';
import { resnet101, resnet50 } from './resnet.js';
import { resnet34 } from './resnet-basic.js';
import { vgg19 } from './vgg.js';
import { seeded } from './test-support/seeded.js';

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

const builders: [string, () => Promise<tfl.LayersModel>][] = [
  ['VGG-19', () => vgg19({ includeTop: false, inputShape: [32, 32, 3], pooling: 'avg' })],
  ['ResNet-34', () => resnet34({ inputShape: [32, 32, 3], classes: 2 })],
  ['ResNet-101', () => resnet101({ inputShape: [32, 32, 3], classes: 2 })],
];

describe('every remaining builder trains on wasm', () => {
  it.each(builders)('%s: Adam steps lower the loss; predict does not leak', async (name, build) => {
    expect(tf.getBackend()).toBe('wasm');
    const base = await seeded(5, build);
    const m = base.outputs[0]!.shape.length === 2 && base.outputs[0]!.shape[1] === 2 ? base : await withHead(base);
    m.compile({ optimizer: tf.train.adam(name === 'VGG-19' ? 1e-5 : 1e-3), loss: 'categoricalCrossentropy' });
    // Pixels as the published weights see them ('caffe': about ±128; 'torch': about ±2). Deep plain VGG at
    // Glorot initialization shrinks a 0-1 input to near-zero features (the loss sits at ln 2), so scale matters.
    const [lo, hi] = name === 'VGG-19' ? [-120, 130] : [-2, 2];
    const x = tf.randomUniform([2, 32, 32, 3], lo, hi, 'float32', 9);
    const y = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2);
    const loss = (await m.fit(x, y, { epochs: 4, batchSize: 2, verbose: 0 })).history['loss'] as number[];
    expect(loss.every(Number.isFinite), `${name}: ${loss}`).toBe(true);
    expect(Math.min(...loss.slice(1)), `${name}: ${loss}`).toBeLessThan(loss[0]!);
    await expectNoLeaks(() => tf.tidy(() => m.predict(x) as tf.Tensor).dispose());
    tf.dispose([x, y]);
    m.dispose();
  });
});

/** A 2-class softmax on top of a no-top feature extractor. */
async function withHead(base: tfl.LayersModel): Promise<tfl.LayersModel> {
  const tflayers = await import('@tensorflow/tfjs-layers');
  const out = tflayers.layers.dense({ units: 2, activation: 'softmax', name: 'head' }).apply(base.outputs[0]!) as tfl.SymbolicTensor;
  return tflayers.model({ inputs: base.inputs, outputs: out });
}

describe('dropout and batch norm follow the training flag', () => {
  it('AlexNet dropout: identity at inference, random masks in training', async () => {
    const m = await alexnet({ inputShape: [63, 63, 3], classes: 3 });
    const x = tf.randomUniform([1, 63, 63, 3], 0, 1, 'float32', 1);
    const dropout = m.getLayer('dropout1');
    const feed = tf.randomUniform([1, 4096], 1, 2, 'float32', 2);
    const [inf, train1, train2] = tf.tidy(() => [dropout.apply(feed, { training: false }), dropout.apply(feed, { training: true }), dropout.apply(feed, { training: true })] as tf.Tensor[]);
    expect(Array.from(inf!.dataSync())).toEqual(Array.from(feed.dataSync()));
    const zeros = (t: tf.Tensor) => Array.from(t.dataSync()).filter((v) => v === 0).length;
    expect(zeros(train1!)).toBeGreaterThan(4096 * 0.3); // rate 0.5
    expect(Array.from(train1!.dataSync())).not.toEqual(Array.from(train2!.dataSync()));
    // predict() is inference: deterministic.
    const [p1, p2] = [m.predict(x) as tf.Tensor, m.predict(x) as tf.Tensor];
    expect(Array.from(p1.dataSync())).toEqual(Array.from(p2.dataSync()));
    tf.dispose([x, feed, inf!, train1!, train2!, p1, p2]);
    m.dispose();
  });

  it('ResNet batch norm: moving statistics at inference; batch statistics in training, which also move the averages', async () => {
    const m = await resnet50({ includeTop: false, inputShape: [32, 32, 3] });
    const bn = m.getLayer('conv1_bn');
    const x = tf.randomNormal([4, 8, 8, 64], 3, 2, 'float32', 4);
    const maxAbs = (t: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!);
    // Inference first: moving mean 0 and variance 1 at initialization, so the output is x / sqrt(1 + eps).
    const inf = tf.tidy(() => bn.apply(x, { training: false }) as tf.Tensor);
    expect(tf.tidy(() => maxAbs(tf.sub(inf, tf.div(x, Math.sqrt(1 + 1.001e-5)))))).toBeLessThan(1e-4);
    // Training: normalized with the batch's own mean and variance (mean ≈ 0, variance ≈ 1 per channel) ...
    const train = tf.tidy(() => bn.apply(x, { training: true }) as tf.Tensor);
    const { mean, variance } = tf.moments(train, [0, 1, 2]);
    expect(maxAbs(mean)).toBeLessThan(1e-3);
    expect(tf.tidy(() => maxAbs(tf.sub(variance, 1)))).toBeLessThan(1e-2);
    // ... and the moving mean moved by (1 - momentum 0.99) toward the batch mean.
    const batchMean = tf.tidy(() => tf.mean(x, [0, 1, 2]));
    const movingMean = bn.getWeights().find((_, i) => bn.weights[i]!.originalName.endsWith('moving_mean'))!;
    expect(tf.tidy(() => maxAbs(tf.sub(movingMean, tf.mul(batchMean, 0.01))))).toBeLessThan(1e-4);
    tf.dispose([x, train, inf, mean, variance, batchMean]);
    m.dispose();
  });
});
