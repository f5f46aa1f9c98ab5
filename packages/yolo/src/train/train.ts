/**
 * Training a YOLOv2-style detector, the course's loop: for each batch, augment the pictures (moving their
 * boxes), encode the boxes as grid targets (encodeTargetsBatch, sizeEncoding 'logAnchor'), run the model,
 * take the YOLO loss (yoloLoss) and let Adam step. Progress on a terminal line, optional validation mAP,
 * checkpoints (last and best) that a later call resumes from, and an AbortSignal to stop. Frozen batch-norm
 * layers follow the Keras rule (applyKerasBatchNormRule): they run in inference mode during training.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { applyKerasBatchNormRule } from '@cnn/architectures';
import { InvalidArgumentError, ShapeMismatchError, assertFiniteNumber, describeValue, ready, shuffleInPlace, writeFileAtomic, type BackendName } from '@cnn/ops';
import { createRng, mixSeed } from '../data/prng.js';
import { encodeTargetsBatch } from '../targets/encode-targets.js';
import { readAnchors, type Anchor } from '../targets/grid-spec.js';
import { yoloLoss, type YoloLossOptions } from '../targets/yolo-loss.js';
import { augmentDetection, readAugmentOptions, type AugmentBox, type AugmentOptions } from './augment.js';
import { createDetector, loadDetector } from './detector.js';
import { evaluateDetector } from './evaluate.js';
import { sampleReader, type SampleSource } from './samples.js';

/** Where training stands, given to `onProgress` after every step and at each epoch's end. */
export interface TrainProgress {
  phase: 'step' | 'epoch';
  /** 1-based epoch. */
  epoch: number;
  epochs: number;
  /** 1-based step in the epoch. */
  step: number;
  stepsPerEpoch: number;
  /** Steps done since the start of training (also before a resume). */
  globalStep: number;
  totalSteps: number;
  /** Mean loss terms over the epoch so far. */
  loss: LossValues;
  learningRate: number;
  imagesPerSecond: number;
  /** Seconds left at the current pace (validation not counted). */
  etaSeconds: number;
  /** Validation mAP of this epoch (phase 'epoch', when validated). */
  map?: number;
  bestMap?: number;
}

export interface LossValues {
  total: number;
  coord: number;
  objectness: number;
  noObject: number;
  class: number;
}

export interface EpochRecord {
  epoch: number;
  loss: LossValues;
  learningRate: number;
  seconds: number;
  imagesPerSecond: number;
  map?: number;
}

export interface TrainHistory {
  epochs: EpochRecord[];
  /** Best validation mAP and its epoch (NaN / 0 without validation). */
  bestMap: number;
  bestEpoch: number;
  /** Steps run by this call, and the global step reached. */
  steps: number;
  globalStep: number;
  /** Wall time of this call. */
  seconds: number;
  backend: string;
  /** The epoch this call started from (> 0 after a resume). */
  resumedFromEpoch: number;
  /** True when the signal stopped training early. */
  aborted: boolean;
}

export interface LearningRateContext {
  epoch: number;
  globalStep: number;
  totalSteps: number;
}

export interface ValidationOptions {
  dataset: SampleSource;
  /** Validate every this many epochs (default 1), and always after the last. */
  every?: number;
  /** Samples to draw from a generator (required then). */
  count?: number;
}

