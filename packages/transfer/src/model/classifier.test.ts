import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClassifier, type Classifier } from './classifier.js';
import { trainClassifier } from './train.js';
import { colorData, tinyBackbone } from './test-support/tiny.js';

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

let classifier: Classifier | undefined;
afterEach(() => {
  classifier?.dispose();
  classifier = undefined;
});

const movingStats = (c: Classifier) => c.backbone.model.layers.filter((l) => l.getClassName() === 'BatchNormalization').flatMap((l) => l.getWeights().slice(2).map((t) => Array.from(t.dataSync())));

describe('createClassifier', () => {
  it('backbone -> dropout -> dense head, backbone frozen; predict gives probabilities without leaks', async () => {
    classifier = createClassifier({ backbone: await tinyBackbone(), labels: ['red', 'green', 'blue'], seed: 1 });
    expect(classifier.model.layers.map((l) => l.name).slice(-3)).toEqual(['head_dropout', 'head_logits', 'head_softmax']);
    expect(classifier.trainableLayers().map((l) => l.name)).toEqual(['head_logits']);
    expect(classifier.trainableParams()).toBe(6 * 3 + 3);
    const { x, y } = colorData(4);
    const p = await expectNoLeaks(() => classifier!.predict(x), { allowReturned: true });
    expect(p.shape).toEqual([4, 3]);
    const sums = tf.sum(p, -1);
    expect(Array.from(sums.dataSync()).every((s) => Math.abs(s - 1) < 1e-5)).toBe(true);
    tf.dispose([x, y, p, sums]);
  });

  it('unfreezeTop(n) counts backbone layers with weights from the top and keeps BN frozen unless asked', async () => {
    classifier = createClassifier({ backbone: await tinyBackbone(), labels: ['a', 'b'], hidden: 5 });
    expect(classifier.backboneLayersWithWeights().map((l) => l.name)).toEqual(['conv1', 'bn1', 'conv2', 'bn2']);
    expect(classifier.unfreezeTop(2)).toEqual(['conv2']);
    expect(classifier.trainableLayers().map((l) => l.name)).toEqual(['conv2', 'head_hidden', 'head_logits']);
    expect(classifier.unfreezeTop(3, { trainBatchNorm: true })).toEqual(['bn1', 'conv2', 'bn2']);
    classifier.freezeBackbone();
    expect(classifier.trainableLayers().map((l) => l.name)).toEqual(['head_hidden', 'head_logits']);
    expect(() => classifier!.unfreezeTop(5)).toThrow(InvalidArgumentError);
  });

  it('classify resizes any picture, returns topK sorted labels, leaks nothing', async () => {
    classifier = createClassifier({ backbone: await tinyBackbone(), labels: ['red', 'green', 'blue'] });
    const img = tf.randomUniform([13, 11, 3], 0, 255, 'float32', 5) as tf.Tensor3D;
    const top = await expectNoLeaks(() => classifier!.classify(img, { topK: 2 }));
    expect(top).toHaveLength(2);
    expect(top[0]!.probability).toBeGreaterThanOrEqual(top[1]!.probability);
    expect(classifier.labels[top[0]!.classIndex]).toBe(top[0]!.label);
    await expect(classifier.classify(img, { topK: 4 })).rejects.toThrow(InvalidArgumentError);
    const gray = tf.zeros([8, 8, 1]) as tf.Tensor3D;
    await expect(classifier.classify(gray)).rejects.toThrow(ShapeMismatchError);
    tf.dispose([img, gray]);
  });

  it('checks its options with typed errors', async () => {
    const backbone = await tinyBackbone();
    expect(() => createClassifier({ backbone, labels: ['only'] })).toThrow(/at least 2 classes/);
    expect(() => createClassifier({ backbone, labels: ['a', 'a'] })).toThrow(InvalidArgumentError);
    expect(() => createClassifier({ backbone, labels: ['a', 'b'], dropout: 1 })).toThrow(/dropout/);
    expect(() => createClassifier({ backbone, labels: ['a', 'b'], classes: 3 })).toThrow(ShapeMismatchError);
    backbone.dispose();
  });

  it('sigmoid heads with one class work (multi-label / yes-no)', async () => {
    classifier = createClassifier({ backbone: await tinyBackbone(), labels: ['red'], activation: 'sigmoid', dropout: 0 });
    const { x, labels } = colorData(6);
    const y = tf.tensor2d(labels.map((l) => [l === 0 ? 1 : 0]));
    const h = await trainClassifier(classifier, { train: { x, y, batchSize: 6 }, epochs: 30, learningRate: 0.05, progress: false });
    expect(h.history.loss.at(-1)!).toBeLessThan(h.history.loss[0]!);
    tf.dispose([x, y]);
  });
});

describe('the Frozen-BN test: head training leaves the backbone untouched', () => {
  it('moving mean/variance and every backbone weight are bit-identical after training the head with training=true', async () => {
    classifier = createClassifier({ backbone: await tinyBackbone(), labels: ['red', 'green', 'blue'], seed: 3 });
    const statsBefore = movingStats(classifier);
    const weightsBefore = classifier.backbone.model.weights.map((w) => Array.from(w.read().dataSync()));
    const headBefore = Array.from(classifier.model.getLayer('head_logits').getWeights()[0]!.dataSync());
    const { x, y } = colorData(12, 8, 1);
    const h = await trainClassifier(classifier, { train: { x, y, batchSize: 4 }, epochs: 3, learningRate: 0.01, progress: false });
    expect(h.epochs).toHaveLength(3);
    expect(movingStats(classifier)).toEqual(statsBefore);
    expect(classifier.backbone.model.weights.map((w) => Array.from(w.read().dataSync()))).toEqual(weightsBefore);
    expect(Array.from(classifier.model.getLayer('head_logits').getWeights()[0]!.dataSync())).not.toEqual(headBefore);
    tf.dispose([x, y]);
  });

  it('…while unfrozen BN layers (trainBatchNorm) do update them: the test above can fail', async () => {
    classifier = createClassifier({ backbone: await tinyBackbone(), labels: ['red', 'green', 'blue'] });
    classifier.unfreezeTop(4, { trainBatchNorm: true });
    const statsBefore = movingStats(classifier);
    const { x, y } = colorData(8, 8, 2);
    await trainClassifier(classifier, { train: { x, y, batchSize: 4 }, epochs: 1, progress: false });
    expect(movingStats(classifier)).not.toEqual(statsBefore);
    tf.dispose([x, y]);
  });
});
