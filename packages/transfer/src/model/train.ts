/**
 * Training a transfer-learning classifier, in the style of the other packages' loops (yolo's trainDetector):
 * Adam on the trainable weights only, categorical (softmax) or binary (sigmoid) cross-entropy from logits with
 * optional class weights, Keras-like callbacks and early stopping, a terminal progress line, checkpoints a
 * later call resumes from, and an AbortSignal. Frozen batch-norm layers stay in inference mode (the Keras rule).
 *
 *   const history = await trainClassifier(classifier, { train, validation, epochs: 5, learningRate: 1e-3,
 *     earlyStopping: { monitor: 'val_loss', patience: 2, restoreBest: true }, checkpointDir: 'ckpt', resume: true });
 *   await fineTune(classifier, { unfreeze: 20, train, validation, epochs: 3 });   // learning rate 1e-5
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { AbortedError, CnnError, InvalidArgumentError, ShapeMismatchError, WeightsMismatchError, assertTensor, describeValue, fileSystem, writeFileAtomic } from '@cnn/ops';
import { assignWeightsByName } from '@cnn/architectures';
import { featureMoments, poolFeatures, type Classifier, type TrainingRunSummary } from './classifier.js';
import { applyPreprocessing } from './preprocessing.js';
import { checkImages } from './backbone.js';

/** One batch: x pictures [b, h, w, 3] 0-255 (or features), y one-hot [b, classes] (or class indices [b]). */
export interface LabeledBatch {
  x: tf.Tensor;
  y: tf.Tensor;
  /** When present, the loop calls it once the batch is used (createBatches' batches); else the tensors stay the caller's. */
  dispose?: () => void;
}

/** Tensors held in memory, split into shuffled mini-batches each epoch. The caller keeps owning them. */
export interface TensorData {
  x: tf.Tensor;
  y: tf.Tensor;
  /** Mini-batch size (default 32). */
  batchSize?: number;
}

/** Training data: batches (an async iterable such as createBatches(), one epoch per loop) or tensors. */
export type TrainData = AsyncIterable<LabeledBatch> | Iterable<LabeledBatch> | TensorData;

export type Monitor = 'val_loss' | 'val_acc' | 'loss' | 'acc';