export interface TrainDetectorOptions {
  /**
   * A YOLOv2-head model (yoloHead): input [batch, h, w, 3] (pixels / 255), output [batch, S, S, B, 5 + C].
   * Its BatchNormalization layers get the Keras frozen-BN rule (applyKerasBatchNormRule; it stays on the
   * model): one frozen when the model runs (`trainable = false`, its own or its nested model's) normalizes
   * with its moving mean and variance and keeps them, gamma and beta unchanged; unfrozen ones train as usual.
   */
  model: tfl.LayersModel;
  /** Anchor shapes [width, height] in grid cells (B of them). */
  anchors: readonly Anchor[];
  /** Class names (their count is C). Default: the dataset's classNames. */
  classes?: readonly string[];
  /** Training pictures (see SampleSource). */
  dataset: SampleSource;
  /** Epochs to reach (default 10); after a resume, the total, not the number still to run. */
  epochs?: number;
  /** Steps per epoch (default: ceil(dataset size / batchSize); required with a generator). */
  stepsPerEpoch?: number;
  /** Pictures per step (default 16). */
  batchSize?: number;
  /** Adam's learning rate, or a schedule (default 1e-3). */
  learningRate?: number | ((context: LearningRateContext) => number);
  /** Augmentation (default true: the augmentDetection defaults); false turns it off. */
  augment?: boolean | AugmentOptions;
  /** Loss weights (sizeEncoding is always 'logAnchor'). */
  loss?: Omit<YoloLossOptions, 'sizeEncoding' | 'layout'>;
  /** Seed of the shuffling and augmentation draws (default 0). */
  seed?: number;
  /** mAP@0.5 on held-out pictures every few epochs; the best epoch is kept as the 'best' checkpoint. */
  validation?: ValidationOptions;
  /** Called after every step and each epoch. Default: terminalTrainingProgress(). */
  onProgress?: (progress: TrainProgress) => void;
  /** Folder for checkpoints: `last/` and `best/` (each a loadDetector folder) and `checkpoint.json`. */
  checkpointDir?: string;
  /** Continue from `checkpointDir`'s last checkpoint when there is one (default false). */
  resume?: boolean;
  /** Stops training after the current step; the last finished epoch's checkpoint stays. */
  signal?: AbortSignal;
  /** Backend to train on (default 'wasm', which has @cnn/ops' training kernels); false keeps the current one. */
  backend?: BackendName | false;
}

/** checkpoint.json */
export interface CheckpointFile {
  format: 'cnn-yolo-checkpoint';
  version: 1;
  /** Epochs finished. */
  epoch: number;
  globalStep: number;
  stepsPerEpoch: number;
  batchSize: number;
  seed: number;
  optimizer: { name: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number; weights: tf.io.WeightsManifestEntry[] };
  bestMap: number;
  bestEpoch: number;
  history: EpochRecord[];
  anchors: Anchor[];
  labels: string[];
  inputSize: [number, number];
  savedAt: string;
}

const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/** The one-line description of a progress event the default display prints. */
export function formatTrainProgress(p: TrainProgress): string {
  const l = p.loss;
  const map = p.map !== undefined ? ` mAP@0.5 ${p.map.toFixed(3)} (best ${(p.bestMap ?? p.map).toFixed(3)})` : '';
  return (
    `epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch} loss ${l.total.toFixed(3)} ` +
    `(coord ${l.coord.toFixed(3)} obj ${l.objectness.toFixed(3)} noobj ${l.noObject.toFixed(3)} class ${l.class.toFixed(3)}) ` +
    `lr ${p.learningRate.toExponential(1)} ${p.imagesPerSecond.toFixed(1)} img/s ETA ${formatSeconds(p.etaSeconds)}${map}`
  );
}

/**
 * The default progress display: on a terminal one self-rewriting line, elsewhere (logs, pipes) a line every
 * `intervalMs` (default 15 s) and one per epoch.
 */
export function terminalTrainingProgress(
  stream: { isTTY?: boolean; write(text: string): unknown } | undefined = typeof process !== 'undefined' ? process.stderr : undefined,
  options: { intervalMs?: number } = {},
): (p: TrainProgress) => void {
  let last = 0;
  return (p) => {
    if (!stream) return;
    const now = Date.now();
    const line = formatTrainProgress(p);
    if (stream.isTTY) {
      if (p.phase === 'epoch') stream.write(`\r${line}\x1b[K\n`);
      else if (now - last >= 100) stream.write(`\r${line}\x1b[K`);
      else return;
    } else {
      if (p.phase === 'step' && now - last < (options.intervalMs ?? 15_000)) return;
      stream.write(`${p.phase === 'epoch' ? '[epoch] ' : ''}${line}\n`);
    }
    last = now;
  };
}

