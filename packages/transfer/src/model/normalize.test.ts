/**
 * createClassifier({ normalize: true }): a frozen 'head_normalize' layer standardizes the features with their
 * per-channel mean and variance (Keras' Normalization.adapt), set from data. Checked against a plain-loop
 * mean/variance of the same features.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from './backbone.js';
import { loadClassifier, saveClassifier } from './bundle.js';
import { createClassifier, type Classifier } from './classifier.js';
import { cacheFeatures, trainHeadOnFeatures } from './feature-cache.js';
import { trainClassifier } from './train.js';
import { colorData, tinyBackbone, tinyFunctionalModel } from './test-support/tiny.js';

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

let classifier: Classifier | undefined;
afterEach(() => {
  classifier?.dispose();
  classifier = undefined;
});

/** Plain loops: per-column mean and population variance of rows [n][d]. */
function naiveMoments(rows: number[][]): { mean: number[]; variance: number[] } {
  const n = rows.length;
  const d = rows[0]!.length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / n);
  const variance = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / n);
  return { mean, variance };
}

const stats = (c: Classifier) => {
  const w = c.normalizationLayer()!.getWeights();
  return { gamma: Array.from(w[0]!.dataSync()), beta: Array.from(w[1]!.dataSync()), mean: Array.from(w[2]!.dataSync()), variance: Array.from(w[3]!.dataSync()) };
};

const close = (a: number[], b: number[], tol: number) => {
  expect(a).toHaveLength(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]!))));
};