/** Keras-style logs of one epoch. */
export interface EpochLogs {
  /** 1-based. */
  epoch: number;
  loss: number;
  acc: number;
  val_loss?: number;
  val_acc?: number;
  learningRate: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface BatchLogs {
  epoch: number;
  /** 1-based batch in the epoch. */
  batch: number;
  size: number;
  loss: number;
  acc: number;
}

/** What the progress display gets after every batch and at each epoch's end. */
export interface TrainProgress {
  /** 'start': the starting weights' validation scores (earlyStopping.includeStart), as epoch 0. */
  phase: 'start' | 'batch' | 'epoch';
  epoch: number;
  epochs: number;
  batch: number;
  /** Batches per epoch when known. */
  batches?: number;
  /** Running means over the epoch so far. */
  loss: number;
  acc: number;
  val_loss?: number;
  val_acc?: number;
  imagesPerSecond: number;
  /** Seconds left at the current pace, when the epoch length is known. */
  etaSeconds?: number;
}

export interface EarlyStoppingOptions {
  /** Default 'val_loss' ('loss' when there is no validation data). */
  monitor?: Monitor;
  /** Epochs without improvement before stopping (default 3). */
  patience?: number;
  /** Least change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Put back the best epoch's weights at the end (default true). */
  restoreBest?: boolean;
  /**
   * Score the weights training starts from on the validation data first (as "epoch 0") and count them as a
   * candidate: when no epoch beats them, restoreBest hands them back (Keras' ModelCheckpoint
   * initial_value_threshold). Needs a validation monitor. Default true in fineTune (fine-tuning never returns
   * weights that score worse on validation than the head it started from), false in the other loops.
   */
  includeStart?: boolean;
}

export interface TrainClassifierOptions {
  train: TrainData;
  validation?: TrainData;
  /** Epochs to reach (after a resume: the total, not the number left). Default 10. */
  epochs?: number;
  /** Default 1e-3 (fineTune: 1e-5). */
  learningRate?: number;
  /** 'adam' (default), 'sgd', 'rmsprop', or an optimizer you own. */
  optimizer?: 'adam' | 'sgd' | 'rmsprop' | tf.Optimizer;
  /** A weight per class (classWeights()): multiplies each picture's loss by its class's weight. */
  classWeights?: readonly number[];
  callbacks?: {
    onEpochEnd?: (epoch: number, logs: EpochLogs) => void | Promise<void>;
    onBatchEnd?: (batch: number, logs: BatchLogs) => void | Promise<void>;
  };
  earlyStopping?: EarlyStoppingOptions;
  /** Folder for checkpoints (the model after each epoch, the optimizer state, checkpoint.json). */
  checkpointDir?: string;
  /** Continue from checkpointDir's last epoch when there is one (default false). */
  resume?: boolean;
  /** Stops after the current batch; the history says `aborted`. */
  signal?: AbortSignal;
  /** true (default): a progress line on stderr; false: none; or your own display. */
  progress?: boolean | ((p: TrainProgress) => void);
  /** Seed of the shuffling of in-memory tensors and of the dropout masks (default 0): the same seed, the same run. */
  seed?: number;
}

export interface TrainHistory {
  epochs: EpochLogs[];
  /** Keras' History.history: one value per epoch and metric. */
  history: { loss: number[]; acc: number[]; val_loss?: number[]; val_acc?: number[] };
  monitor: Monitor;
  /** The epoch whose weights the model holds when restoreBest applies; 0: the starting weights (includeStart). */
  bestEpoch: number;
  bestValue: number;
  /** The starting weights' validation scores, when includeStart measured them. */
  start?: { val_loss: number; val_acc: number };
  stoppedEarly: boolean;
  aborted: boolean;
  resumedFromEpoch: number;
  /** Pictures (or feature vectors) trained on by this call, and its wall time. */
  images: number;
  seconds: number;
}

export interface FineTuneOptions extends Omit<TrainClassifierOptions, 'learningRate'> {
  /** Backbone layers with weights to unfreeze, counted from the top. */
  unfreeze: number;
  /** Default 1e-5, as the Keras guide: large steps would wreck the pretrained features. */
  learningRate?: number;
  /** Let unfrozen batch-norm layers train (default false: they stay in inference mode, as Keras' examples). */
  trainBatchNorm?: boolean;
}

/** checkpointDir's folder of an epoch's model; epoch 0's holds the starting weights (includeStart with restoreBest). */
const epochFolder = (epoch: number) => `epoch-${String(epoch).padStart(4, '0')}`;

/** checkpoint.json */
export interface CheckpointFile {
  format: 'cnn-transfer-checkpoint';
  version: 1;
  kind: TrainingRunSummary['kind'];
  /** Epochs finished. */
  epoch: number;
  /** Folder (in checkpointDir) of the last epoch's model and optimizer.bin. */
  last: string;
  /** Folder of the best epoch's model, when early stopping watches a metric. */
  best?: string;
  monitor: Monitor;
  bestEpoch: number;
  bestValue: number;
  /** Epochs since the last improvement (early stopping's counter). */
  wait: number;
  optimizer: { name: string; variables: number; weights: tf.io.WeightsManifestEntry[] } | null;
  history: EpochLogs[];
  /** The starting weights' validation scores (includeStart); their model is in `epoch-0000`. */
  start?: { val_loss: number; val_acc: number };
  labels: string[];
  savedAt: string;
}

/** What a training loop differentiates and how it feeds it. */
interface LoopSpec {
  kind: TrainingRunSummary['kind'];
  model: tfl.LayersModel;
  prepare: (x: tf.Tensor) => tf.Tensor;
  check: (x: tf.Tensor, argument: string) => void;
}

function fmtSeconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/** The one line the default display prints, e.g. `epoch 2/5 batch 7/20 loss 0.412 acc 0.875 31.2 img/s ETA 1m05s`. */
export function formatTrainProgress(p: TrainProgress): string {
  const val = p.val_loss !== undefined ? ` val_loss ${p.val_loss.toFixed(4)} val_acc ${(p.val_acc ?? NaN).toFixed(4)}` : '';
  if (p.phase === 'start') return `start (the weights training begins from):${val}`;
  return `epoch ${p.epoch}/${p.epochs} batch ${p.batch}${p.batches ? `/${p.batches}` : ''} loss ${p.loss.toFixed(4)} acc ${p.acc.toFixed(4)}${val} ${p.imagesPerSecond.toFixed(1)} img/s ETA ${fmtSeconds(p.etaSeconds)}`;
}

/** The default display: one self-rewriting line on a terminal; elsewhere a line per epoch. */
export function terminalTrainProgress(stream: { isTTY?: boolean; write(text: string): unknown } | undefined = typeof process !== 'undefined' ? process.stderr : undefined): (p: TrainProgress) => void {
  let last = 0;
  return (p) => {
    if (!stream) return;
    const now = Date.now();
    if (stream.isTTY) {
      if (p.phase !== 'batch') stream.write(`\r${formatTrainProgress(p)}\x1b[K\n`);
      else if (now - last >= 100) stream.write(`\r${formatTrainProgress(p)}\x1b[K`);
      else return;
      last = now;
    } else if (p.phase !== 'batch') {
      stream.write(`${formatTrainProgress(p)}\n`);
    }
  };
}

const isTensorData = (d: unknown): d is TensorData => d !== null && typeof d === 'object' && (d as TensorData).x instanceof tf.Tensor && (d as TensorData).y instanceof tf.Tensor;

function checkData(d: unknown, argument: string): void {
  if (isTensorData(d)) {
    const n = d.x.shape[0];
    if (d.y.shape[0] !== n) throw new ShapeMismatchError(argument, `x has ${n} rows but y has ${d.y.shape[0]}.`);
    if (d.batchSize !== undefined && (!Number.isInteger(d.batchSize) || d.batchSize < 1)) throw new InvalidArgumentError(`${argument}.batchSize`, 'an integer >= 1', describeValue(d.batchSize));
    return;
  }
  if (d !== null && typeof d === 'object' && (Symbol.asyncIterator in d || Symbol.iterator in d)) return;
  throw new InvalidArgumentError(argument, 'batches (an async iterable of { x, y }, e.g. createBatches()) or tensors { x, y, batchSize? }', describeValue(d));
}

function permutation(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0 || 0x9e3779b9;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** One epoch's batches. Tensor data is sliced (shuffled when `shuffle`); the slices are the loop's to dispose. */
async function* epochBatches(data: TrainData, epoch: number, seed: number, shuffle: boolean): AsyncGenerator<LabeledBatch> {
  if (isTensorData(data)) {
    const n = data.x.shape[0]!;
    const bs = data.batchSize ?? 32;
    const order = shuffle ? permutation(n, seed * 1_000_003 + epoch + 1) : Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < n; i += bs) {
      const idx = tf.tensor1d(order.slice(i, i + bs), 'int32');
      const x = tf.gather(data.x, idx);
      const y = tf.gather(data.y, idx);
      idx.dispose();
      yield { x, y, dispose: () => tf.dispose([x, y]) };
    }
    return;
  }
  const withEpoch = data as { epoch?: (i: number) => AsyncIterable<LabeledBatch> };
  const source: AsyncIterable<LabeledBatch> | Iterable<LabeledBatch> = typeof withEpoch.epoch === 'function' ? withEpoch.epoch(epoch) : data;
  for await (const b of source as AsyncIterable<LabeledBatch>) yield b;
}

/**
 * normalize: true and no statistics yet: one pass over the training data (epoch 0's batches, unshuffled
 * tensors) through the frozen backbone sets them. Data that can be looped only once cannot give them.
 */
async function adaptFromTrainingData(classifier: Classifier, spec: LoopSpec, data: TrainData, seed: number, signal: AbortSignal | undefined): Promise<void> {
  const repeatable = isTensorData(data) || typeof (data as { epoch?: unknown }).epoch === 'function' || Array.isArray(data);
  if (!repeatable) {
    throw new InvalidArgumentError('options.train', 'data that can be looped twice (createBatches(), tensors or an array of batches) to set the feature normalization first', 'a one-shot iterable', 'Or call classifier.adaptNormalization(features) before training.');
  }
  const feats: tf.Tensor[] = [];
  try {
    for await (const b of epochBatches(data, 0, seed, false)) {
      try {
        if (signal?.aborted) throw new AbortedError('feature normalization');
        spec.check(b.x, 'options.train x');
        // Pooled right away: only the feature vectors are kept (small), never the maps.
        feats.push(tf.tidy(() => poolFeatures(spec.kind === 'head-on-features' ? b.x : classifier.backbone.features(b.x as tf.Tensor4D), classifier.head.pooling)));
      } finally {
        b.dispose?.();
      }
    }
    if (feats.length === 0) throw new InvalidArgumentError('options.train', 'at least one batch', 'none');
    const { mean, variance } = featureMoments(feats, classifier.head.pooling);
    classifier.adaptNormalization({ mean, variance });
  } finally {
    tf.dispose(feats);
  }
}

function batchesPerEpoch(data: TrainData): number | undefined {
  if (isTensorData(data)) return Math.ceil(data.x.shape[0]! / (data.batchSize ?? 32));
  const steps = (data as { stepsPerEpoch?: unknown }).stepsPerEpoch;
  if (typeof steps === 'number') return steps;
  return Array.isArray(data) ? data.length : undefined;
}

/** y as float one-hot [b, classes] (class indices [b] are expanded). */
function targets(y: tf.Tensor, classes: number, argument: string): tf.Tensor2D {
  if (y.rank === 1) {
    return tf.tidy(() => tf.cast(tf.oneHot(tf.cast(y, 'int32') as tf.Tensor1D, classes), 'float32') as tf.Tensor2D);
  }
  if (y.rank !== 2 || y.shape[1] !== classes) throw new ShapeMismatchError(argument, `labels must be one-hot [b, ${classes}] or class indices [b], got [${y.shape}].`);
  return tf.cast(y, 'float32') as tf.Tensor2D;
}

/** Per-picture loss [b] from logits: softmax cross-entropy, or binary cross-entropy averaged over classes. */
export function classifierLoss(yTrue: tf.Tensor2D, logits: tf.Tensor2D, activation: 'softmax' | 'sigmoid', classWeights?: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    if (activation === 'softmax') {
      const ce = tf.neg(tf.sum(tf.mul(yTrue, tf.logSoftmax(logits)), -1));
      return (classWeights ? tf.mul(ce, tf.sum(tf.mul(yTrue, classWeights), -1)) : ce) as tf.Tensor1D;
    }
    // max(z, 0) - z y + log(1 + exp(-|z|)): stable for any logit.
    let bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, yTrue)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    if (classWeights) bce = tf.mul(bce, classWeights);
    return tf.mean(bce, -1) as tf.Tensor1D;
  });
}

