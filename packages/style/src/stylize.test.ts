import * as tf from '@tensorflow/tfjs-core';
import { AbortedError, InvalidArgumentError, ready } from '@cnn/ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomMultiScaleFeatures, vggFeatures, type VggFeatures } from './features.js';
import { stylize } from './stylize.js';

let features: VggFeatures;
let content: tf.Tensor3D;
let style: tf.Tensor3D;

beforeAll(async () => {
  await ready({ backend: 'wasm' });
  features = await vggFeatures({ weights: 'random', contentLayer: 'block2_conv2', styleLayers: [['block1_conv1', 0.5], ['block2_conv1', 0.5]] });
  // A smooth gradient as content, stripes as style.
  content = tf.tidy(() => tf.mul(tf.stack([tf.tile(tf.reshape(tf.linspace(0, 1, 32), [1, 32]), [32, 1]), tf.fill([32, 32], 0.5), tf.tile(tf.reshape(tf.linspace(1, 0, 32), [32, 1]), [1, 32])], 2), 255) as tf.Tensor3D);
  style = tf.tidy(() => tf.mul(tf.stack([tf.reshape(tf.cast(tf.greater(tf.sin(tf.mul(tf.range(0, 32 * 32), 0.7)), 0), 'float32'), [32, 32]), tf.fill([32, 32], 0.2), tf.fill([32, 32], 0.8)], 2), 255) as tf.Tensor3D);
});

describe('stylize', () => {
  it('Adam lowers the total cost, changes only the pixels (network weights unchanged), and leaks nothing', async () => {
    const before = features.model.weights.map((w) => Array.from(w.read().dataSync()));
    const tensorsBefore = tf.memory().numTensors;
    const seen: number[] = [];
    const r = await stylize(content, style, features, { iterations: 25, onStep: (img, l) => void seen.push(l.step) });
    expect(r.losses).toHaveLength(25);
    expect(seen).toHaveLength(25);
    expect(r.losses.at(-1)!.total).toBeLessThan(r.losses[0]!.total);
    expect(r.losses.at(-1)!.style).toBeLessThan(r.losses[0]!.style);
    expect(r.image.shape).toEqual([32, 32, 3]);
    const [lo, hi] = tf.tidy(() => [tf.min(r.image).dataSync()[0]!, tf.max(r.image).dataSync()[0]!]);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(255);
    features.model.weights.forEach((w, i) => expect(Array.from(w.read().dataSync())).toEqual(before[i]));
    r.image.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('L-BFGS lowers the cost too, counting every evaluation, and leaks nothing', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const r = await stylize(content, style, features, { optimizer: 'lbfgs', iterations: 15 });
    expect(r.evaluations).toBeLessThanOrEqual(15);
    expect(r.losses.at(-1)!.total).toBeLessThan(r.losses[0]!.total);
    r.image.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('abort, bad input and bad options are typed errors', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(stylize(content, style, features, { iterations: 3, signal: ac.signal })).rejects.toThrow(AbortedError);
    await expect(stylize(tf.zeros([8, 8, 3]) as tf.Tensor3D, style, features)).rejects.toThrow(InvalidArgumentError);
    await expect(stylize(content, style, features, { optimizer: 'sgd' as never })).rejects.toThrow(/'adam' or 'lbfgs'/);
    await expect(vggFeatures({ weights: 'random', contentLayer: 'block9_conv1' })).rejects.toThrow(InvalidArgumentError);
  });
});

describe('download-free features', () => {
  it("'auto' falls back to random multi-scale filters with a visible notice when ImageNet weights are not found", async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const empty = await mkdtemp(join(tmpdir(), 'cnn-style-'));
    const notices: string[] = [];
    const f = await vggFeatures({ contentLayer: 'block1_conv2', styleLayers: [['block1_conv1', 1]], weightsOptions: { offline: true, searchPath: [empty], cacheDir: empty }, onNotice: (m) => void notices.push(m) });
    expect(f.weights).toBe('random-multiscale');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/vgg19_weights_tf_dim_ordering_tf_kernels_notop\.h5/);
    f.dispose();
    // 'imagenet' asked for explicitly is an error instead.
    await expect(vggFeatures({ weights: 'imagenet', contentLayer: 'block1_conv2', styleLayers: [['block1_conv1', 1]], weightsOptions: { offline: true, searchPath: [empty], cacheDir: empty } })).rejects.toThrow(/not|find/i);
  });

  it('random multi-scale filters (one layer) drive stylize too', async () => {
    const f = randomMultiScaleFeatures({ sizes: [3, 5], filters: 8 });
    const r = await stylize(content, style, f, { iterations: 10 });
    expect(r.losses.at(-1)!.style).toBeLessThan(r.losses[0]!.style);
    r.image.dispose();
    f.dispose();
    expect(() => randomMultiScaleFeatures({ sizes: [4] })).toThrow(/odd/);
  });
});
