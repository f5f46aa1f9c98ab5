import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClassifier, type Classifier } from './classifier.js';
import { cacheFeatures, trainHeadOnFeatures } from './feature-cache.js';
import { classifierLoss, fineTune, formatTrainProgress, trainClassifier, type CheckpointFile, type LabeledBatch, type TrainProgress } from './train.js';
import { colorData, tinyBackbone } from './test-support/tiny.js';

let dir: string;
beforeAll(async () => {
  await ready({ backend: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'cnn-transfer-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const made: Classifier[] = [];
afterEach(() => {
  for (const c of made.splice(0)) c.dispose();
});
async function make(dropout = 0): Promise<Classifier> {
  const c = createClassifier({ backbone: await tinyBackbone(), labels: ['red', 'green', 'blue'], dropout, seed: 7 });
  made.push(c);
  return c;
}
const weightsOf = (c: Classifier) => c.model.weights.map((w) => Array.from(w.read().dataSync()));
/** By name: unfreezing reorders model.weights (trainable ones first). */
const namedWeightsOf = (c: Classifier) => Object.fromEntries(c.model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));

/** An async iterable of batches with dispose(), like createBatches (a fresh pass per loop). */
function batchesOf(x: tf.Tensor4D, y: tf.Tensor2D, size: number): AsyncIterable<LabeledBatch> & { stepsPerEpoch: number; disposed: number } {
  const n = x.shape[0];
  const out = {
    stepsPerEpoch: Math.ceil(n / size),
    disposed: 0,
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < n; i += size) {
        const k = Math.min(size, n - i);
        const bx = tf.slice(x, [i, 0, 0, 0], [k, -1, -1, -1]);
        const by = tf.slice(y, [i, 0], [k, -1]);
        yield { x: bx, y: by, dispose: () => { tf.dispose([bx, by]); out.disposed++; } };
      }
    },
  };
  return out;
}

describe('classifierLoss', () => {
  it('softmax cross-entropy and stable binary cross-entropy match hand values, class weights scale each picture', () => {
    const y = tf.tensor2d([[1, 0], [0, 1]]);
    const z = tf.tensor2d([[2, 0], [0, 0]]);
    const ce = classifierLoss(y, z, 'softmax');
    // -log(e^2 / (e^2 + 1)) = log(1 + e^-2); -log(1/2)
    expect(Array.from(ce.dataSync())[0]).toBeCloseTo(Math.log(1 + Math.exp(-2)), 5);
    expect(Array.from(ce.dataSync())[1]).toBeCloseTo(Math.log(2), 5);
    const w = tf.tensor1d([3, 0.5]);
    const cew = classifierLoss(y, z, 'softmax', w);
    expect(Array.from(cew.dataSync())[0]).toBeCloseTo(3 * Math.log(1 + Math.exp(-2)), 5);
    expect(Array.from(cew.dataSync())[1]).toBeCloseTo(0.5 * Math.log(2), 5);
    const big = tf.tensor2d([[100, -100]]);
    const bce = classifierLoss(tf.tensor2d([[0, 1]]), big, 'sigmoid');
    expect(bce.dataSync()[0]).toBeCloseTo(100, 3); // finite where a naive log(sigmoid) overflows
    tf.dispose([y, z, ce, w, cew, big, bce]);
  });
});

describe('trainClassifier', () => {
  it('learns separable data from async batches, disposes them, calls back, leaks nothing', async () => {
    const c = await make(0.2);
    const { x, y } = colorData(24, 8, 0);
    const val = colorData(9, 8, 5);
    const batches = batchesOf(x, y, 8);
    const epochEnds: number[] = [];
    const batchEnds: number[] = [];
    const events: TrainProgress[] = [];
    const h = await expectNoLeaks(() =>
      trainClassifier(c, {
        train: batches,
        validation: { x: val.x, y: val.y },
        epochs: 12,
        learningRate: 0.05,
        callbacks: { onEpochEnd: (e) => void epochEnds.push(e), onBatchEnd: (b) => void batchEnds.push(b) },
        progress: (p) => events.push(p),
      }),
    );
    expect(batches.disposed).toBe(12 * 3);
    expect(epochEnds).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(batchEnds.slice(0, 3)).toEqual([1, 2, 3]);
    expect(h.history.loss).toHaveLength(12);
    expect(h.history.val_acc).toHaveLength(12);
    expect(h.history.loss.at(-1)!).toBeLessThan(h.history.loss[0]!);
    expect(h.history.val_acc!.at(-1)!).toBeGreaterThanOrEqual(0.8);
    expect(events.some((e) => e.phase === 'batch' && e.batches === 3 && e.etaSeconds !== undefined)).toBe(true);
    expect(formatTrainProgress(events.at(-1)!)).toMatch(/^epoch 12\/12 batch 3\/3 loss \d\.\d{4} acc \d\.\d{4} val_loss .* img\/s ETA /);
    expect(c.trainingRuns.at(-1)).toMatchObject({ kind: 'head', epochs: 12, learningRate: 0.05 });
    tf.dispose([x, y, val.x, val.y]);
  });

  it('early stopping on val_acc stops after `patience` flat epochs and restores the best weights', async () => {
    const c = await make();
    const { x, y } = colorData(12);
    // Validation labels that training cannot improve on: the monitor stays flat after epoch 1.
    const vy = tf.tensor2d(Array.from({ length: 12 }, () => [0, 0, 1]));
    const perEpoch: number[][][] = [];
    const h = await trainClassifier(c, {
      train: { x, y, batchSize: 4 },
      validation: { x, y: vy },
      epochs: 20,
      learningRate: 0.05,
      earlyStopping: { monitor: 'val_loss', patience: 1, restoreBest: true },
      callbacks: { onEpochEnd: () => void perEpoch.push(weightsOf(c)) },
      progress: false,
    });
    expect(h.stoppedEarly).toBe(true);
    expect(h.epochs.length).toBeLessThan(20);
    expect(h.epochs.length).toBe(h.bestEpoch + 2);
    expect(h.bestValue).toBe(Math.min(...h.history.val_loss!));
    expect(h.bestEpoch).toBeLessThan(h.epochs.length);
    expect(weightsOf(c)).toEqual(perEpoch[h.bestEpoch - 1]);
    expect(weightsOf(c)).not.toEqual(perEpoch.at(-1));
    tf.dispose([x, y, vy]);
  });

  it('the same seed repeats a run with dropout bit for bit; another seed draws other masks', async () => {
    const { x, y } = colorData(12);
    const run = async (seed: number) => {
      const c = await make(0.5);
      await trainClassifier(c, { train: { x, y, batchSize: 4 }, epochs: 3, learningRate: 0.05, seed, progress: false });
      return c;
    };
    const [a, b, other] = [await run(1), await run(1), await run(2)];
    expect(weightsOf(b)).toEqual(weightsOf(a));
    expect(weightsOf(other)).not.toEqual(weightsOf(a));
    // The dropout layer's own seed is back (none): predict and later runs are not pinned to one mask.
    const drop = a.model.layers.find((l) => l.getClassName() === 'Dropout') as unknown as { seed?: number };
    expect(drop).toBeDefined();
    expect(drop.seed).toBeUndefined();
    tf.dispose([x, y]);
  });

  it('class weights change what is learned; bad options are typed errors', async () => {
    const { x, y } = colorData(9);
    const a = await make();
    const b = await make();
    await trainClassifier(a, { train: { x, y }, epochs: 2, progress: false });
    await trainClassifier(b, { train: { x, y }, epochs: 2, classWeights: [5, 1, 0.1], progress: false });
    expect(weightsOf(a)).not.toEqual(weightsOf(b));
    await expect(trainClassifier(a, { train: { x, y }, classWeights: [1, 2], progress: false })).rejects.toThrow(InvalidArgumentError);
    await expect(trainClassifier(a, { train: { x, y: tf.zeros([9, 4]) }, progress: false })).rejects.toThrow(ShapeMismatchError);
    await expect(trainClassifier(a, { train: { x: tf.zeros([9, 5, 5, 3]), y }, progress: false })).rejects.toThrow(/8x8/);
    await expect(trainClassifier(a, { train: 'folder' as never, progress: false })).rejects.toThrow(InvalidArgumentError);
    await expect(trainClassifier(a, { train: { x, y }, earlyStopping: { monitor: 'val_acc' }, progress: false })).rejects.toThrow(/validation/);
    tf.dispose([x, y]);
  });

  it('an AbortSignal stops after the current batch and says so', async () => {
    const c = await make();
    const { x, y } = colorData(16);
    const ctl = new AbortController();
    const h = await trainClassifier(c, { train: { x, y, batchSize: 4 }, epochs: 5, signal: ctl.signal, callbacks: { onBatchEnd: (b) => (b === 2 ? ctl.abort() : undefined) }, progress: false });
    expect(h.aborted).toBe(true);
    expect(h.epochs).toHaveLength(0);
    expect(h.images).toBe(8);
    tf.dispose([x, y]);
  });

  it('checkpoints each epoch atomically and a resumed run ends where an uninterrupted one does', async () => {
    const { x, y } = colorData(12, 8, 3);
    const straight = await make();
    await trainClassifier(straight, { train: { x, y, batchSize: 4 }, epochs: 4, learningRate: 0.02, progress: false });
    const ck = join(dir, 'ck');
    const first = await make();
    await trainClassifier(first, { train: { x, y, batchSize: 4 }, epochs: 2, learningRate: 0.02, checkpointDir: ck, progress: false });
    const file = JSON.parse(await readFile(join(ck, 'checkpoint.json'), 'utf8')) as CheckpointFile;
    expect(file).toMatchObject({ format: 'cnn-transfer-checkpoint', kind: 'head', epoch: 2, last: 'epoch-0002' });
    expect((await readdir(ck)).sort()).toEqual(['checkpoint.json', 'epoch-0002']);
    const resumed = await make();
    const h = await trainClassifier(resumed, { train: { x, y, batchSize: 4 }, epochs: 4, learningRate: 0.02, checkpointDir: ck, resume: true, progress: false });
    expect(h.resumedFromEpoch).toBe(2);
    expect(h.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    const a = weightsOf(straight).flat();
    const b = weightsOf(resumed).flat();
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThan(1e-5);
    // Without the optimizer state or weights the run differs: the comparison can fail.
    const fresh = await make();
    await trainClassifier(fresh, { train: { x, y, batchSize: 4 }, epochs: 2, learningRate: 0.02, progress: false });
    expect(weightsOf(fresh)).not.toEqual(weightsOf(resumed));
    tf.dispose([x, y]);
  });

  it('fineTune unfreezes the top layers and trains them with a small default learning rate', async () => {
    const c = await make();
    const { x, y } = colorData(8);
    const conv2 = Array.from(c.model.getLayer('conv2').getWeights()[0]!.dataSync());
    const conv1 = Array.from(c.model.getLayer('conv1').getWeights()[0]!.dataSync());
    const h = await fineTune(c, { unfreeze: 2, train: { x, y }, epochs: 1, progress: false });
    expect(h.epochs[0]!.learningRate).toBe(1e-5);
    expect(Array.from(c.model.getLayer('conv2').getWeights()[0]!.dataSync())).not.toEqual(conv2);
    expect(Array.from(c.model.getLayer('conv1').getWeights()[0]!.dataSync())).toEqual(conv1);
    expect(c.trainingRuns.at(-1)!.kind).toBe('fine-tune');
    tf.dispose([x, y]);
  });

  /** A head trained on the true colors, then fine-tuned on wrong labels with a large step: validation gets worse. */
  async function headThenHarmfulFineTune() {
    const c = await make();
    const { x, y, labels } = colorData(12, 8, 5);
    await trainClassifier(c, { train: { x, y, batchSize: 4 }, epochs: 30, learningRate: 0.05, progress: false });
    const wrongY = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels.map((l) => (l + 1) % 3), 'int32'), 3), 'float32') as tf.Tensor2D);
    return { c, x, y, wrongY };
  }

  it('fineTune counts the weights it starts from: when no epoch beats them on validation, it hands them back', async () => {
    const { c, x, y, wrongY } = await headThenHarmfulFineTune();
    const before = namedWeightsOf(c);
    const seen: TrainProgress[] = [];
    const options = { unfreeze: 2, train: { x, y: wrongY, batchSize: 4 }, validation: { x, y }, epochs: 3, learningRate: 0.05, earlyStopping: { monitor: 'val_loss' as const, patience: 5 }, progress: (p: TrainProgress) => void seen.push(p) };
    const h = await expectNoLeaks(() => fineTune(c, options), { allowReturned: true });
    // Every epoch scored worse than the start, so the start is the best and its weights come back, bit for bit.
    expect(h.start).toBeDefined();
    expect(Math.min(...h.history.val_loss!)).toBeGreaterThan(h.start!.val_loss);
    expect(h.bestEpoch).toBe(0);
    expect(h.bestValue).toBe(h.start!.val_loss);
    expect(namedWeightsOf(c)).toEqual(before);
    expect(c.trainingRuns.at(-1)!.best).toEqual({ monitor: 'val_loss', value: h.start!.val_loss, epoch: 0 });
    expect(seen[0]).toMatchObject({ phase: 'start', epoch: 0, val_loss: h.start!.val_loss, val_acc: h.start!.val_acc });
    expect(formatTrainProgress(seen[0]!)).toMatch(/^start .*val_loss \d\.\d{4} val_acc \d\.\d{4}$/);
    // Switched off (Keras' EarlyStopping): the best epoch's weights come back, worse than the start.
    const { c: d, x: x2, y: y2, wrongY: w2 } = await headThenHarmfulFineTune();
    const h2 = await fineTune(d, { ...options, train: { x: x2, y: w2, batchSize: 4 }, validation: { x: x2, y: y2 }, earlyStopping: { monitor: 'val_loss', patience: 5, includeStart: false }, progress: false });
    expect(h2.start).toBeUndefined();
    expect(h2.bestEpoch).toBeGreaterThan(0);
    expect(namedWeightsOf(d)).not.toEqual(before);
    tf.dispose([x, y, wrongY, x2, y2, w2]);
  });

  it('includeStart keeps the starting weights across a checkpoint resume; it needs a validation monitor', async () => {
    const { c, x, y, wrongY } = await headThenHarmfulFineTune();
    const before = namedWeightsOf(c);
    const ck = join(dir, 'ck-start');
    const common = { unfreeze: 2, train: { x, y: wrongY, batchSize: 4 }, validation: { x, y }, learningRate: 0.05, earlyStopping: { monitor: 'val_loss' as const, patience: 5 }, checkpointDir: ck, progress: false };
    const first = await fineTune(c, { ...common, epochs: 2 });
    expect(first.bestEpoch).toBe(0);
    const file = JSON.parse(await readFile(join(ck, 'checkpoint.json'), 'utf8')) as CheckpointFile;
    expect(file).toMatchObject({ epoch: 2, bestEpoch: 0, best: 'epoch-0000', start: first.start });
    expect((await readdir(ck)).sort()).toEqual(['checkpoint.json', 'epoch-0000', 'epoch-0002']);
    // A new process: its classifier holds the last epoch's weights after the resume, then the start's at the end.
    const resumed = await headThenHarmfulFineTune();
    const h = await fineTune(resumed.c, { ...common, train: { x: resumed.x, y: resumed.wrongY, batchSize: 4 }, validation: { x: resumed.x, y: resumed.y }, epochs: 3, resume: true });
    expect(h.resumedFromEpoch).toBe(2);
    expect(h.bestEpoch).toBe(0);
    expect(h.start).toEqual(first.start);
    expect(namedWeightsOf(resumed.c)).toEqual(before);
    await expect(fineTune(c, { unfreeze: 2, train: { x, y }, epochs: 1, earlyStopping: { monitor: 'loss', includeStart: true }, progress: false })).rejects.toThrow(/includeStart.*validation monitor/s);
    await expect(fineTune(c, { unfreeze: 2, train: { x, y }, validation: { x, y }, epochs: 1, earlyStopping: { includeStart: 'yes' as never }, progress: false })).rejects.toThrow(InvalidArgumentError);
    // Head training does not score its random start unless asked.
    const head = await make();
    expect((await trainClassifier(head, { train: { x, y }, validation: { x, y }, epochs: 1, earlyStopping: {}, progress: false })).start).toBeUndefined();
    tf.dispose([x, y, wrongY, resumed.x, resumed.y, resumed.wrongY]);
  });
});