/** Correct predictions in a batch (softmax: argmax; sigmoid: each class thresholded at 0.5, counted per class / classes). */
function correctCount(yTrue: tf.Tensor2D, logits: tf.Tensor2D, activation: 'softmax' | 'sigmoid'): tf.Scalar {
  return tf.tidy(() =>
    activation === 'softmax'
      ? tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), tf.argMax(yTrue, -1)), 'float32'))
      : tf.div(tf.sum(tf.cast(tf.equal(tf.greater(logits, 0), tf.greater(yTrue, 0.5)), 'float32')), yTrue.shape[1]!),
  );
}

function makeOptimizer(o: TrainClassifierOptions['optimizer'], lr: number): { optimizer: tf.Optimizer; owned: boolean; name: string } {
  if (o !== null && typeof o === 'object' && o instanceof tf.Optimizer) return { optimizer: o, owned: false, name: o.getClassName() };
  const name = o ?? 'adam';
  if (name === 'adam') return { optimizer: tf.train.adam(lr, 0.9, 0.999, 1e-7), owned: true, name };
  if (name === 'sgd') return { optimizer: tf.train.sgd(lr), owned: true, name };
  if (name === 'rmsprop') return { optimizer: tf.train.rmsprop(lr, 0.9, 0, 1e-7), owned: true, name };
  throw new InvalidArgumentError('options.optimizer', "'adam', 'sgd', 'rmsprop' or a tf.Optimizer", describeValue(o));
}

