/**
 * Feature caching, the course's tip for small data sets: with the backbone frozen, its output for a picture
 * never changes, so compute it once ("save the activations to disk" / memory) and train only the head on it.
 * Each epoch then costs a few dense layers instead of a whole CNN forward pass. It does not combine with
 * augmentation (every epoch would need new features) nor with fine-tuning (the backbone changes).
 *
 *   const cache = await cacheFeatures(classifier.backbone, trainBatches);
 *   await trainHeadOnFeatures(classifier, { train: cache, epochs: 20 });
 *   cache.dispose();
 */
import * as tf from '@tensorflow/tfjs-core';
import { AbortedError, InvalidArgumentError, ShapeMismatchError, describeValue } from '@cnn/ops';
import type { Backbone } from './backbone.js';
import type { Classifier } from './classifier.js';
import { featureSpec, runTraining, type LabeledBatch, type TrainClassifierOptions, type TrainHistory } from './train.js';

/** Backbone features of a data set with their labels, held in memory. */
export class FeatureCache {
  /** [n, ...featureShape] float32. */
  readonly features: tf.Tensor;
  /** [n, classes] one-hot float32 (or whatever labels the batches carried, concatenated). */
  readonly labels: tf.Tensor;
  /** Files of the pictures, when the batches named them. */
  readonly paths: string[];
  /** Seconds the backbone took. */
  readonly seconds: number;
  private disposed = false;

  constructor(features: tf.Tensor, labels: tf.Tensor, paths: string[], seconds: number) {
    this.features = features;
    this.labels = labels;
    this.paths = paths;
    this.seconds = seconds;
  }

  get size(): number {
    return this.features.shape[0]!;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([this.features, this.labels]);
  }
}

export interface CacheFeaturesOptions {
  signal?: AbortSignal;
  /** Called after each batch with the number of pictures done. */
  onProgress?: (done: number) => void;
}

/**
 * Runs every picture of `batches` (one epoch of an async iterable such as createBatches(), or an iterable of
 * { x, y }) through the frozen backbone once, in inference mode. Batches with a dispose() are disposed.
 */
export async function cacheFeatures(backbone: Backbone | Classifier, batches: AsyncIterable<LabeledBatch & { paths?: string[] }> | Iterable<LabeledBatch & { paths?: string[] }>, options: CacheFeaturesOptions = {}): Promise<FeatureCache> {
  const bb = (backbone as Classifier).backbone ?? (backbone as Backbone);
  if (!bb || typeof (bb as Backbone).features !== 'function') throw new InvalidArgumentError('backbone', 'a Backbone or a Classifier', describeValue(backbone));
  if (batches === null || typeof batches !== 'object' || !(Symbol.asyncIterator in batches || Symbol.iterator in batches)) {
    throw new InvalidArgumentError('batches', 'an (async) iterable of { x, y } batches, e.g. createBatches()', describeValue(batches));
  }
  const feats: tf.Tensor[] = [];
  const labels: tf.Tensor[] = [];
  const paths: string[] = [];
  const t0 = Date.now();
  let done = 0;
  try {
    const withEpoch = batches as { epoch?: (i: number) => AsyncIterable<LabeledBatch & { paths?: string[] }> };
    const source = typeof withEpoch.epoch === 'function' ? withEpoch.epoch(0) : batches;
    for await (const b of source as AsyncIterable<LabeledBatch & { paths?: string[] }>) {
      try {
        if (options.signal?.aborted) throw new AbortedError('feature caching');
        if (!(b.y instanceof tf.Tensor) || b.y.shape[0] !== b.x?.shape?.[0]) throw new ShapeMismatchError('batches', `each batch needs y with one row per picture (x [${b.x?.shape}], y ${describeValue(b.y)}).`);
        const f = bb.features(b.x as tf.Tensor4D);
        feats.push(f);
        labels.push(tf.clone(b.y));
        if (Array.isArray(b.paths)) paths.push(...b.paths);
        done += b.x.shape[0]!;
        options.onProgress?.(done);
      } finally {
        b.dispose?.();
      }
    }
    if (feats.length === 0) throw new InvalidArgumentError('batches', 'at least one batch', 'none');
    const features = feats.length === 1 ? feats[0]!.clone() : tf.concat(feats, 0);
    const y = labels.length === 1 ? labels[0]!.clone() : tf.concat(labels, 0);
    return new FeatureCache(features, y, paths, (Date.now() - t0) / 1000);
  } finally {
    tf.dispose([...feats, ...labels]);
  }
}

export interface TrainHeadOnFeaturesOptions extends Omit<TrainClassifierOptions, 'train' | 'validation'> {
  train: FeatureCache | { x: tf.Tensor; y: tf.Tensor };
  validation?: FeatureCache | { x: tf.Tensor; y: tf.Tensor };
  /** Mini-batch size (default 32). */
  batchSize?: number;
}

const asData = (d: FeatureCache | { x: tf.Tensor; y: tf.Tensor }, batchSize: number, argument: string) => {
  if (d instanceof FeatureCache) {
    if (d.isDisposed) throw new InvalidArgumentError(argument, 'a live FeatureCache', 'a disposed one');
    return { x: d.features, y: d.labels, batchSize };
  }
  if (d && d.x instanceof tf.Tensor && d.y instanceof tf.Tensor) return { x: d.x, y: d.y, batchSize };
  throw new InvalidArgumentError(argument, 'a FeatureCache (cacheFeatures()) or { x: features, y: labels }', describeValue(d));
};

/**
 * Trains the classifier's head (dropout, dense) on cached backbone features; the classifier then predicts
 * pictures with the trained head. Same options, history and checkpoints as trainClassifier.
 */
export async function trainHeadOnFeatures(classifier: Classifier, options: TrainHeadOnFeaturesOptions): Promise<TrainHistory> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', '{ train: FeatureCache, epochs, ... }', describeValue(options));
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError('options.batchSize', 'an integer >= 1', describeValue(batchSize));
  const { train, validation, batchSize: _b, ...rest } = options;
  return runTraining(
    classifier,
    featureSpec(classifier),
    { ...rest, train: asData(train, batchSize, 'options.train'), ...(validation ? { validation: asData(validation, batchSize, 'options.validation') } : {}) },
    1e-3,
  );
}
