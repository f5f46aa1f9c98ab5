/**
 * Transfer learning on real data (CNN_WEIGHTS_PATH, CNN_DATA_PATH): the Darknet tiny ImageNet classifier
 * (ml5's darknet-tiny-imagenet), cut at leaky_re_lu_12 with average pooling, as a frozen backbone for the
 * sign-language digits (10 classes). A CI-sized run: 30 training pictures per class (from the same stratified
 * 70/15/15 split the full benchmark uses, bench/signs-transfer.mjs), 15 test pictures per class.
 *  - head only (features standardized: normalize: true), on cached features: test accuracy well above chance (the full benchmark reports >= 90%);
 *  - fine-tuning the top layers: batch-norm statistics of the frozen backbone do not move (Keras' rule);
 *  - the exported bundle reloads with identical predictions, on tensors and on the JPEG files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage, ready, resolveData } from '@cnn/ops';
import { afterAll, describe, expect, it } from 'vitest';
import { createBatches } from './data/image-batches.js';
import { readImageFolder } from '@cnn/ops';
import { splitStratified } from './data/split-stratified.js';
import { evaluateClassifier } from './metrics/evaluate.js';
import { loadBackbone } from './model/backbone.js';
import { loadClassifier, saveClassifier } from './model/bundle.js';
import { createClassifier } from './model/classifier.js';
import { cacheFeatures, trainHeadOnFeatures } from './model/feature-cache.js';
import { fineTune } from './model/train.js';

const has = Boolean(process.env['CNN_DATA_PATH'] && process.env['CNN_WEIGHTS_PATH']);

const perClass = <T extends { label: number }>(items: readonly T[], n: number): T[] => {
  const seen = new Map<number, number>();
  return items.filter((it) => {
    const k = seen.get(it.label) ?? 0;
    seen.set(it.label, k + 1);
    return k < n;
  });
};

/** Every BatchNormalization layer's moving mean and variance, copied out. */
const bnStats = (model: { layers: { getClassName(): string; name: string; getWeights(): tf.Tensor[] }[] }) =>
  Object.fromEntries(
    model.layers
      .filter((l) => l.getClassName() === 'BatchNormalization')
      .map((l) => {
        const w = l.getWeights();
        return [l.name, w.slice(-2).map((t) => Array.from(t.dataSync()))];
      }),
  );

describe.runIf(has)('darknet-tiny ImageNet -> sign-language digits', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('head only on cached features, then fine-tuning with frozen batch norm; the bundle reloads identically', async () => {
    const info = await ready({ backend: 'wasm' });
    const folder = await readImageFolder(await resolveData('sign-language-digits', { offline: true }));
    expect(folder.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const split = splitStratified(folder.items, { train: 0.7, val: 0.15, test: 0.15, seed: 0 });
    const train = perClass(split.train, 30);
    const test = perClass(split.test, 15);
    expect([train.length, test.length]).toEqual([300, 150]);
    const batches = (items: typeof train, shuffle: boolean) => createBatches(items, { batchSize: 25, imageSize: [224, 224], shuffle, seed: 1, numClasses: 10 });

    const backbone = await loadBackbone('darknet-tiny-imagenet', { cutLayer: 'leaky_re_lu_12', pooling: 'avg', inputShape: [224, 224, 3] });
    expect(backbone.featureShape).toEqual([512]);
    const classifier = createClassifier({ backbone, labels: folder.classNames, dropout: 0.2, normalize: true, seed: 1 });
    const bnBefore = bnStats(classifier.backbone.model);
    expect(Object.keys(bnBefore).length).toBe(12); // batch_normalization_1..12 below the cut

    let t0 = Date.now();
    const cache = await cacheFeatures(classifier, batches(train, false));
    const cacheSeconds = (Date.now() - t0) / 1000;
    t0 = Date.now();
    const head = await trainHeadOnFeatures(classifier, { train: cache, epochs: 60, learningRate: 1e-3, progress: false });
    const headSeconds = (Date.now() - t0) / 1000;
    cache.dispose();
    expect(head.history.loss.at(-1)!).toBeLessThan(head.history.loss[0]! / 3);
    const headEval = await evaluateClassifier(classifier, batches(test, false));
    expect(bnStats(classifier.backbone.model)).toEqual(bnBefore);

    t0 = Date.now();
    await fineTune(classifier, { unfreeze: 2, learningRate: 1e-5, epochs: 1, train: batches(train, true), progress: false });
    const ftSeconds = (Date.now() - t0) / 1000;
    const ftEval = await evaluateClassifier(classifier, batches(test, false));
    // conv2d_12 and batch_normalization_12 were unfrozen: the BN layer's gamma/beta may train, its moving
    // statistics stay (inference mode while frozen-by-rule), and every other layer is untouched.
    expect(bnStats(classifier.backbone.model)).toEqual(bnBefore);
    console.log(
      `signs (CI-sized: 300 train / 150 test, 224 px, ${info.backend}): features cached in ${cacheSeconds.toFixed(0)} s, head 60 epochs in ${headSeconds.toFixed(1)} s -> test accuracy ${(100 * headEval.accuracy).toFixed(1)}%; ` +
        `fine-tune 1 epoch (top 2 layers, lr 1e-5) in ${ftSeconds.toFixed(0)} s -> ${(100 * ftEval.accuracy).toFixed(1)}%`,
    );
    expect(headEval.accuracy).toBeGreaterThanOrEqual(0.8); // chance is 0.1; measured 0.873
    expect(ftEval.accuracy).toBeGreaterThanOrEqual(headEval.accuracy - 0.05);

    // Export and reload: same predictions on tensors and on the files.
    dir = await mkdtemp(join(tmpdir(), 'cnn-signs-'));
    await saveClassifier(classifier, join(dir, 'signs'));
    const loaded = await loadClassifier(join(dir, 'signs'));
    const sample = test.filter((_, i) => i % 15 === 0);
    const pictures = await Promise.all(sample.map((it) => decodeImage(it.path, { channels: 3 })));
    const x = tf.tidy(() => tf.stack(pictures.map((p) => tf.image.resizeBilinear(p, [224, 224]))) as tf.Tensor4D);
    tf.dispose(pictures);
    const p1 = classifier.predict(x);
    const p2 = loaded.predict(x);
    expect(Array.from(p2.dataSync())).toEqual(Array.from(p1.dataSync()));
    for (const it of sample.slice(0, 3)) {
      expect(await loaded.classify(it.path, { topK: 3 })).toEqual(await classifier.classify(it.path, { topK: 3 }));
    }
    tf.dispose([x, p1, p2]);
    const before = tf.memory().numTensors;
    loaded.dispose();
    classifier.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });
});