const better = (monitor: Monitor, value: number, best: number, minDelta: number) =>
  Number.isFinite(value) && (!Number.isFinite(best) || (monitor.endsWith('loss') ? value < best - minDelta : value > best + minDelta));

async function node() {
  return { fs: await import('node:fs/promises'), path: await import('node:path') };
}

/** Mean loss and accuracy over data, in inference mode (validation: class weights are not applied). */
async function evaluate(spec: LoopSpec, data: TrainData, classes: number, activation: 'softmax' | 'sigmoid', argument: string, signal?: AbortSignal): Promise<{ loss: number; acc: number; count: number }> {
  let loss = 0;
  let correct = 0;
  let count = 0;
  for await (const b of epochBatches(data, 0, 0, false)) {
    try {
      if (signal?.aborted) break;
      spec.check(b.x, `${argument} x`);
      const [l, c] = tf.tidy(() => {
        const y = targets(b.y, classes, `${argument} y`);
        const z = spec.model.apply(spec.prepare(b.x), { training: false }) as tf.Tensor2D;
        return [tf.sum(classifierLoss(y, z, activation)), correctCount(y, z, activation)];
      });
      loss += (await l.data())[0]!;
      correct += (await c.data())[0]!;
      count += b.x.shape[0]!;
      tf.dispose([l, c]);
    } finally {
      b.dispose?.();
    }
  }
  return { loss: count ? loss / count : NaN, acc: count ? correct / count : NaN, count };
}

function snapshot(model: tfl.LayersModel): Map<tfl.LayerVariable, tf.Tensor> {
  return new Map(model.weights.map((w) => [w, tf.clone(w.read())]));
}

function disposeSnapshot(s: Map<tfl.LayerVariable, tf.Tensor> | undefined): void {
  if (s) tf.dispose([...s.values()]);
}

async function loadModelWeights(model: tfl.LayersModel, dir: string): Promise<void> {
  const artifacts = await fileSystem(dir).load();
  if (!artifacts.weightSpecs || !artifacts.weightData) throw new WeightsMismatchError(`The checkpoint '${dir}' holds no weights.`);
  const named = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  try {
    assignWeightsByName(model, named);
  } finally {
    tf.dispose(Object.values(named));
  }
}

