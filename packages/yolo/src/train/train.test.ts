import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { hasKerasBatchNormRule } from '@cnn/architectures';
import { InvalidArgumentError, ShapeMismatchError, ready } from '@cnn/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateScene } from '../data/synthetic-scenes.js';
import { shapesDetectorModel } from './shapes.js';
import { sceneToSample, type TrainingSample } from './samples.js';
import { formatTrainProgress, terminalTrainingProgress, trainDetector, type CheckpointFile, type TrainProgress } from './train.js';

const anchors: [number, number][] = [
  [0.8, 0.8],
  [1.4, 1.4],
];
const classes = ['square', 'ring'] as const;
const tiny = () => shapesDetectorModel({ inputSize: 32, filters: [4, 8, 8, 8, 8], anchors, classes: 2 });
const scene = (seed: number) => sceneToSample(generateScene({ size: 32, seed, classes: [...classes], maxObjects: 2, minObjectSize: 0.3, maxObjectSize: 0.6 }));
const samples: TrainingSample[] = [1, 2, 3, 4].map(scene);
const quiet = () => undefined;
let dir: string;

beforeAll(async () => {
  await ready({ backend: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'cnn-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trainDetector', () => {
  it('Adam steps lower the YOLO loss on a fixed batch, with no tensor growth across steps', async () => {
    const model = tiny();
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const history = await trainDetector({
      model,
      anchors,
      classes,
      dataset: samples,
      epochs: 12,
      batchSize: 4,
      learningRate: 1e-2,
      augment: false,
      onProgress: (p) => {
        if (p.phase === 'epoch') counts.push(tf.memory().numTensors);
      },
    });
    const losses = history.epochs.map((e) => e.loss.total);
    expect(losses).toHaveLength(12);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!, losses.map((l) => l.toFixed(2)).join(' ')).toBeLessThan(losses[0]! * 0.7);
    // After the first step (Adam creates its moments), the tensor count stays flat.
    expect(new Set(counts.slice(1)).size, counts.join(' ')).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    expect(history.backend).toBe('wasm');
    expect(history.steps).toBe(12);
    model.dispose();
  });

  it('trains from a generator with augmentation and reports progress lines', async () => {
    const model = tiny();
    const events: TrainProgress[] = [];
    const lines: string[] = [];
    const display = terminalTrainingProgress({ isTTY: false, write: (t: string) => lines.push(t) }, { intervalMs: 0 });
    const history = await trainDetector({
      model,
      anchors,
      classes,
      dataset: (i) => scene(100 + i),
      epochs: 2,
      stepsPerEpoch: 2,
      batchSize: 2,
      onProgress: (p) => {
        events.push(p);
        display(p);
      },
    });
    expect(history.epochs).toHaveLength(2);
    expect(events.filter((e) => e.phase === 'step')).toHaveLength(4);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ phase: 'epoch', epoch: 2, epochs: 2, globalStep: 4, totalSteps: 4 });
    expect(last.imagesPerSecond).toBeGreaterThan(0);
    expect(lines.filter((l) => l.startsWith('[epoch]'))).toHaveLength(2);
    expect(formatTrainProgress(last)).toMatch(/^epoch 2\/2 step 2\/2 loss [\d.]+ \(coord [\d.]+ obj [\d.]+ noobj [\d.]+ class [\d.]+\) lr .+ img\/s ETA /);
    model.dispose();
  });

  it('checkpoints last and best, and a resumed run ends with the same weights as an uninterrupted one', async () => {
    const base = { anchors, classes, dataset: samples, batchSize: 2, learningRate: 5e-3, seed: 3, onProgress: quiet, validation: { dataset: samples.slice(0, 2) } };
    const reference = tiny();
    const init = reference.getWeights().map((w) => tf.clone(w));
    await trainDetector({ ...base, model: reference, epochs: 3 });

    const ck = join(dir, 'resume');
    const first = tiny();
    first.setWeights(init);
    const h1 = await trainDetector({ ...base, model: first, epochs: 2, checkpointDir: ck });
    expect(h1.epochs.every((e) => Number.isFinite(e.map))).toBe(true);
    const file = JSON.parse(await readFile(join(ck, 'checkpoint.json'), 'utf8')) as CheckpointFile;
    expect(file).toMatchObject({ format: 'cnn-yolo-checkpoint', epoch: 2, globalStep: 4, stepsPerEpoch: 2, labels: [...classes], inputSize: [32, 32] });
    expect(file.optimizer.name).toBe('adam');
    for (const f of ['last/model.json', 'last/detector.json', 'last/optimizer.bin', 'best/model.json', 'best/detector.json']) expect((await stat(join(ck, f))).size, f).toBeGreaterThan(0);

    const resumed = tiny(); // fresh weights: everything must come from the checkpoint
    const h2 = await trainDetector({ ...base, model: resumed, epochs: 3, checkpointDir: ck, resume: true });
    expect(h2.resumedFromEpoch).toBe(2);
    expect(h2.steps).toBe(2);
    expect(h2.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    const a = reference.getWeights();
    const b = resumed.getWeights();
    expect(b).toHaveLength(a.length);
    a.forEach((w, i) => {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(w, b[i]!))).dataSync()[0]!);
      expect(diff, `weight ${i} (${w.shape})`).toBeLessThan(1e-5);
    });
    tf.dispose(init);
    [reference, first, resumed].forEach((m) => m.dispose());
  });

  it('keeps the batch norm of a frozen backbone as it was (the Keras rule); unfrozen BN layers train', async () => {
    const model = tiny();
    const frozen = ['stage1_conv', 'stage1_bn'].map((n) => model.getLayer(n));
    for (const l of frozen) l.trainable = false;
    const frozenBn = model.getLayer('stage1_bn');
    const liveBn = model.getLayer('stage5_bn');
    const values = (l: { getWeights(): tf.Tensor[] }) => l.getWeights().map((w) => Array.from(w.dataSync()));
    const frozenBefore = frozen.map(values); // conv kernel; BN gamma, beta, moving mean, moving variance
    const liveBefore = values(liveBn).slice(2);
    const run = () => trainDetector({ model, anchors, classes, dataset: samples, epochs: 1, batchSize: 2, learningRate: 1e-2, augment: false, onProgress: quiet });

    expect((await run()).steps).toBe(2);
    expect(hasKerasBatchNormRule(frozenBn)).toBe(true);
    expect(frozen.map(values)).toEqual(frozenBefore); // bit-identical
    const liveAfter = values(liveBn).slice(2);
    expect(liveAfter[0]).not.toEqual(liveBefore[0]);
    expect(liveAfter[1]).not.toEqual(liveBefore[1]);

    // The flag is read at call time: unfrozen, the same layer updates its statistics on the next call.
    frozenBn.trainable = true;
    await run();
    const [, , mean, variance] = values(frozenBn);
    expect(mean).not.toEqual(frozenBefore[1]![2]);
    expect(variance).not.toEqual(frozenBefore[1]![3]);
    model.dispose();
  });

  it('stops on an aborted signal', async () => {
    const model = tiny();
    const controller = new AbortController();
    controller.abort();
    const h = await trainDetector({ model, anchors, classes, dataset: samples, epochs: 3, batchSize: 2, onProgress: quiet, signal: controller.signal });
    expect(h).toMatchObject({ aborted: true, steps: 0 });
    expect(h.epochs).toHaveLength(0);
    model.dispose();
  });

  it('rejects bad options with typed errors', async () => {
    const model = tiny();
    await expect(trainDetector({ model, anchors, classes, dataset: (i) => scene(i), onProgress: quiet })).rejects.toThrow(/stepsPerEpoch/);
    await expect(trainDetector({ model, anchors, classes: ['one'], dataset: samples, onProgress: quiet })).rejects.toThrow(InvalidArgumentError);
    await expect(trainDetector({ model, anchors: [[1, 1]], classes, dataset: samples, onProgress: quiet })).rejects.toThrow(ShapeMismatchError);
    await expect(trainDetector({ model, anchors, classes, dataset: samples, resume: true, onProgress: quiet })).rejects.toThrow(/checkpointDir/);
    await expect(trainDetector({ model, anchors, classes, dataset: samples, batchSize: 0, onProgress: quiet })).rejects.toThrow(/batchSize/);
    const bad: TrainingSample[] = [{ ...samples[0]!, boxes: [{ box: [1, 1, 9, 9], class: 5 }] }];
    await expect(trainDetector({ model, anchors, classes, dataset: bad, batchSize: 1, epochs: 1, onProgress: quiet })).rejects.toThrow(InvalidArgumentError);
    model.dispose();
  });
});
