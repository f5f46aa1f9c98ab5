/**
 * Real Keras VGG19 ImageNet weights (blocks 1-3, CNN_WEIGHTS_PATH): loaded by name into our vgg19 truncated
 * at block3_pool, the activations equal the stored tfjs model's own, exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { decodeImage, fileSystem, ready, resolveData, resolveWeights } from '@cnn/ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { vgg19, vggPreprocessInput } from './vgg.js';
import { loadWeightsByName, truncateModel } from './weights.js';

const hasWeights = Boolean(process.env['CNN_WEIGHTS_PATH'] && process.env['CNN_DATA_PATH']);

describe.runIf(hasWeights)('VGG19 blocks 1-3 with real ImageNet weights', () => {
  beforeAll(async () => {
    await ready();
  });

  it('our vgg19({ includeTop: false }) up to block3_pool reproduces the stored model exactly', async () => {
    const dir = await resolveWeights('vgg19-imagenet-block1-3', { offline: true });
    const stored = await tfl.loadLayersModel(fileSystem(dir));
    const ours = truncateModel(await vgg19({ includeTop: false }), 'block3_pool');
    const { assigned, unused } = await loadWeightsByName(ours, dir);
    expect(assigned).toBe(16);
    expect(unused).toEqual([]);
    const photo = await decodeImage(`${await resolveData('style-images', { offline: true })}/tubingen.jpg`);
    const x = tf.tidy(() => vggPreprocessInput(tf.expandDims(tf.image.resizeBilinear(photo, [96, 128]), 0)));
    const a = stored.predict(x) as tf.Tensor;
    const b = ours.predict(x) as tf.Tensor;
    expect(b.shape).toEqual([1, 12, 16, 256]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBe(0);
    expect(tf.tidy(() => tf.mean(b).dataSync()[0]!)).toBeGreaterThan(0); // trained filters respond
    tf.dispose([photo, x, a, b]);
    stored.dispose();
    ours.dispose();
  });
});

describe.skipIf(hasWeights)('VGG19 with real weights', () => {
  it('needs CNN_WEIGHTS_PATH and CNN_DATA_PATH (CI sets them to ../shared)', () => {
    expect(hasWeights).toBe(false);
  });
});