/** The shared loop of trainClassifier, fineTune and trainHeadOnFeatures. */
export async function runTraining(classifier: Classifier, spec: LoopSpec, options: TrainClassifierOptions, defaultLearningRate: number, defaultIncludeStart = false): Promise<TrainHistory> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', '{ train, epochs, ... }', describeValue(options));
  if (classifier.isDisposed) throw new InvalidArgumentError('classifier', 'a live classifier', 'a disposed one');
  checkData(options.train, 'options.train');
  if (options.validation !== undefined) checkData(options.validation, 'options.validation');
  const epochs = options.epochs ?? 10;
  if (!Number.isInteger(epochs) || epochs < 1) throw new InvalidArgumentError('options.epochs', 'an integer >= 1', describeValue(epochs));
  const lr = options.learningRate ?? defaultLearningRate;
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) throw new InvalidArgumentError('options.learningRate', 'a finite number > 0', describeValue(lr));
  const classes = classifier.classes;
  const activation = classifier.activation;
  const cw = options.classWeights;
  if (cw !== undefined && (!Array.isArray(cw) || cw.length !== classes || cw.some((w) => typeof w !== 'number' || !(w >= 0) || !Number.isFinite(w)))) {
    throw new InvalidArgumentError('options.classWeights', `${classes} finite weights >= 0 (one per class)`, describeValue(cw));
  }
  const es = options.earlyStopping;
  const monitor: Monitor = es?.monitor ?? (options.validation ? 'val_loss' : 'loss');
  if (!['val_loss', 'val_acc', 'loss', 'acc'].includes(monitor)) throw new InvalidArgumentError('options.earlyStopping.monitor', "'val_loss', 'val_acc', 'loss' or 'acc'", describeValue(monitor));
  if (monitor.startsWith('val_') && !options.validation) throw new InvalidArgumentError('options.validation', `validation data (earlyStopping monitors '${monitor}')`, 'undefined');
  const patience = es?.patience ?? 3;
  if (!Number.isInteger(patience) || patience < 0) throw new InvalidArgumentError('options.earlyStopping.patience', 'an integer >= 0', describeValue(patience));
  const minDelta = es?.minDelta ?? 0;
  const restoreBest = es ? (es.restoreBest ?? true) : false;
  if (es?.includeStart !== undefined && typeof es.includeStart !== 'boolean') throw new InvalidArgumentError('options.earlyStopping.includeStart', 'true or false', describeValue(es.includeStart));
  if (es?.includeStart === true && !monitor.startsWith('val_')) {
    throw new InvalidArgumentError('options.earlyStopping.includeStart', "true only with a validation monitor ('val_loss' or 'val_acc')", `monitor '${monitor}'`, 'Pass validation data and monitor val_loss or val_acc: training-set scores of the start and of an epoch are not comparable.');
  }
  const includeStart = es !== undefined && (es.includeStart ?? (defaultIncludeStart && monitor.startsWith('val_')));
  if (options.resume && !options.checkpointDir) throw new InvalidArgumentError('options.resume', 'true only with options.checkpointDir', 'true');
  if (options.checkpointDir !== undefined && (typeof options.checkpointDir !== 'string' || options.checkpointDir.length === 0)) throw new InvalidArgumentError('options.checkpointDir', 'a folder path', describeValue(options.checkpointDir));
  const seed = options.seed ?? 0;
  const progress = options.progress === false ? undefined : typeof options.progress === 'function' ? options.progress : terminalTrainProgress();

  const varList = spec.model.trainableWeights.map((w) => w.read() as tf.Variable);
  if (varList.length === 0) throw new InvalidArgumentError('classifier', 'at least one trainable layer', 'everything frozen', 'Unfreeze layers (unfreezeTop) or train the head.');
  const trainableLayers = classifier.trainableLayers().length;
  const { optimizer, owned, name: optimizerName } = makeOptimizer(options.optimizer, lr);
  const weightsTensor = cw ? tf.tensor1d(cw as number[]) : undefined;
  const history: EpochLogs[] = [];
  let startEpoch = 0;
  let bestValue = NaN;
  let bestEpoch = 0;
  let wait = 0;
  let best: Map<tfl.LayerVariable, tf.Tensor> | undefined;
  let start: { val_loss: number; val_acc: number } | undefined;
  const dir = options.checkpointDir;
  const started = Date.now();
  // tfjs' Dropout draws its mask with Math.random unless it has a seed, and a fixed seed would give the same
  // mask at every step; so each step gets its own seed from (options.seed, epoch, batch, layer): a rerun with
  // the same seed repeats the run. The layers' own seeds come back at the end.
  const dropouts = spec.model.layers.filter((l) => l.getClassName() === 'Dropout') as unknown as { seed?: number }[];
  const dropoutSeeds = dropouts.map((l) => l.seed);

  try {
    if (dir && options.resume) {
      const { fs, path } = await node();
      const text = await fs.readFile(path.join(dir, 'checkpoint.json'), 'utf8').catch(() => undefined);
      if (text !== undefined) {
        let ck: CheckpointFile;
        try {
          ck = JSON.parse(text) as CheckpointFile;
        } catch (err) {
          throw new WeightsMismatchError(`'${path.join(dir, 'checkpoint.json')}' is not valid JSON (${(err as Error).message}).`);
        }
        if (ck.format !== 'cnn-transfer-checkpoint') throw new WeightsMismatchError(`'${path.join(dir, 'checkpoint.json')}' is not a @cnn/transfer checkpoint (format ${describeValue(ck.format)}).`);
        if (ck.kind !== spec.kind) throw new InvalidArgumentError('options.checkpointDir', `a checkpoint of a '${spec.kind}' run`, `one of a '${ck.kind}' run`, 'Use another folder for each phase (head, fine-tune).');
        if (ck.labels.join('\n') !== classifier.labels.join('\n')) throw new ShapeMismatchError('options.checkpointDir', `the checkpoint's labels (${ck.labels.join(', ')}) differ from the classifier's (${classifier.labels.join(', ')}).`);
        await loadModelWeights(classifier.model, path.join(dir, ck.last));
        if (ck.optimizer) {
          if (ck.optimizer.name !== optimizerName || ck.optimizer.variables !== varList.length) {
            throw new InvalidArgumentError('options.optimizer', `the checkpoint's optimizer (${ck.optimizer.name} over ${ck.optimizer.variables} variables)`, `${optimizerName} over ${varList.length} variables`, 'Resume with the same optimizer and the same frozen layers.');
          }
          const bytes = await fs.readFile(path.join(dir, ck.last, 'optimizer.bin'));
          const named = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, ck.optimizer.weights);
          const list = Object.entries(named).map(([name, tensor]) => ({ name, tensor }));
          await optimizer.setWeights(list); // positional: the moments follow the trainable variables' order
          tf.dispose(list.map((n) => n.tensor));
        }
        startEpoch = ck.epoch;
        bestValue = ck.bestValue ?? NaN;
        bestEpoch = ck.bestEpoch ?? 0;
        wait = ck.wait ?? 0;
        history.push(...ck.history);
        if (ck.start) start = ck.start;
        if (restoreBest && ck.best && bestEpoch !== startEpoch) {
          const current = snapshot(classifier.model);
          await loadModelWeights(classifier.model, path.join(dir, ck.best));
          best = snapshot(spec.model);
          for (const [w, t] of current) w.write(t);
          disposeSnapshot(current);
        } else if (restoreBest && bestEpoch === startEpoch && bestEpoch > 0) {
          best = snapshot(spec.model);
        }
      }
    }
    if (classifier.head.normalize && !classifier.head.normalizeAdapted) {
      if (startEpoch > 0) classifier.head.normalizeAdapted = true; // the checkpoint's weights hold the statistics
      else await adaptFromTrainingData(classifier, spec, options.train, seed, options.signal);
    }
    const resumedFromEpoch = startEpoch;
    if (includeStart && startEpoch === 0 && !options.signal?.aborted) {
      const v = await evaluate(spec, options.validation!, classes, activation, 'options.validation', options.signal);
      const value = monitor === 'val_loss' ? v.loss : v.acc;
      if (v.count > 0 && Number.isFinite(value)) {
        start = { val_loss: v.loss, val_acc: v.acc };
        bestValue = value;
        bestEpoch = 0;
        if (restoreBest) {
          best = snapshot(spec.model);
          if (dir) {
            const { fs, path } = await node();
            await fs.mkdir(dir, { recursive: true });
            await classifier.model.save(fileSystem(path.join(dir, epochFolder(0))));
          }
        }
        progress?.({ phase: 'start', epoch: 0, epochs, batch: 0, loss: NaN, acc: NaN, ...start, imagesPerSecond: 0 });
      }
    }
    let images = 0;
    let trainSeconds = 0;
    let aborted = false;
    let stoppedEarly = false;
    let known = batchesPerEpoch(options.train);
    for (let epoch = startEpoch; epoch < epochs && !aborted && !stoppedEarly; epoch++) {
      const t0 = Date.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let batch = 0;
      for await (const b of epochBatches(options.train, epoch, seed, true)) {
        try {
          if (options.signal?.aborted) {
            aborted = true;
            break;
          }
          const s0 = Date.now();
          spec.check(b.x, 'options.train x');
          const y = targets(b.y, classes, 'options.train y');
          let accT: tf.Scalar | undefined;
          let lossT: tf.Scalar;
          try {
            dropouts.forEach((l, i) => (l.seed = stepSeed(seed, epoch, batch, i)));
            const { value, grads } = tf.variableGrads(() => {
              const z = spec.model.apply(spec.prepare(b.x), { training: true }) as tf.Tensor2D;
              accT = tf.keep(correctCount(y, z, activation));
              return tf.mean(classifierLoss(y, z, activation, weightsTensor));
            }, varList);
            lossT = value;
            optimizer.applyGradients(grads);
            tf.dispose(Object.values(grads));
          } finally {
            y.dispose();
          }
          const n = b.x.shape[0]!;
          const l = (await lossT.data())[0]!;
          const c = accT ? (await accT.data())[0]! : 0;
          tf.dispose([lossT, accT as tf.Tensor]);
          if (!Number.isFinite(l)) throw new CnnError('INVALID_ARGUMENT', `The loss became ${l} at epoch ${epoch + 1}, batch ${batch + 1}: lower the learning rate (now ${lr}), or check the labels and the preprocessing.`);
          lossSum += l * n;
          correct += c;
          seen += n;
          images += n;
          batch++;
          trainSeconds += (Date.now() - s0) / 1000;
          await options.callbacks?.onBatchEnd?.(batch, { epoch: epoch + 1, batch, size: n, loss: l, acc: c / n });
          const perBatch = trainSeconds / Math.max(1, images) ;
          progress?.({
            phase: 'batch',
            epoch: epoch + 1,
            epochs,
            batch,
            ...(known ? { batches: known } : {}),
            loss: lossSum / seen,
            acc: correct / seen,
            imagesPerSecond: images / Math.max(trainSeconds, 1e-9),
            ...(known ? { etaSeconds: perBatch * (seen / batch) * (known - batch + known * (epochs - epoch - 1)) } : {}),
          });
        } finally {
          b.dispose?.();
        }
      }
      if (aborted) break;
      if (seen === 0) throw new InvalidArgumentError('options.train', 'at least one batch per epoch', 'an empty epoch', 'An async generator can be looped only once; pass createBatches() (a new epoch per loop) or tensors.');
      known ??= batch;
      const logs: EpochLogs = { epoch: epoch + 1, loss: lossSum / seen, acc: correct / seen, learningRate: lr, seconds: (Date.now() - t0) / 1000, imagesPerSecond: 0 };
      if (options.validation) {
        const v = await evaluate(spec, options.validation, classes, activation, 'options.validation', options.signal);
        logs.val_loss = v.loss;
        logs.val_acc = v.acc;
      }
      logs.seconds = (Date.now() - t0) / 1000;
      logs.imagesPerSecond = seen / Math.max(logs.seconds, 1e-9);
      history.push(logs);
      const value = logs[monitor] ?? NaN;
      if (better(monitor, value, bestValue, minDelta)) {
        bestValue = value;
        bestEpoch = epoch + 1;
        wait = 0;
        if (restoreBest) {
          disposeSnapshot(best);
          best = snapshot(spec.model);
        }
      } else {
        wait++;
        if (es && wait > patience) stoppedEarly = true;
      }
      if (dir) await saveCheckpoint(dir, classifier, { spec, epoch: epoch + 1, monitor, bestEpoch, bestValue, wait, optimizer, optimizerName, variables: varList.length, history, keepBest: restoreBest, ...(start ? { start } : {}) });
      progress?.({ phase: 'epoch', epoch: epoch + 1, epochs, batch, ...(known ? { batches: known } : {}), loss: logs.loss, acc: logs.acc, ...(logs.val_loss !== undefined ? { val_loss: logs.val_loss, val_acc: logs.val_acc! } : {}), imagesPerSecond: logs.imagesPerSecond, etaSeconds: (trainSeconds / Math.max(1, epoch + 1 - startEpoch)) * (epochs - epoch - 1) });
      await options.callbacks?.onEpochEnd?.(epoch + 1, logs);
    }
    if (restoreBest && best && bestEpoch !== history.at(-1)?.epoch) for (const [w, t] of best) w.write(t);
    const out: TrainHistory = {
      epochs: history,
      history: {
        loss: history.map((h) => h.loss),
        acc: history.map((h) => h.acc),
        ...(history.some((h) => h.val_loss !== undefined) ? { val_loss: history.map((h) => h.val_loss ?? NaN), val_acc: history.map((h) => h.val_acc ?? NaN) } : {}),
      },
      monitor,
      bestEpoch,
      bestValue,
      ...(start ? { start } : {}),
      stoppedEarly,
      aborted,
      resumedFromEpoch,
      images,
      seconds: (Date.now() - started) / 1000,
    };
    const lastLogs = history.at(-1);
    classifier.trainingRuns.push({
      kind: spec.kind,
      epochs: history.length,
      learningRate: lr,
      trainableLayers,
      trainableParams: classifier.trainableParams(),
      final: lastLogs ? Object.fromEntries(Object.entries(lastLogs).filter(([k, v]) => typeof v === 'number' && ['loss', 'acc', 'val_loss', 'val_acc'].includes(k))) : {},
      ...(Number.isFinite(bestValue) ? { best: { monitor, value: bestValue, epoch: bestEpoch } } : {}),
      seconds: out.seconds,
      finishedAt: new Date().toISOString(),
    });
    return out;
  } finally {
    dropouts.forEach((l, i) => (l.seed = dropoutSeeds[i]));
    disposeSnapshot(best);
    weightsTensor?.dispose();
    if (owned) optimizer.dispose();
  }
}

