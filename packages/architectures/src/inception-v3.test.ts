import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { inceptionV3 } from './inception-v3.js';

beforeAll(async () => {
  await ready();
});

describe('InceptionV3 (keras.applications)', () => {
  it('23,851,784 parameters (21,802,784 no-top), Keras auto names, mixed0..mixed10 volumes', async () => {
    const m = await inceptionV3();
    expect(m.countParams()).toBe(23_851_784);
    const names = m.layers.map((l) => l.name);
    expect(names.slice(0, 5)).toEqual(['input_1', 'conv2d', 'batch_normalization', 'activation', 'conv2d_1']);
    expect(names.filter((n) => n.startsWith('conv2d')).length).toBe(94);
    expect(m.getLayer('conv2d_93').outputShape).toEqual([null, 8, 8, 192]);
    expect(m.getLayer('mixed0').outputShape).toEqual([null, 35, 35, 256]);
    expect(m.getLayer('mixed2').outputShape).toEqual([null, 35, 35, 288]);
    expect(m.getLayer('mixed7').outputShape).toEqual([null, 17, 17, 768]);
    expect(m.getLayer('mixed10').outputShape).toEqual([null, 8, 8, 2048]);
    expect(names.slice(-2)).toEqual(['avg_pool', 'predictions']);
    m.dispose();
    const noTop = await inceptionV3({ includeTop: false });
    expect(noTop.countParams()).toBe(21_802_784);
    noTop.dispose();
    await expect(inceptionV3({ includeTop: false, inputShape: [64, 64, 3] })).rejects.toThrow(/height >= 75/);
  });

  it('a training step on wasm and no leaks after predict', async () => {
    await ready({ backend: 'wasm' });
    const m = await inceptionV3({ inputShape: [75, 75, 3], classes: 2 });
    m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const x = tf.randomUniform([2, 75, 75, 3], 0, 1, 'float32', 4);
    const y = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
    expect((h.history['loss'] as number[]).every(Number.isFinite)).toBe(true);
    await expectNoLeaks(() => tf.tidy(() => m.predict(x) as tf.Tensor).dispose());
    tf.dispose([x, y]);
    m.dispose();
  });
});
