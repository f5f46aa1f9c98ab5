import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { FileNotFoundError, InvalidArgumentError, ShapeMismatchError, WeightsNotFoundError, ready } from '@cnn/ops';
import { expectNoLeaks, serveFolder } from '@cnn/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateScene } from '../data/synthetic-scenes.js';
import { createDetector, loadDetector, type DetectorFile } from './detector.js';
import { evaluateDetector } from './evaluate.js';
import { sceneToSample } from './samples.js';
import { shapesDetectorModel } from './shapes.js';

const anchors: [number, number][] = [
  [1, 1],
  [2, 2],
];
const labels = ['a', 'b', 'c'];
let dir: string;

beforeAll(async () => {
  await ready({ backend: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'cnn-detector-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A random-weight model whose head is biased so that many boxes clear a low threshold. */
function model() {
  const m = shapesDetectorModel({ inputSize: 48, filters: [4, 4, 8, 8, 8], anchors, classes: 3 });
  const conv = m.getLayer('shapes_conv');
  const [k, b] = conv.getWeights();
  conv.setWeights([k!, tf.tidy(() => tf.add(b!, tf.tile(tf.tensor1d([2, 0, 0, 0, 0, 0, 0, 0]), [2])))]);
  return m;
}

describe('createDetector / loadDetector', () => {
  it('detects on any picture size, boxes in its pixels, without leaking', async () => {
    const detector = createDetector(model(), { anchors, labels });
    expect(detector.inputSize).toEqual([48, 48]);
    const image = tf.randomUniform([30, 70, 3], 0, 255, 'float32', 1) as tf.Tensor3D;
    const found = await expectNoLeaks(() => detector.detect(image, { scoreThreshold: 0.05 }));
    expect(found.length).toBeGreaterThan(0);
    for (const d of found) {
      expect(d.format).toBe('xyxy');
      expect(labels[d.class]).toBe(d.label);
      expect(d.box[0]).toBeGreaterThanOrEqual(0);
      expect(d.box[2]).toBeLessThanOrEqual(70);
      expect(d.box[3]).toBeLessThanOrEqual(30);
    }
    image.dispose();
    detector.dispose();
  });

  it('save + loadDetector round-trips to identical detections', async () => {
    const detector = createDetector(model(), { anchors, labels }, { note: 'test' });
    const image = tf.randomUniform([48, 64, 3], 0, 255, 'int32', 2) as tf.Tensor3D;
    const before = await detector.detect(image, { scoreThreshold: 0.05 });
    await detector.save(join(dir, 'det'));
    const file = JSON.parse(await readFile(join(dir, 'det', 'detector.json'), 'utf8')) as DetectorFile;
    expect(file).toMatchObject({ format: 'cnn-yolo-detector', version: 1, anchors, labels, inputSize: [48, 48], normalize: 'divide255', info: { note: 'test' } });
    const loaded = await loadDetector(join(dir, 'det'));
    const after = await loaded.detect(image, { scoreThreshold: 0.05 });
    expect(before.length).toBeGreaterThan(0);
    expect(after).toEqual(before);
    // The same folder served over http (a web page's way): detector.json fetched, the weights through fetchModel.
    const served = await serveFolder(dir);
    const base = served.url.slice(0, -1);
    try {
      const tensors = tf.memory().numTensors;
      const fetched = await loadDetector(`${base}/det`);
      expect(fetched.labels).toEqual(labels);
      expect(await fetched.detect(image, { scoreThreshold: 0.05 })).toEqual(before);
      fetched.dispose();
      expect(tf.memory().numTensors).toBe(tensors);
      await expect(loadDetector(`${base}/nothing-here/`)).rejects.toThrow(WeightsNotFoundError);
    } finally {
      await served.close();
    }
    image.dispose();
    detector.dispose();
    loaded.dispose();
  });

  it('evaluateDetector gives an mAP in [0, 1] over samples and leaks nothing', async () => {
    const detector = createDetector(model(), { anchors, labels });
    const samples = [1, 2].map((seed) => sceneToSample(generateScene({ size: 48, seed, classes: ['sun', 'moon', 'star'] })));
    const r = await expectNoLeaks(() => evaluateDetector(detector, samples));
    expect(r.images).toBe(2);
    expect(r.map).toBeGreaterThanOrEqual(0);
    expect(r.map).toBeLessThanOrEqual(1);
    expect(r.groundTruth.length).toBe(samples.reduce((s, x) => s + x.boxes.length, 0));
    await expect(evaluateDetector(detector, (i) => samples[i % 2]!)).rejects.toThrow(/options\.count/);
    detector.dispose();
  });

  it('rejects mismatched configs and inputs with typed errors', async () => {
    const m = model();
    expect(() => createDetector(m, { anchors, labels: ['a'] })).toThrow(ShapeMismatchError);
    expect(() => createDetector(m, { anchors: [[1, 1]], labels })).toThrow(ShapeMismatchError);
    expect(() => createDetector(m, { anchors, labels, inputSize: [64, 64] })).toThrow(ShapeMismatchError);
    expect(() => createDetector(m, { anchors, labels: [] })).toThrow(InvalidArgumentError);
    const d = createDetector(m, { anchors, labels });
    await expect(d.detect(tf.zeros([8, 8, 1]) as tf.Tensor3D)).rejects.toThrow(InvalidArgumentError);
    await expect(loadDetector(join(dir, 'nothing-here'))).rejects.toThrow(FileNotFoundError);
    d.dispose();
  });
});