/** A 31-bit seed per (run seed, epoch, batch, layer), all different for the steps of a run. */
function stepSeed(seed: number, epoch: number, batch: number, layer: number): number {
  let h = 0x811c9dc5 ^ (seed | 0);
  for (const v of [epoch, batch, layer]) h = Math.imul(h ^ v, 0x01000193) ^ (h >>> 15);
  return (h >>> 1) % 2147483647;
}

async function saveCheckpoint(
  dir: string,
  classifier: Classifier,
  s: { spec: LoopSpec; epoch: number; monitor: Monitor; bestEpoch: number; bestValue: number; wait: number; optimizer: tf.Optimizer; optimizerName: string; variables: number; history: EpochLogs[]; keepBest: boolean; start?: { val_loss: number; val_acc: number } },
): Promise<void> {
  const { fs, path } = await node();
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'checkpoint.json');
  const previous = await fs
    .readFile(file, 'utf8')
    .then((t) => JSON.parse(t) as CheckpointFile)
    .catch(() => undefined);
  const last = epochFolder(s.epoch);
  await classifier.model.save(fileSystem(path.join(dir, last)));
  const opt = await s.optimizer.getWeights();
  const encoded = await tf.io.encodeWeights(opt);
  await writeFileAtomic(path.join(dir, last, 'optimizer.bin'), new Uint8Array(encoded.data as ArrayBuffer));
  // The best epoch's folder is on disk when it is this epoch, the start (saved before epoch 1), or kept already.
  const onDisk = s.bestEpoch === s.epoch || (s.bestEpoch === 0 && s.start !== undefined) || (previous?.best !== undefined && previous.bestEpoch === s.bestEpoch);
  const best = s.keepBest && Number.isFinite(s.bestValue) && onDisk ? epochFolder(s.bestEpoch) : undefined;
  const ck: CheckpointFile = {
    format: 'cnn-transfer-checkpoint',
    version: 1,
    kind: s.spec.kind,
    epoch: s.epoch,
    last,
    ...(best ? { best } : {}),
    monitor: s.monitor,
    bestEpoch: s.bestEpoch,
    bestValue: s.bestValue,
    wait: s.wait,
    optimizer: { name: s.optimizerName, variables: s.variables, weights: encoded.specs },
    history: s.history,
    ...(s.start ? { start: s.start } : {}),
    labels: [...classifier.labels],
    savedAt: new Date().toISOString(),
  };
  await writeFileAtomic(file, JSON.stringify(ck, null, 1)); // the commit point
  // Only now drop epoch folders the new checkpoint.json does not name.
  for (const entry of await fs.readdir(dir)) {
    if (/^epoch-\d+$/.test(entry) && entry !== last && entry !== best) await fs.rm(path.join(dir, entry), { recursive: true, force: true });
  }
}

