import * as tf from '@tensorflow/tfjs-core';
import { AbortedError, InvalidArgumentError, ready } from '@cnn/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vggFeatures, type VggFeatures } from '../features.js';
import { trainFastStyle } from './train-fast-style.js';
import { transformNet } from './transform-net.js';

let features: VggFeatures;
let style: tf.Tensor3D;
let contents: tf.Tensor3D[];
const tiny = () => transformNet({ filters: [4, 8, 8], residualBlocks: 1, seed: 3 });

beforeAll(async () => {
  await ready({ backend: 'wasm' });
  features = await vggFeatures({ weights: 'random', contentLayer: 'block1_conv2', styleLayers: [['block1_conv1', 0.5], ['block2_conv1', 0.5]] });
  // Stripes as the style; two smooth gradients as the training set.
  style = tf.tidy(() => tf.mul(tf.stack([tf.reshape(tf.cast(tf.greater(tf.sin(tf.mul(tf.range(0, 32 * 32), 0.7)), 0), 'float32'), [32, 32]), tf.fill([32, 32], 0.2), tf.fill([32, 32], 0.8)], 2), 255) as tf.Tensor3D);
  contents = [0, 1].map((k) =>
    tf.tidy(() => {
      const ramp = tf.tile(tf.reshape(tf.linspace(k, 1 - k, 32), [1, 32]), [32, 1]);
      return tf.mul(tf.stack([ramp, tf.fill([32, 32], 0.5), tf.transpose(ramp)], 2), 255) as tf.Tensor3D;
    }),
  );
});
afterAll(() => {
  tf.dispose([style, ...contents]);
  features.dispose();
});

describe('trainFastStyle', () => {
  it('a tiny net on 32×32 images: the total loss falls within a few Adam steps, only the net’s weights change, nothing leaks', async () => {
    const net = tiny();
    const vggBefore = features.model.weights.map((w) => w.read().dataSync().slice(0, 8));
    const netBefore = net.getLayer('conv2').getWeights()[0]!.dataSync().slice();
    const tensorsBefore = tf.memory().numTensors;
    const seen: number[] = [];
    const r = await trainFastStyle({ net, features, styleImage: style, contentImages: contents, steps: 12, batchSize: 2, learningRate: 0.03, contentWeight: 1, styleWeight: 10, tvWeight: 1e-4, onStep: (l) => void seen.push(l.step) });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(r.stopped).toBe('steps');
    expect(r.losses).toHaveLength(12);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const [first, last] = [r.losses[0]!, r.losses.at(-1)!];
    console.log(`tiny fast-style training, 12 steps of 2×32×32: total ${first.total.toExponential(3)} -> ${last.total.toExponential(3)} (content ${first.content.toExponential(2)} -> ${last.content.toExponential(2)}, style ${first.style.toExponential(2)} -> ${last.style.toExponential(2)}), ${r.seconds.toFixed(1)} s`);
    expect(r.losses.every((l) => Number.isFinite(l.total) && l.batch === 2)).toBe(true);
    expect(last.total).toBeLessThan(0.8 * first.total);
    features.model.weights.forEach((w, i) => expect(w.read().dataSync().slice(0, 8)).toEqual(vggBefore[i]));
    expect(net.getLayer('conv2').getWeights()[0]!.dataSync()).not.toEqual(netBefore);
    net.dispose();
  });

  it('reads an async iterable once (batches [B, H, W, 3] split and regrouped, its tensors disposed), stopping when it runs out', async () => {
    const net = tiny();
    const tensorsBefore = tf.memory().numTensors;
    async function* images(): AsyncGenerator<tf.Tensor> {
      yield tf.stack(contents); // a batch of 2
      yield tf.clone(contents[0]!);
    }
    const r = await trainFastStyle({ net, features, styleImage: style, contentImages: images(), steps: 10, batchSize: 2 });
    expect(r.stopped).toBe('data');
    expect(r.losses.map((l) => l.batch)).toEqual([2, 1]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    net.dispose();
  });

  it('abort, bad options and mixed sizes are typed errors, and leave nothing behind', async () => {
    const net = tiny();
    const tensorsBefore = tf.memory().numTensors;
    const base = { net, features, styleImage: style, contentImages: contents, steps: 2, batchSize: 2 };
    const ac = new AbortController();
    ac.abort();
    await expect(trainFastStyle({ ...base, signal: ac.signal })).rejects.toThrow(AbortedError);
    await expect(trainFastStyle({ ...base, steps: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(trainFastStyle({ ...base, styleWeight: -1 })).rejects.toThrow(/styleWeight/);
    await expect(trainFastStyle({ ...base, contentImages: [] })).rejects.toThrow(/at least one image/);
    const odd = tf.zeros([16, 16, 3]);
    await expect(trainFastStyle({ ...base, contentImages: [contents[0]!, odd] })).rejects.toThrow(/one size within a batch/);
    const notFour = tf.zeros([30, 30, 3]);
    await expect(trainFastStyle({ ...base, contentImages: [notFour], batchSize: 1 })).rejects.toThrow(/multiples of 4/);
    tf.dispose([odd, notFour]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    net.dispose();
  });
});