/** A cosine learning-rate schedule with linear warm-up, for `learningRate`. */
export function cosineLearningRate(base: number, options: { warmupSteps?: number; min?: number } = {}): (c: LearningRateContext) => number {
  assertFiniteNumber(base, 'base', { min: 0 });
  const warmup = options.warmupSteps ?? 0;
  const min = options.min ?? base * 0.02;
  return ({ globalStep, totalSteps }) => {
    if (globalStep < warmup) return (base * (globalStep + 1)) / warmup;
    const t = Math.min(1, (globalStep - warmup) / Math.max(1, totalSteps - warmup));
    return min + (base - min) * 0.5 * (1 + Math.cos(Math.PI * t));
  };
}

function posInt(v: unknown, name: string, fallback?: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || (x as number) < 1) throw new InvalidArgumentError(name, 'an integer >= 1', describeValue(v));
  return x as number;
}

async function exists(path: string): Promise<boolean> {
  const { stat } = await import('node:fs/promises');
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Trains `model` (a yoloHead model) on `dataset` and returns the history. The model is trained in place. A
 * frozen backbone stays as it was, batch-norm statistics included: the Keras frozen-BN rule is installed on
 * the model's BN layers first (tfjs-layers alone would let each batch overwrite their moving averages), and
 * it reads `trainable` at every call, so freezing or unfreezing between calls takes effect.
 *
 *     const history = await trainDetector({ model, anchors, classes: ['raccoon'], dataset: train,
 *       epochs: 30, batchSize: 8, validation: { dataset: test }, checkpointDir: 'ckpt', resume: true });
 */
export async function trainDetector(options: TrainDetectorOptions): Promise<TrainHistory> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { model, anchors, dataset, ... }', describeValue(options));
  const { model } = options;
  if (!(model instanceof tfl.LayersModel)) throw new InvalidArgumentError('options.model', 'a tfjs-layers model with a YOLOv2 head (yoloHead)', describeValue(model));
  const anchors = readAnchors(options.anchors, 'options.anchors');
  const inShape = model.inputs[0]?.shape;
  const outShape = model.outputs[0]?.shape;
  if (!inShape || inShape.length !== 4 || typeof inShape[1] !== 'number' || typeof inShape[2] !== 'number' || inShape[3] !== 3) {
    throw new ShapeMismatchError('options.model', `its input must be [batch, height, width, 3] with a fixed size, got [${inShape?.join(', ')}].`);
  }
  const inputSize: [number, number] = [inShape[1], inShape[2]];
  if (!outShape || outShape.length !== 5 || outShape[3] !== anchors.length || typeof outShape[1] !== 'number' || typeof outShape[2] !== 'number') {
    throw new ShapeMismatchError('options.model', `its output must be [batch, S, S, ${anchors.length}, 5 + C] for ${anchors.length} anchors (a yoloHead model), got [${outShape?.join(', ')}].`);
  }
  const grid: [number, number] = [outShape[1], outShape[2]];
  const C = (outShape[4] as number) - 5;
  const batchSize = posInt(options.batchSize, 'options.batchSize', 16);
  const epochs = posInt(options.epochs, 'options.epochs', 10);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('options.seed', 'an integer', describeValue(seed));
  const augment = options.augment === false ? undefined : readAugmentOptions(options.augment === true ? {} : options.augment, 'options.augment');
  const lr = options.learningRate ?? 1e-3;
  if (typeof lr !== 'function') assertFiniteNumber(lr, 'options.learningRate', { min: 0 });
  const lrAt = typeof lr === 'function' ? lr : () => lr;
  if (options.resume && !options.checkpointDir) throw new InvalidArgumentError('options.resume', 'true only with options.checkpointDir', 'true');
  if (options.checkpointDir !== undefined && (typeof options.checkpointDir !== 'string' || options.checkpointDir.length === 0)) {
    throw new InvalidArgumentError('options.checkpointDir', 'a folder path', describeValue(options.checkpointDir));
  }
  const validation = options.validation;
  if (validation !== undefined && (validation === null || typeof validation !== 'object' || validation.dataset === undefined)) {
    throw new InvalidArgumentError('options.validation', '{ dataset, every?, count? }', describeValue(validation));
  }
  const validateEvery = validation ? posInt(validation.every, 'options.validation.every', 1) : 0;

  const backend = options.backend === false ? undefined : (options.backend ?? 'wasm');
  if (backend) await ready({ backend });

  const reader = sampleReader(options.dataset, inputSize, 'options.dataset');
  const labels = options.classes ? [...options.classes] : reader.classNames;
  if (!labels || labels.length !== C) {
    reader.dispose();
    throw new InvalidArgumentError('options.classes', `${C} class names (the model's output has 5 + ${C} values per anchor)`, describeValue(labels));
  }
  if (reader.size === undefined && options.stepsPerEpoch === undefined) {
    reader.dispose();
    throw new InvalidArgumentError('options.stepsPerEpoch', 'the number of steps per epoch (required when the dataset is a generator)', 'undefined');
  }
  const stepsPerEpoch = posInt(options.stepsPerEpoch, 'options.stepsPerEpoch', Math.ceil((reader.size ?? 1) / batchSize));
  const totalSteps = epochs * stepsPerEpoch;
  const lossOptions: YoloLossOptions = { ...(options.loss ?? {}), sizeEncoding: 'logAnchor' };
  const spec = { grid, anchors, classes: C, imageSize: inputSize, sizeEncoding: 'logAnchor' as const };
  const onProgress = options.onProgress ?? terminalTrainingProgress();
  const detector = createDetector(model, { anchors, labels, inputSize }); // shares the model: never disposed here
  // Keras' rule, which tfjs-layers 4.22 lacks: frozen BN layers run in inference mode under training: true.
  applyKerasBatchNormRule(model);

  const optimizer = tf.train.adam(lrAt({ epoch: 0, globalStep: 0, totalSteps }), ADAM.beta1, ADAM.beta2, ADAM.epsilon);
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let startEpoch = 0;
  let globalStep = 0;
  let bestMap = NaN;
  let bestEpoch = 0;
  const history: EpochRecord[] = [];
  const { join } = await import('node:path');

  try {
    if (options.resume && options.checkpointDir && (await exists(join(options.checkpointDir, 'checkpoint.json')))) {
      const { readFile } = await import('node:fs/promises');
      const ck = JSON.parse(await readFile(join(options.checkpointDir, 'checkpoint.json'), 'utf8')) as CheckpointFile;
      if (ck.format !== 'cnn-yolo-checkpoint') throw new InvalidArgumentError('checkpoint.json', "format 'cnn-yolo-checkpoint'", describeValue(ck.format));
      const saved = await loadDetector(join(options.checkpointDir, 'last'));
      try {
        const w = saved.model.getWeights();
        const mine = model.getWeights();
        if (w.length !== mine.length || w.some((t, i) => t.shape.join() !== mine[i]!.shape.join())) {
          throw new ShapeMismatchError('options.model', `the checkpoint in ${options.checkpointDir} holds a different model (${w.length} weights vs ${mine.length}).`);
        }
        model.setWeights(w);
      } finally {
        saved.dispose();
      }
      const bytes = await readFile(join(options.checkpointDir, 'last', 'optimizer.bin'));
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      const named = tf.io.decodeWeights(buffer, ck.optimizer.weights);
      const list = Object.entries(named).map(([name, tensor]) => ({ name, tensor }));
      await optimizer.setWeights(list);
      tf.dispose(list.map((n) => n.tensor));
      startEpoch = ck.epoch;
      globalStep = ck.globalStep;
      bestMap = ck.bestMap ?? NaN;
      bestEpoch = ck.bestEpoch ?? 0;
      history.push(...(ck.history ?? []));
    }

    const started = Date.now();
    let stepsRun = 0;
    let trainSeconds = 0;
    let aborted = false;
    for (let epoch = startEpoch; epoch < epochs && !aborted; epoch++) {
      const epochStart = Date.now();
      const order = reader.size !== undefined ? shuffled(reader.size, mixSeed(seed, epoch)) : undefined;
      const sums = { total: 0, coord: 0, objectness: 0, noObject: 0, class: 0 };
      let steps = 0;
      let rate = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
        const t0 = Date.now();
        rate = lrAt({ epoch, globalStep, totalSteps });
        (optimizer as unknown as { learningRate: number }).learningRate = rate;
        // The batch: sample k of the whole run is `base + b` (resume-stable); a dataset walks its epoch's permutation.
        const base = (epoch * stepsPerEpoch + step) * batchSize;
        const images: tf.Tensor3D[] = [];
        const boxes: AugmentBox[][] = [];
        try {
          for (let b = 0; b < batchSize; b++) {
            const k = base + b;
            const index = order ? order[(step * batchSize + b) % order.length]! : k;
            const s = await reader.get(index);
            if (augment) {
              const a = augmentDetection(s.image, s.boxes, { ...augment, rng: createRng(mixSeed(seed ^ 0x2545f491, k)) });
              s.image.dispose();
              images.push(a.image);
              boxes.push(a.boxes);
            } else {
              images.push(s.image);
              boxes.push(s.boxes);
            }
          }
          for (const [i, bs] of boxes.entries()) {
            for (const b of bs) {
              if (!(b.class >= 0 && b.class < C)) throw new InvalidArgumentError(`options.dataset (batch picture ${i})`, `class indices in [0, ${C})`, String(b.class));
            }
          }
          const values = trainStep(model, optimizer, varList, images, boxes, spec, lossOptions);
          sums.total += values.total;
          sums.coord += values.coord;
          sums.objectness += values.objectness;
          sums.noObject += values.noObject;
          sums.class += values.class;
        } finally {
          tf.dispose(images);
        }
        steps++;
        stepsRun++;
        globalStep++;
        trainSeconds += (Date.now() - t0) / 1000;
        const perStep = trainSeconds / stepsRun;
        onProgress({
          phase: 'step',
          epoch: epoch + 1,
          epochs,
          step: step + 1,
          stepsPerEpoch,
          globalStep,
          totalSteps,
          loss: mean(sums, steps),
          learningRate: rate,
          imagesPerSecond: (stepsRun * batchSize) / Math.max(trainSeconds, 1e-9),
          etaSeconds: perStep * (totalSteps - globalStep),
        });
      }
      if (aborted) break;
      const record: EpochRecord = {
        epoch: epoch + 1,
        loss: mean(sums, steps),
        learningRate: rate,
        seconds: (Date.now() - epochStart) / 1000,
        imagesPerSecond: (steps * batchSize) / ((Date.now() - epochStart) / 1000),
      };
      let improved = false;
      if (validation && ((epoch + 1) % validateEvery === 0 || epoch + 1 === epochs)) {
        const r = await evaluateDetector(detector, validation.dataset, { ...(validation.count !== undefined ? { count: validation.count } : {}), signal: options.signal as AbortSignal });
        record.map = r.map;
        if (!(r.map <= bestMap)) {
          improved = Number.isFinite(r.map);
          if (improved) {
            bestMap = r.map;
            bestEpoch = epoch + 1;
          }
        }
      }
      history.push(record);
      if (options.checkpointDir) {
        await saveCheckpoint(options.checkpointDir, {
          detector,
          optimizer,
          improved,
          file: {
            format: 'cnn-yolo-checkpoint',
            version: 1,
            epoch: epoch + 1,
            globalStep,
            stepsPerEpoch,
            batchSize,
            seed,
            optimizer: { name: 'adam', learningRate: rate, ...ADAM, weights: [] },
            bestMap,
            bestEpoch,
            history,
            anchors: anchors.map((a) => [a[0], a[1]] as Anchor),
            labels,
            inputSize,
            savedAt: new Date().toISOString(),
          },
        });
      }
      const perStep = trainSeconds / Math.max(stepsRun, 1);
      onProgress({
        phase: 'epoch',
        epoch: epoch + 1,
        epochs,
        step: steps,
        stepsPerEpoch,
        globalStep,
        totalSteps,
        loss: record.loss,
        learningRate: rate,
        imagesPerSecond: record.imagesPerSecond,
        etaSeconds: perStep * (totalSteps - globalStep),
        ...(record.map !== undefined ? { map: record.map, bestMap } : {}),
      });
    }
    return {
      epochs: history,
      bestMap,
      bestEpoch,
      steps: stepsRun,
      globalStep,
      seconds: (Date.now() - started) / 1000,
      backend: tf.getBackend(),
      resumedFromEpoch: startEpoch,
      aborted,
    };
  } finally {
    reader.dispose();
    optimizer.dispose();
  }
}