/** The loop spec for pictures through the whole classifier (backbone frozen or partly unfrozen). */
function pictureSpec(classifier: Classifier, kind: 'head' | 'fine-tune'): LoopSpec {
  const { inputShape, preprocessing } = classifier.backbone;
  return {
    kind,
    model: classifier.logitsModel,
    prepare: (x) => applyPreprocessing(x, preprocessing),
    check: (x, argument) => checkImages(x, inputShape, argument),
  };
}

/**
 * Trains the classifier on pictures (RGB 0-255) in place and returns its history. Only trainable layers
 * change: after createClassifier that is the head. Frozen batch-norm layers keep their statistics.
 */
export async function trainClassifier(classifier: Classifier, options: TrainClassifierOptions): Promise<TrainHistory> {
  return runTraining(classifier, pictureSpec(classifier, 'head'), options, 1e-3);
}

/**
 * Fine-tuning (the Keras guide's second phase): unfreezes the top `unfreeze` backbone layers with weights and
 * trains with a small learning rate (default 1e-5), batch-norm layers kept in inference mode. With validation
 * data and earlyStopping, the weights it starts from are scored first and count as a candidate
 * (`earlyStopping.includeStart`, default true here): if no epoch beats the head on validation, the head's
 * weights come back (`bestEpoch` 0).
 */
export async function fineTune(classifier: Classifier, options: FineTuneOptions): Promise<TrainHistory> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', '{ unfreeze, train, ... }', describeValue(options));
  classifier.unfreezeTop(options.unfreeze, { trainBatchNorm: options.trainBatchNorm ?? false });
  const { unfreeze: _u, trainBatchNorm: _t, ...rest } = options;
  return runTraining(classifier, pictureSpec(classifier, 'fine-tune'), rest, 1e-5, true);
}

/** @internal For feature-cache training. */
export function featureSpec(classifier: Classifier): LoopSpec {
  const shape = classifier.headLogits.inputs[0]!.shape.slice(1);
  return {
    kind: 'head-on-features',
    model: classifier.headLogits,
    prepare: (x) => x,
    check: (x, argument) => {
      assertTensor(x, argument, { dtype: 'float32' });
      if (x.shape.slice(1).join() !== shape.join()) throw new ShapeMismatchError(argument, `the head takes features [b, ${shape.join(', ')}], got [${x.shape}]. Were they cached with this classifier's backbone?`);
    },
  };
}