describe('createClassifier({ normalize: true })', () => {
  it('adds a frozen head_normalize layer after pooling; trainHeadOnFeatures sets it from the cache and never trains it', async () => {
    classifier = createClassifier({ backbone: await tinyBackbone(), labels: ['r', 'g', 'b'], normalize: true, seed: 1 });
    expect(classifier.model.layers.map((l) => l.name).slice(-4)).toEqual(['head_normalize', 'head_dropout', 'head_logits', 'head_softmax']);
    expect(classifier.trainableLayers().map((l) => l.name)).toEqual(['head_logits']);
    expect(classifier.head).toMatchObject({ normalize: true, normalizeAdapted: false });
    const { x, y } = colorData(24);
    const cache = await cacheFeatures(classifier, [{ x, y }]);
    const reference = naiveMoments(cache.features.arraySync() as number[][]);
    await expectNoLeaks(() => trainHeadOnFeatures(classifier!, { train: cache, epochs: 3, learningRate: 0.05, progress: false }));
    expect(classifier.head.normalizeAdapted).toBe(true);
    const s = stats(classifier);
    close(s.mean, reference.mean, 1e-5);
    close(s.variance, reference.variance, 1e-4);
    expect(s.gamma).toEqual([1, 1, 1, 1, 1, 1]);
    expect(s.beta).toEqual([0, 0, 0, 0, 0, 0]);
    // A second run keeps the statistics (adapted once), and training never moves them.
    await trainHeadOnFeatures(classifier, { train: cache, epochs: 2, learningRate: 0.05, progress: false });
    expect(stats(classifier)).toEqual(s);
    // In the model the features come out standardized: (f - mean) / sqrt(var + 1e-6).
    const layer = classifier.normalizationLayer()!;
    const out = tf.tidy(() => layer.apply(cache.features, { training: true }) as tf.Tensor);
    const z = naiveMoments(out.arraySync() as number[][]);
    close(z.mean, [0, 0, 0, 0, 0, 0], 1e-4);
    z.variance.forEach((v, j) => expect(v).toBeCloseTo(reference.variance[j]! / (reference.variance[j]! + 1e-6), 4));
    tf.dispose([out, x, y]);
    cache.dispose();
  });

  it('trainClassifier on pictures sets it with one pass of the frozen backbone first (tensors or createBatches-like data)', async () => {
    classifier = createClassifier({ backbone: await tinyBackbone(), labels: ['r', 'g', 'b'], normalize: true, seed: 1 });
    const { x, y } = colorData(20, 8, 1);
    const f = classifier.backbone.features(x);
    const reference = naiveMoments(f.arraySync() as number[][]);
    f.dispose();
    const h = await expectNoLeaks(() => trainClassifier(classifier!, { train: { x, y, batchSize: 6 }, epochs: 4, learningRate: 0.05, progress: false }));
    const s = stats(classifier);
    close(s.mean, reference.mean, 1e-5);
    close(s.variance, reference.variance, 1e-4);
    expect(h.history.loss.at(-1)!).toBeLessThan(h.history.loss[0]!);
    tf.dispose([x, y]);
  });

  it('pools maps as the head pools them (max) before taking the statistics', async () => {
    const backbone = await loadBackbone(tinyFunctionalModel(8), { pooling: null, preprocessing: { mode: 'rescale', scale: 1 / 255, offset: 0 } });
    classifier = createClassifier({ backbone, labels: ['r', 'g', 'b'], pooling: 'max', normalize: true });
    const { x } = colorData(9, 8, 2);
    const maps = classifier.backbone.features(x);
    expect(maps.shape).toEqual([9, 8, 8, 6]);
    const m = maps.arraySync() as number[][][][];
    const pooled = m.map((img) => Array.from({ length: 6 }, (_, c) => Math.max(...img.flatMap((row) => row.map((px) => px[c]!)))));
    const reference = naiveMoments(pooled);
    await expectNoLeaks(() => classifier!.adaptNormalization(maps));
    const s = stats(classifier);
    close(s.mean, reference.mean, 1e-5);
    close(s.variance, reference.variance, 1e-4);
    tf.dispose([maps, x]);
  });

  it('survives saveClassifier / loadClassifier: same statistics, still frozen, identical predictions', async () => {
    classifier = createClassifier({ backbone: await tinyBackbone(), labels: ['r', 'g', 'b'], normalize: true, hidden: 4, seed: 3 });
    const { x, y } = colorData(12);
    await trainClassifier(classifier, { train: { x, y, batchSize: 6 }, epochs: 2, learningRate: 0.05, progress: false });
    const dir = await mkdtemp(join(tmpdir(), 'cnn-normalize-'));
    try {
      await saveClassifier(classifier, join(dir, 'c'));
      const loaded = await loadClassifier(join(dir, 'c'));
      expect(loaded.head).toMatchObject({ normalize: true, normalizeAdapted: true });
      expect(stats(loaded)).toEqual(stats(classifier));
      expect(loaded.normalizationLayer()!.trainable).toBe(false);
      expect(loaded.trainableLayers().map((l) => l.name)).toEqual(['head_hidden', 'head_logits']);
      const p1 = classifier.predict(x);
      const p2 = loaded.predict(x);
      expect(Array.from(p2.dataSync())).toEqual(Array.from(p1.dataSync()));
      // Training the reloaded one does not set the statistics again.
      const before = stats(loaded);
      await trainClassifier(loaded, { train: { x, y, batchSize: 6 }, epochs: 1, learningRate: 0.05, progress: false });
      expect(stats(loaded)).toEqual(before);
      tf.dispose([p1, p2]);
      loaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
      tf.dispose([x, y]);
    }
  });

  it('says what is wrong: a one-shot generator, wrong shapes, no normalization layer, a bad option', async () => {
    classifier = createClassifier({ backbone: await tinyBackbone(), labels: ['r', 'g', 'b'], normalize: true });
    const { x, y } = colorData(6);
    async function* once() {
      yield { x, y };
    }
    await expect(trainClassifier(classifier, { train: once(), epochs: 1, progress: false })).rejects.toThrow(/looped twice[\s\S]*adaptNormalization/);
    expect(classifier.head.normalizeAdapted).toBe(false);
    expect(() => classifier!.adaptNormalization(tf.zeros([2, 5]))).toThrow(ShapeMismatchError);
    expect(() => classifier!.adaptNormalization({ mean: [0, 0], variance: [1, 1] })).toThrow(/6 values/);
    expect(() => classifier!.adaptNormalization({ mean: [0, 0, 0, 0, 0, 0], variance: [1, 1, 1, -1, 1, 1] })).toThrow(InvalidArgumentError);
    classifier.adaptNormalization({ mean: [1, 2, 3, 4, 5, 6], variance: [1, 1, 1, 1, 1, 1] });
    expect(stats(classifier).mean).toEqual([1, 2, 3, 4, 5, 6]);
    const plain = createClassifier({ backbone: await tinyBackbone(), labels: ['r', 'g', 'b'] });
    expect(plain.normalizationLayer()).toBeUndefined();
    expect(() => plain.adaptNormalization({ mean: [0], variance: [1] })).toThrow(/normalize: true/);
    plain.dispose();
    await expect(async () => createClassifier({ backbone: await tinyBackbone(), labels: ['a', 'b'], normalize: 'yes' as unknown as boolean })).rejects.toThrow(/options.normalize/);
    tf.dispose([x, y]);
  });
});
