/**
 * Training an embedding net with the triplet loss, FaceNet-style: P×K batches, online mining ('batch-hard' by
 * default), Adam, L2-normalized outputs. A custom loop (not `model.fit`), because the loss needs the labels
 * of the whole batch at once. Batch-norm layers train with batch statistics (frozen ones stay in inference
 * mode: the Keras rule from @cnn/architectures is installed on the model).
 *
 *     const net = createEmbeddingNet({ inputShape: [56, 46, 1], embeddingSize: 64, seed: 1 });
 *     const history = await trainEmbedding(net, { images, labels }, { epochs: 20, mining: 'batch-hard',
 *       onEpoch: (e) => console.log(e.epoch, e.loss, e.activeFraction) });
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { CnnError, InvalidArgumentError, ShapeMismatchError, assertTensor, describeValue, mulberry32 } from '@cnn/ops';
import { applyKerasBatchNormRule } from '@cnn/architectures';
import { createPKSampler } from './pk-batches.js';
import { readLabels, resolveTripletOptions, tripletLossWithStats, type TripletLossOptions, type TripletMining, type TripletStats } from './triplet-loss.js';

/** Labeled pictures in memory: `images` [N, h, w, c] at the net's input size, `labels` one person per row. */
export interface EmbeddingData {
  images: tf.Tensor4D;
  labels: ArrayLike<number>;
}

/** Random changes to each training picture, drawn from the run's seed. */
export interface EmbeddingAugmentation {
  /** Mirror half of the pictures left-right (default true). */
  flip?: boolean;
  /** Move each picture by up to this many pixels in x and y, filling with black (default 0). */
  shift?: number;
}

export interface TrainEmbeddingOptions extends TripletLossOptions {
  /** Online mining (default 'batch-hard' here; see tripletLoss). */
  mining?: TripletMining;
  /** Default 10. */
  epochs?: number;
  /** Steps (batches) per epoch (default ceil(N / (P·K)): about one pass over the pictures). */
  stepsPerEpoch?: number;
  /** P, people per batch (default 8). */
  identitiesPerBatch?: number;
  /** K, pictures per person (default 4). */
  imagesPerIdentity?: number;
  /** Adam's learning rate (default 1e-3); ignored when `optimizer` is given. */
  learningRate?: number;
  /** An optimizer you own (not disposed). */
  optimizer?: tf.Optimizer;
  /** L2-normalize the net's outputs before the loss (default true; a no-op for nets that end with L2Normalization). */
  normalize?: boolean;
  /** Default: none. */
  augment?: EmbeddingAugmentation | false;
  /** Seeds the batches and the augmentation (default 0). */
  seed?: number;
  /** Stops after the current step; the history says `aborted`. */
  signal?: AbortSignal;
  onStep?: (log: EmbeddingStepLog) => void | Promise<void>;
  onEpoch?: (log: EmbeddingEpochLog) => void | Promise<void>;
}

export interface EmbeddingStepLog {
  /** 1-based. */
  epoch: number;
  /** 1-based step within the epoch. */
  step: number;
  /** 1-based step since the start. */
  globalStep: number;
  loss: number;
  /** Share of the mined terms with a positive loss (see TripletStats). */
  activeFraction: number;
  stats: TripletStats;
  seconds: number;
}

export interface EmbeddingEpochLog {
  epoch: number;
  steps: number;
  /** Means over the epoch's steps. */
  loss: number;
  activeFraction: number;
  seconds: number;
}

export interface EmbeddingTrainHistory {
  epochs: EmbeddingEpochLog[];
  /** One value per finished epoch. */
  loss: number[];
  activeFraction: number[];
  /** Steps done. */
  steps: number;
  aborted: boolean;
  seconds: number;
}

function positiveInt(value: unknown, argument: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new InvalidArgumentError(argument, `an integer >= ${min}`, describeValue(value));
  return value;
}

/**
 * Crop boxes that move each picture by whole pixels and mirror some (x1 > x2 flips in cropAndResize), so one
 * bilinear crop at integer positions does both exactly.
 */
function augmentBoxes(n: number, h: number, w: number, aug: Required<EmbeddingAugmentation>, random: () => number): number[][] {
  const boxes: number[][] = [];
  for (let i = 0; i < n; i++) {
    const dy = aug.shift ? Math.round((random() * 2 - 1) * aug.shift) : 0;
    const dx = aug.shift ? Math.round((random() * 2 - 1) * aug.shift) : 0;
    const flip = aug.flip && random() < 0.5;
    const y1 = dy / (h - 1);
    const y2 = (dy + h - 1) / (h - 1);
    const xa = dx / (w - 1);
    const xb = (dx + w - 1) / (w - 1);
    boxes.push(flip ? [y1, xb, y2, xa] : [y1, xa, y2, xb]);
  }
  return boxes;
}

/**
 * Trains `model` (pictures → embeddings) with the triplet loss on P×K batches of `data`. Returns the history
 * per epoch; the model keeps what it learned (also when aborted). Leaves no tensors behind.
 */