function mean(s: LossValues, n: number): LossValues {
  const d = Math.max(n, 1);
  return { total: s.total / d, coord: s.coord / d, objectness: s.objectness / d, noObject: s.noObject / d, class: s.class / d };
}

function shuffled(n: number, seed: number): number[] {
  return shuffleInPlace(Array.from({ length: n }, (_, i) => i), createRng(seed).next);
}

/** One Adam step on a batch; returns the loss terms. Leaves no tensor behind. */
function trainStep(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  varList: tf.Variable[],
  images: tf.Tensor3D[],
  boxes: AugmentBox[][],
  spec: { grid: [number, number]; anchors: Anchor[]; classes: number; imageSize: [number, number]; sizeEncoding: 'logAnchor' },
  lossOptions: YoloLossOptions,
): LossValues {
  const { targets } = encodeTargetsBatch(boxes, spec);
  const xs = tf.tidy(() => tf.div(tf.stack(images), 255));
  let terms: tf.Tensor | undefined;
  try {
    const cost = optimizer.minimize(
      () => {
        const pred = model.apply(xs, { training: true }) as tf.Tensor;
        const t = yoloLoss(targets, pred, lossOptions);
        terms = tf.keep(tf.stack([t.total, t.coord, t.objectness, t.noObject, t.class]));
        return t.total;
      },
      true,
      varList,
    );
    cost?.dispose();
    const v = terms!.dataSync();
    if (!Number.isFinite(v[0]!)) throw new InvalidArgumentError('options.learningRate', 'a rate that keeps the loss finite', `a loss of ${v[0]} (lower the learning rate)`);
    return { total: v[0]!, coord: v[1]!, objectness: v[2]!, noObject: v[3]!, class: v[4]! };
  } finally {
    tf.dispose([targets, xs]);
    terms?.dispose();
  }
}

async function saveCheckpoint(
  dir: string,
  c: { detector: ReturnType<typeof createDetector>; optimizer: tf.Optimizer; improved: boolean; file: CheckpointFile },
): Promise<void> {
  const { join } = await import('node:path');
  const { mkdir } = await import('node:fs/promises');
  const last = join(dir, 'last');
  await mkdir(last, { recursive: true });
  await c.detector.save(last);
  const weights = await c.optimizer.getWeights();
  const { data, specs } = await tf.io.encodeWeights(weights);
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(tf.io.concatenateArrayBuffers(data));
  for (const w of weights) if (w.name === 'iter') w.tensor.dispose(); // a fresh scalar; the rest are Adam's variables
  await writeFileAtomic(join(last, 'optimizer.bin'), bytes);
  if (c.improved) await c.detector.save(join(dir, 'best'));
  // Written last: the epoch counter moves on only once the weights it describes are on disk.
  await writeFileAtomic(join(dir, 'checkpoint.json'), `${JSON.stringify({ ...c.file, optimizer: { ...c.file.optimizer, weights: specs } }, null, 2)}\n`);
}
