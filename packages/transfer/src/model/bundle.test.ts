import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { FileNotFoundError, UnsafePathError, WeightsNotFoundError, encodeImage, ready, writeFileAtomic } from '@cnn/ops';
import { expectNoLeaks, serveFolder } from '@cnn/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasKerasBatchNormRule } from './batch-norm-rule.js';
import { loadClassifier, saveClassifier, type ClassifierFile } from './bundle.js';
import { createClassifier } from './classifier.js';
import { cacheFeatures, trainHeadOnFeatures } from './feature-cache.js';
import { trainClassifier } from './train.js';
import { colorData, tinyBackbone } from './test-support/tiny.js';

let dir: string;
beforeAll(async () => {
  await ready({ backend: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'cnn-transfer-bundle-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveClassifier / loadClassifier', () => {
  it('writes one folder and reloads a classifier with identical predictions (tensor and file input)', async () => {
    const c = createClassifier({ backbone: await tinyBackbone(), labels: ['red', 'green', 'blue'], hidden: 4, seed: 2 });
    const { x, y } = colorData(12);
    await trainClassifier(c, { train: { x, y, batchSize: 6 }, epochs: 2, learningRate: 0.05, progress: false });
    c.unfreezeTop(1);
    const out = join(dir, 'colors');
    const file = await saveClassifier(c, out);
    const meta = JSON.parse(await readFile(join(out, 'classifier.json'), 'utf8')) as ClassifierFile;
    expect(meta).toEqual(file);
    expect(meta).toMatchObject({ format: 'cnn-transfer-classifier', labels: ['red', 'green', 'blue'], inputSize: [8, 8, 3], preprocessing: { mode: 'rescale' }, head: { classes: 3, hidden: 4, dropout: 0.2, activation: 'softmax' } });
    expect(meta.backbone).toMatchObject({ architecture: 'tiny', cutLayer: null, pooling: 'avg', featureShape: [6] });
    expect(meta.training[0]).toMatchObject({ kind: 'head', epochs: 2 });
    expect(JSON.parse(await readFile(join(out, 'labels.json'), 'utf8'))).toEqual(['red', 'green', 'blue']);

    const loaded = await loadClassifier(out);
    expect(loaded.labels).toEqual(c.labels);
    expect(loaded.trainingRuns).toEqual(c.trainingRuns);
    expect(loaded.model.layers.filter((l) => l.getClassName() === 'BatchNormalization').every(hasKerasBatchNormRule)).toBe(true);
    expect(loaded.trainableLayers().map((l) => l.name)).toEqual(c.trainableLayers().map((l) => l.name)); // frozen flags kept
    const p1 = c.predict(x);
    const p2 = loaded.predict(x);
    expect(Array.from(p2.dataSync())).toEqual(Array.from(p1.dataSync()));
    const img = tf.randomUniform([20, 15, 3], 0, 255, 'int32', 8) as tf.Tensor3D;
    const png = await encodeImage(img, { format: 'png' });
    const a = await c.classify(img, { topK: 3 });
    const b = await expectNoLeaks(() => loaded.classify(png, { topK: 3 }));
    expect(b).toEqual(a);
    expect(b.map((p) => p.label).sort()).toEqual(['blue', 'green', 'red']);

    // The reloaded head trains on cached features, and the model sees the change.
    const cache = await cacheFeatures(loaded, [{ x, y }]);
    await trainHeadOnFeatures(loaded, { train: cache, epochs: 1, learningRate: 0.1, progress: false });
    const p3 = loaded.predict(x);
    expect(Array.from(p3.dataSync())).not.toEqual(Array.from(p1.dataSync()));
    cache.dispose();
    tf.dispose([x, y, p1, p2, p3, img]);
    const before = tf.memory().numTensors;
    c.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });

  it('a missing folder is a FileNotFoundError', async () => {
    await expect(loadClassifier(join(dir, 'nothing-here'))).rejects.toThrow(FileNotFoundError);
  });

  it('loads the bundle from its URL (a browser\'s way) with identical predictions; a wrong URL is a clear error', async () => {
    const c = createClassifier({ backbone: await tinyBackbone(), labels: ['red', 'green', 'blue'], seed: 3 });
    const { x, y } = colorData(9);
    await trainClassifier(c, { train: { x, y }, epochs: 2, learningRate: 0.05, progress: false });
    const out = join(dir, 'served');
    await saveClassifier(c, out);
    // A model.json whose shard climbs out of its folder must not be followed.
    const evil = join(dir, 'evil');
    await saveClassifier(c, evil);
    const modelJson = JSON.parse(await readFile(join(evil, 'model.json'), 'utf8'));
    modelJson.weightsManifest[0].paths = ['../served/model.weights.bin'];
    await writeFileAtomic(join(evil, 'model.json'), JSON.stringify(modelJson));
    const served = await serveFolder(dir);
    const base = served.url.slice(0, -1);
    try {
      const before = tf.memory().numTensors;
      const fromFolder = await loadClassifier(out);
      const fromUrl = await loadClassifier(`${base}/served`);
      expect(fromUrl.labels).toEqual(c.labels);
      expect(fromUrl.trainingRuns).toEqual(c.trainingRuns);
      const p1 = fromFolder.predict(x);
      const p2 = fromUrl.predict(x);
      expect(Array.from(p2.dataSync())).toEqual(Array.from(p1.dataSync()));
      tf.dispose([p1, p2]);
      fromFolder.dispose();
      fromUrl.dispose();
      expect(tf.memory().numTensors).toBe(before);
      await expect(loadClassifier(`${base}/nothing-here/`)).rejects.toThrow(WeightsNotFoundError);
      await expect(loadClassifier(`${base}/nothing-here/`)).rejects.toThrow(/classifier\.json.*HTTP 404/);
      await expect(loadClassifier(`${base}/evil`)).rejects.toThrow(UnsafePathError);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await served.close();
      c.dispose();
      tf.dispose([x, y]);
    }
  });
});