describe('feature caching', () => {
  it('caches backbone features once and trains the head on them to the same result as on pictures', async () => {
    const { x, y } = colorData(12, 8, 4);
    const onPictures = await make();
    const onFeatures = await make();
    await trainClassifier(onPictures, { train: { x, y, batchSize: 4 }, epochs: 3, learningRate: 0.01, progress: false, seed: 2 });
    const cache = await expectNoLeaks(() => cacheFeatures(onFeatures.backbone, batchesOf(x, y, 5)), { allowReturned: true });
    expect(cache.features.shape).toEqual([12, 6]);
    expect(cache.labels.shape).toEqual([12, 3]);
    await expectNoLeaks(() => trainHeadOnFeatures(onFeatures, { train: cache, batchSize: 4, epochs: 3, learningRate: 0.01, progress: false, seed: 2 }));
    const a = weightsOf(onPictures).flat();
    const b = weightsOf(onFeatures).flat();
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThan(1e-4);
    expect(onFeatures.trainingRuns.at(-1)!.kind).toBe('head-on-features');
    const wrong = tf.zeros([3, 7]);
    await expect(trainHeadOnFeatures(onFeatures, { train: { x: wrong, y: tf.zeros([3, 3]) }, progress: false })).rejects.toThrow(/Were they cached/);
    cache.dispose();
    tf.dispose([x, y, wrong]);
  });
});