export async function trainEmbedding(model: tfl.LayersModel, data: EmbeddingData, options: TrainEmbeddingOptions = {}): Promise<EmbeddingTrainHistory> {
  if (!model || typeof (model as { apply?: unknown }).apply !== 'function' || !Array.isArray(model.trainableWeights)) {
    throw new InvalidArgumentError('model', 'a tfjs-layers model (pictures → embeddings)', describeValue(model));
  }
  if (data === null || typeof data !== 'object') throw new InvalidArgumentError('data', '{ images, labels }', describeValue(data));
  assertTensor(data.images, 'data.images', { rank: 4 });
  const n = data.images.shape[0];
  const labels = readLabels(data.labels, n, 'data.labels');
  const inShape = model.inputs[0]?.shape ?? [];
  if (inShape.length !== 4 || inShape.slice(1).some((v, i) => v != null && v !== data.images.shape[i + 1])) {
    throw new ShapeMismatchError('data.images', `pictures [${data.images.shape.slice(1).join(', ')}] do not fit the model's input [${inShape.slice(1).join(', ')}].`);
  }
  const lossOptions = resolveTripletOptions({ ...options, mining: options.mining ?? 'batch-hard' });
  const sampler = createPKSampler(labels, {
    ...(options.identitiesPerBatch !== undefined ? { identitiesPerBatch: options.identitiesPerBatch } : {}),
    ...(options.imagesPerIdentity !== undefined ? { imagesPerIdentity: options.imagesPerIdentity } : {}),
    seed: options.seed ?? 0,
  });
  const batchSize = sampler.identitiesPerBatch * sampler.imagesPerIdentity;
  const epochs = positiveInt(options.epochs ?? 10, 'options.epochs');
  const stepsPerEpoch = positiveInt(options.stepsPerEpoch ?? Math.ceil(n / batchSize), 'options.stepsPerEpoch');
  const lr = options.learningRate ?? 1e-3;
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) throw new InvalidArgumentError('options.learningRate', 'a positive number', describeValue(lr));
  if (options.optimizer !== undefined && !(options.optimizer instanceof tf.Optimizer)) throw new InvalidArgumentError('options.optimizer', 'a tf.Optimizer', describeValue(options.optimizer));
  const normalize = options.normalize ?? true;
  const augIn = options.augment === undefined || options.augment === false ? undefined : options.augment;
  if (augIn !== undefined && (augIn === null || typeof augIn !== 'object')) throw new InvalidArgumentError('options.augment', '{ flip?, shift? } or false', describeValue(augIn));
  const aug = augIn ? { flip: augIn.flip ?? true, shift: augIn.shift ?? 0 } : undefined;
  if (aug && (typeof aug.shift !== 'number' || !Number.isInteger(aug.shift) || aug.shift < 0)) throw new InvalidArgumentError('options.augment.shift', 'a whole number of pixels >= 0', describeValue(aug.shift));
  const [h, w] = [data.images.shape[1], data.images.shape[2]];
  const augRandom = mulberry32(((options.seed ?? 0) ^ 0x5bd1e995) >>> 0);

  applyKerasBatchNormRule(model);
  const varList = model.trainableWeights.map((v) => v.read() as tf.Variable);
  if (varList.length === 0) throw new InvalidArgumentError('model', 'a model with trainable weights', 'everything frozen');
  const owned = options.optimizer === undefined;
  const optimizer = options.optimizer ?? tf.train.adam(lr);
  const history: EmbeddingTrainHistory = { epochs: [], loss: [], activeFraction: [], steps: 0, aborted: false, seconds: 0 };
  const started = Date.now();
  try {
    for (let epoch = 1; epoch <= epochs && !history.aborted; epoch++) {
      const t0 = Date.now();
      let lossSum = 0;
      let activeSum = 0;
      let steps = 0;
      for (let step = 1; step <= stepsPerEpoch; step++) {
        if (options.signal?.aborted) {
          history.aborted = true;
          break;
        }
        const s0 = Date.now();
        const rows = sampler.next();
        const batchLabels = rows.map((r) => labels[r]!);
        const x = tf.tidy(() => {
          const picked = tf.cast(tf.gather(data.images, tf.tensor1d(rows, 'int32')), 'float32') as tf.Tensor4D;
          if (!aug || (!aug.flip && aug.shift === 0)) return picked;
          const boxes = augmentBoxes(rows.length, h, w, aug, augRandom);
          return tf.image.cropAndResize(picked, tf.tensor2d(boxes), tf.tensor1d(rows.map((_, i) => i), 'int32'), [h, w], 'bilinear', 0);
        });
        let stats: TripletStats | undefined;
        let value: tf.Scalar;
        try {
          const r = tf.variableGrads(() => {
            let e = model.apply(x, { training: true }) as tf.Tensor2D;
            if (normalize) e = tf.div(e, tf.sqrt(tf.maximum(tf.sum(tf.square(e), 1, true), 1e-12)));
            const out = tripletLossWithStats(e, batchLabels, lossOptions);
            stats = out.stats;
            return out.loss;
          }, varList);
          value = r.value;
          optimizer.applyGradients(r.grads);
          tf.dispose(Object.values(r.grads));
        } finally {
          x.dispose();
        }
        const loss = (await value.data())[0]!;
        value.dispose();
        if (!Number.isFinite(loss)) {
          throw new CnnError('INVALID_ARGUMENT', `The triplet loss became ${loss} at epoch ${epoch}, step ${step}: lower the learning rate (now ${lr}) or check the pictures.`);
        }
        steps++;
        history.steps++;
        lossSum += loss;
        activeSum += stats!.activeFraction;
        await options.onStep?.({ epoch, step, globalStep: history.steps, loss, activeFraction: stats!.activeFraction, stats: stats!, seconds: (Date.now() - s0) / 1000 });
        // let timers (and an AbortSignal fired by one) run between steps
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      if (steps === 0) break;
      const log: EmbeddingEpochLog = { epoch, steps, loss: lossSum / steps, activeFraction: activeSum / steps, seconds: (Date.now() - t0) / 1000 };
      if (steps === stepsPerEpoch) {
        history.epochs.push(log);
        history.loss.push(log.loss);
        history.activeFraction.push(log.activeFraction);
        await options.onEpoch?.(log);
      }
    }
  } finally {
    if (owned) optimizer.dispose();
    history.seconds = (Date.now() - started) / 1000;
  }
  return history;
}
