/**
 * The transfer-learning recipe (the course, and Keras' "Transfer learning & fine-tuning" guide): a pretrained
 * backbone, (global pooling,) dropout and a new dense head for your classes. Train the head with the backbone
 * frozen, then unfreeze the top few layers and fine-tune with a small learning rate.
 *
 *   const classifier = createClassifier({ backbone, labels: ['cat', 'dog'] });
 *   classifier.freezeBackbone();           // done by createClassifier already
 *   await trainClassifier(classifier, { train, epochs: 5 });
 *   await fineTune(classifier, { unfreeze: 20, train, epochs: 3 });   // learning rate 1e-5 by default
 *   await classifier.classify('photo.jpg', { topK: 1 });
 *
 * Batch normalization follows the Keras rule: frozen BN layers run in inference mode even while training
 * (see batch-norm-rule.ts; tfjs-layers alone would update their statistics).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ShapeMismatchError, assertTensor, decodeImage, describeValue, resizeImage, type ImageSource } from '@cnn/ops';
import { allLayers, applyKerasBatchNormRule, isBatchNormalization } from './batch-norm-rule.js';
import type { Backbone } from './backbone.js';
import { checkImages } from './backbone.js';
import { disposeModels } from './dispose-layers.js';
import { applyPreprocessing } from './preprocessing.js';

export interface CreateClassifierOptions {
  backbone: Backbone;
  /** Class names; class i is labels[i]. Default: '0', '1', ... (then `classes` is required). */
  labels?: readonly string[];
  /** Number of classes (default labels.length). */
  classes?: number;
  /** Dropout rate before the dense layer(s) (default 0.2, as the Keras guide). */
  dropout?: number;
  /** 'softmax' (one class per picture, default) or 'sigmoid' (independent yes/no per class, multi-label). */
  activation?: 'softmax' | 'sigmoid';
  /** Units of an extra ReLU dense layer before the output (default none). */
  hidden?: number;
  /** Pooling when the backbone gives 4-D feature maps (default 'avg'). */
  pooling?: 'avg' | 'max';
  /** Seed of the head's initial weights (default: random). */
  seed?: number;
  /**
   * Standardize the features before the head's dense layer(s), like a Keras `Normalization` layer adapted to
   * the training data: a frozen 'head_normalize' batch-norm layer whose moving mean and variance are the
   * features' per-channel statistics. They are set by `adaptNormalization()` or, when not yet set, from the
   * training data at the start of the first training run (one extra pass of the backbone, or none on cached
   * features). Helps when the cut layer's features are small or off-centre (e.g. darknet's leaky ReLUs after
   * batch norm: mean -0.08, spread 0.04), where a plain dense head learns slowly. Default false.
   */
  normalize?: boolean;
}

export interface ClassPrediction {
  label: string;
  classIndex: number;
  probability: number;
}

export interface ClassifyOptions {
  /** How many classes, best first (default min(5, classes)). */
  topK?: number;
}

/** One training run, as kept in `classifier.trainingRuns` and the saved bundle. */
export interface TrainingRunSummary {
  kind: 'head' | 'fine-tune' | 'head-on-features';
  epochs: number;
  learningRate: number;
  trainableLayers: number;
  trainableParams: number;
  final: Record<string, number>;
  best?: { monitor: string; value: number; epoch: number };
  seconds: number;
  finishedAt: string;
}

/** What the head looks like (saved with the bundle). */
export interface HeadConfig {
  classes: number;
  dropout: number;
  activation: 'softmax' | 'sigmoid';
  hidden: number | null;
  /** Pooling the head applies itself (null when the backbone pools). */
  pooling: 'avg' | 'max' | null;
  /** A frozen standardization of the features (layer 'head_normalize') before dropout and dense. */
  normalize?: boolean;
  /** Whether its mean and variance were set from data (adaptNormalization, or the first training run). */
  normalizeAdapted?: boolean;
}

export const HEAD_LAYER_PREFIX = 'head_';

export class Classifier {
  /** Preprocessed pictures -> probabilities [b, classes]. */
  readonly model: tfl.LayersModel;
  /** Preprocessed pictures -> logits (what training differentiates; shares every layer with `model`). */
  readonly logitsModel: tfl.LayersModel;
  /** Backbone features -> logits (for training the head on cached features). */
  readonly headLogits: tfl.LayersModel;
  readonly backbone: Backbone;
  readonly labels: readonly string[];
  readonly head: HeadConfig;
  readonly trainingRuns: TrainingRunSummary[] = [];
  private disposed = false;

  /** @internal Use createClassifier / loadClassifier. */
  constructor(parts: { model: tfl.LayersModel; logitsModel: tfl.LayersModel; headLogits: tfl.LayersModel; backbone: Backbone; labels: readonly string[]; head: HeadConfig }) {
    this.model = parts.model;
    this.logitsModel = parts.logitsModel;
    this.headLogits = parts.headLogits;
    this.backbone = parts.backbone;
    this.labels = [...parts.labels];
    this.head = parts.head;
    applyKerasBatchNormRule(this.model);
  }

  get classes(): number {
    return this.head.classes;
  }

  get activation(): 'softmax' | 'sigmoid' {
    return this.head.activation;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The backbone's layers that hold weights, bottom to top (nested models flattened). */
  backboneLayersWithWeights(): tfl.layers.Layer[] {
    return allLayers(this.backbone.model).filter((l) => !(l instanceof tfl.LayersModel) && l.weights.length > 0);
  }

  /** Layers of the whole classifier that have trainable weights now. */
  trainableLayers(): tfl.layers.Layer[] {
    return allLayers(this.model).filter((l) => !(l instanceof tfl.LayersModel) && l.trainableWeights.length > 0);
  }

  /** Number of trainable parameters now. */
  trainableParams(): number {
    return this.model.trainableWeights.reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
  }

  /** The head's 'head_normalize' layer (createClassifier({ normalize: true })), else undefined. */
  normalizationLayer(): tfl.layers.Layer | undefined {
    return this.head.normalize ? this.model.getLayer(`${HEAD_LAYER_PREFIX}normalize`) : undefined;
  }

  /**
   * Sets the feature standardization (normalize: true) from data, as Keras' `Normalization.adapt`: backbone
   * features [n, d] (or [n, h, w, c] maps, pooled as the head pools them), a FeatureCache, or the statistics
   * themselves ({ mean, variance }, one value per channel).
   */
  adaptNormalization(source: tf.Tensor | { features: tf.Tensor } | { mean: ArrayLike<number>; variance: ArrayLike<number> }): void {
    this.assertLive();
    const layer = this.normalizationLayer();
    if (!layer) throw new InvalidArgumentError('classifier', 'a classifier created with { normalize: true }', 'one without a normalization layer');
    const d = layer.getWeights()[0]!.shape[0]!;
    let mean: Float32Array;
    let variance: Float32Array;
    if (source && typeof source === 'object' && 'mean' in source && 'variance' in source) {
      if (source.mean?.length !== d || source.variance?.length !== d) throw new ShapeMismatchError('source', `mean and variance need ${d} values (one per feature channel), got ${source.mean?.length} and ${source.variance?.length}.`);
      mean = Float32Array.from(source.mean);
      variance = Float32Array.from(source.variance);
      if ([...variance].some((v) => !(v >= 0)) || [...mean].some((v) => !Number.isFinite(v))) throw new InvalidArgumentError('source', 'finite means and variances >= 0', 'other values');
    } else {
      const f = source instanceof tf.Tensor ? source : (source as { features?: unknown })?.features;
      if (!(f instanceof tf.Tensor) || f.isDisposed) throw new InvalidArgumentError('source', 'features (a tensor or a live FeatureCache) or { mean, variance }', describeValue(source));
      const featureShape = this.backbone.featureShape;
      if (f.shape.slice(1).join() !== featureShape.join()) throw new ShapeMismatchError('source', `features must be [n, ${featureShape.join(', ')}] (this backbone's), got [${f.shape}].`);
      if (f.shape[0] === 0) throw new InvalidArgumentError('source', 'at least one feature row', 'none');
      const stats = featureMoments([f], this.head.pooling);
      mean = stats.mean;
      variance = stats.variance;
    }
    setNormalization(layer, mean, variance);
    this.head.normalizeAdapted = true;
  }

  /** Freezes every backbone layer (the head stays trainable). Frozen BN layers then run in inference mode. */
  freezeBackbone(): void {
    this.assertLive();
    for (const layer of allLayers(this.backbone.model)) layer.trainable = false;
  }

  /**
   * Unfreezes the top `n` backbone layers that have weights (counted from the output down, as the Keras
   * guide slices base_model.layers[-n:]); the rest stay frozen. Batch-norm layers among them stay frozen
   * unless `trainBatchNorm` is set: the Keras fine-tuning examples keep BN in inference mode, because small
   * batches give poor statistics and updating them undoes what the head learned. Returns the unfrozen names.
   */
  unfreezeTop(n: number, options: { trainBatchNorm?: boolean } = {}): string[] {
    this.assertLive();
    const layers = this.backboneLayersWithWeights();
    if (!Number.isInteger(n) || n < 0 || n > layers.length) throw new InvalidArgumentError('n', `an integer in [0, ${layers.length}] (backbone layers with weights)`, describeValue(n));
    this.freezeBackbone();
    const top = layers.slice(layers.length - n);
    const unfrozen: string[] = [];
    for (const layer of top) {
      if (isBatchNormalization(layer) && !options.trainBatchNorm) continue;
      layer.trainable = true;
      unfrozen.push(layer.name);
    }
    // Containers between the model and an unfrozen layer must be trainable too, or tfjs hides its weights.
    for (const c of allLayers(this.backbone.model)) if (c instanceof tfl.LayersModel && allLayers(c).some((l) => unfrozen.includes(l.name))) (c as unknown as { trainable_: boolean }).trainable_ = true;
    return unfrozen;
  }

  /** Pictures [b, h, w, 3] RGB 0-255 -> probabilities [b, classes] (inference mode). */
  predict(images: tf.Tensor4D): tf.Tensor2D {
    this.assertLive();
    checkImages(images, this.backbone.inputShape, 'images');
    return tf.tidy(() => this.model.apply(applyPreprocessing(images, this.backbone.preprocessing), { training: false }) as tf.Tensor2D);
  }

  /**
   * The top classes of one picture: a [h, w, 3] RGB 0-255 tensor of any size (resized to the input size the
   * way the backbone's preprocessing says), or an image file / bytes (decoded, then the same).
   */
  async classify(image: tf.Tensor3D | ImageSource, options: ClassifyOptions = {}): Promise<ClassPrediction[]> {
    this.assertLive();
    const topK = options.topK ?? Math.min(5, this.classes);
    if (!Number.isInteger(topK) || topK < 1 || topK > this.classes) throw new InvalidArgumentError('options.topK', `an integer in [1, ${this.classes}]`, describeValue(options.topK));
    const owned = !(image instanceof tf.Tensor);
    const pixels = image instanceof tf.Tensor ? image : await decodeImage(image, { channels: 3 });
    try {
      assertTensor(pixels, 'image', { rank: 3, dtype: ['float32', 'int32'] });
      if (pixels.shape[2] !== 3) throw new ShapeMismatchError('image', `an RGB picture [h, w, 3], got shape [${pixels.shape}].`);
      const probs = tf.tidy(() => {
        const [h, w] = this.backbone.inputShape;
        const batch = tf.expandDims(pixels, 0) as tf.Tensor4D;
        const sized = h !== null && w !== null && (pixels.shape[0] !== h || pixels.shape[1] !== w) ? resizeImage(batch, [h, w], this.backbone.preprocessing.alignCorners ? { alignCorners: true } : { halfPixelCenters: true }) : batch;
        return this.predict(sized);
      });
      const values = Array.from(await probs.data());
      probs.dispose();
      return values
        .map((probability, classIndex) => ({ label: this.labels[classIndex]!, classIndex, probability }))
        .sort((a, b) => b.probability - a.probability || a.classIndex - b.classIndex)
        .slice(0, topK);
    } finally {
      if (owned) (pixels as tf.Tensor).dispose();
    }
  }

  /** Frees every weight (the backbone's included: the classifier owns it). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeModels([this.model, this.logitsModel, this.headLogits, ...this.backbone.ownedModels()]);
    this.backbone.dispose();
  }

  private assertLive(): void {
    if (this.disposed) throw new InvalidArgumentError('classifier', 'a live classifier', 'a disposed one');
  }
}

/** Feature maps [b, h, w, c] pooled as the head pools them ([b, d] features pass through). */
export function poolFeatures(f: tf.Tensor, pooling: 'avg' | 'max' | null): tf.Tensor2D {
  return (f.rank === 4 ? (pooling === 'max' ? tf.max(f, [1, 2]) : tf.mean(f, [1, 2])) : tf.reshape(f, [f.shape[0]!, -1])) as tf.Tensor2D;
}

/** Per-channel mean and (population) variance of feature batches, pooled first when they are maps. */
export function featureMoments(batches: Iterable<tf.Tensor>, pooling: 'avg' | 'max' | null): { mean: Float32Array; variance: Float32Array; count: number } {
  let sum: Float64Array | undefined;
  let sq: Float64Array | undefined;
  let count = 0;
  for (const f of batches) {
    const t = tf.tidy(() => poolFeatures(f, pooling));
    const v = t.dataSync();
    t.dispose();
    const d = v.length / f.shape[0]!;
    sum ??= new Float64Array(d);
    sq ??= new Float64Array(d);
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      sum[i % d]! += x;
      sq[i % d]! += x * x;
    }
    count += f.shape[0]!;
  }
  if (!sum || !sq || count === 0) throw new InvalidArgumentError('features', 'at least one feature row', 'none');
  const mean = new Float32Array(sum.length);
  const variance = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) {
    const m = sum[i]! / count;
    mean[i] = m;
    variance[i] = Math.max(0, sq[i]! / count - m * m);
  }
  return { mean, variance, count };
}

/** Writes gamma 1, beta 0 and the moving statistics of a batch-norm layer used as a feature standardizer. */
function setNormalization(layer: tfl.layers.Layer, mean: Float32Array, variance: Float32Array): void {
  const d = mean.length;
  const w = [tf.ones([d]), tf.zeros([d]), tf.tensor1d(mean), tf.tensor1d(variance)];
  try {
    layer.setWeights(w);
  } finally {
    tf.dispose(w);
  }
}

function checkLabels(labels: unknown, classes: number | undefined): string[] {
  if (labels === undefined) {
    if (classes === undefined) throw new InvalidArgumentError('options.labels', 'the class names (or options.classes)', 'undefined');
    return Array.from({ length: classes }, (_, i) => String(i));
  }
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) throw new InvalidArgumentError('options.labels', 'an array of class names', describeValue(labels));
  if (new Set(labels).size !== labels.length) throw new InvalidArgumentError('options.labels', 'distinct class names', JSON.stringify(labels));
  if (classes !== undefined && classes !== labels.length) throw new ShapeMismatchError('options.labels', `${classes} classes but ${labels.length} labels.`);
  return [...labels] as string[];
}

/** Applies the head's layers (created once, so both applications share weights). */
function headLayers(config: HeadConfig, seed: number | undefined): (x: tfl.SymbolicTensor) => { logits: tfl.SymbolicTensor; probabilities: tfl.SymbolicTensor } {
  const init = (k: number) => (seed === undefined ? 'glorotUniform' : tfl.initializers.glorotUniform({ seed: seed + k }));
  const norm = config.normalize ? tfl.layers.batchNormalization({ name: `${HEAD_LAYER_PREFIX}normalize`, epsilon: 1e-6, trainable: false }) : undefined;
  const pool = config.pooling === null ? undefined : config.pooling === 'avg' ? tfl.layers.globalAveragePooling2d({ name: `${HEAD_LAYER_PREFIX}avg_pool` }) : tfl.layers.globalMaxPooling2d({ name: `${HEAD_LAYER_PREFIX}max_pool` });
  const drop = config.dropout > 0 ? tfl.layers.dropout({ rate: config.dropout, name: `${HEAD_LAYER_PREFIX}dropout` }) : undefined;
  const hidden = config.hidden ? tfl.layers.dense({ units: config.hidden, activation: 'relu', kernelInitializer: init(1), name: `${HEAD_LAYER_PREFIX}hidden` }) : undefined;
  const drop2 = config.hidden && config.dropout > 0 ? tfl.layers.dropout({ rate: config.dropout, name: `${HEAD_LAYER_PREFIX}hidden_dropout` }) : undefined;
  const dense = tfl.layers.dense({ units: config.classes, kernelInitializer: init(2), name: `${HEAD_LAYER_PREFIX}logits` });
  const act = tfl.layers.activation({ activation: config.activation, name: `${HEAD_LAYER_PREFIX}${config.activation}` });
  return (x) => {
    let y = x;
    for (const l of [pool, norm, drop, hidden, drop2]) if (l) y = l.apply(y) as tfl.SymbolicTensor;
    const logits = dense.apply(y) as tfl.SymbolicTensor;
    return { logits, probabilities: act.apply(logits) as tfl.SymbolicTensor };
  };
}

/** Builds the classifier's three views (probabilities, logits, head on features) from a backbone and applied head. */
export function assembleClassifier(backbone: Backbone, labels: readonly string[], head: HeadConfig, apply: (x: tfl.SymbolicTensor) => { logits: tfl.SymbolicTensor; probabilities: tfl.SymbolicTensor }): Classifier {
  const features = backbone.model.outputs[0]!;
  const onBackbone = apply(features);
  const featureInput = tfl.input({ shape: features.shape.slice(1) as number[], name: `${HEAD_LAYER_PREFIX}features` });
  const onFeatures = apply(featureInput);
  const name = `${backbone.model.name}_classifier`;
  const model = tfl.model({ inputs: backbone.model.inputs, outputs: onBackbone.probabilities, name });
  const logitsModel = tfl.model({ inputs: backbone.model.inputs, outputs: onBackbone.logits, name: `${name}_logits` });
  const headLogits = tfl.model({ inputs: featureInput, outputs: onFeatures.logits, name: `${name}_head` });
  return new Classifier({ model, logitsModel, headLogits, backbone, labels, head });
}

/**
 * Puts a new head on `backbone`: (global pooling when the features are maps,) dropout, (a hidden ReLU
 * layer,) a dense layer with one unit per class and softmax or sigmoid. The backbone starts frozen.
 */
export function createClassifier(options: CreateClassifierOptions): Classifier {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', '{ backbone, labels, ... }', describeValue(options));
  const { backbone } = options;
  if (!backbone || typeof backbone !== 'object' || !(backbone.model instanceof tfl.LayersModel) || !backbone.preprocessing) throw new InvalidArgumentError('options.backbone', 'a Backbone from loadBackbone()', describeValue(backbone));
  if (backbone.isDisposed) throw new InvalidArgumentError('options.backbone', 'a live backbone', 'a disposed one');
  if (options.classes !== undefined && (!Number.isInteger(options.classes) || options.classes < 1)) throw new InvalidArgumentError('options.classes', 'an integer >= 1', describeValue(options.classes));
  const labels = checkLabels(options.labels, options.classes);
  const activation = options.activation ?? 'softmax';
  if (activation !== 'softmax' && activation !== 'sigmoid') throw new InvalidArgumentError('options.activation', "'softmax' or 'sigmoid'", describeValue(activation));
  if (activation === 'softmax' && labels.length < 2) throw new InvalidArgumentError('options.labels', "at least 2 classes with softmax (use activation: 'sigmoid' for one yes/no class)", JSON.stringify(labels));
  const dropout = options.dropout ?? 0.2;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) throw new InvalidArgumentError('options.dropout', 'a rate in [0, 1)', describeValue(dropout));
  if (options.hidden !== undefined && (!Number.isInteger(options.hidden) || options.hidden < 1)) throw new InvalidArgumentError('options.hidden', 'an integer >= 1 (units)', describeValue(options.hidden));
  const pooling = options.pooling ?? 'avg';
  if (pooling !== 'avg' && pooling !== 'max') throw new InvalidArgumentError('options.pooling', "'avg' or 'max'", describeValue(pooling));
  const featureRank = backbone.model.outputs[0]!.shape.length;
  if (featureRank !== 2 && featureRank !== 4) throw new ShapeMismatchError('options.backbone', `features must be [b, d] or [b, h, w, c], got [${backbone.model.outputs[0]!.shape}].`);
  const clash = backbone.model.layers.find((l) => l.name.startsWith(HEAD_LAYER_PREFIX));
  if (clash) throw new InvalidArgumentError('options.backbone', `a backbone without layers named '${HEAD_LAYER_PREFIX}*'`, `one with '${clash.name}'`, 'Is it already a classifier? Cut it below its head.');
  if (options.normalize !== undefined && typeof options.normalize !== 'boolean') throw new InvalidArgumentError('options.normalize', 'true or false', describeValue(options.normalize));
  const head: HeadConfig = { classes: labels.length, dropout, activation, hidden: options.hidden ?? null, pooling: featureRank === 4 ? pooling : null, ...(options.normalize ? { normalize: true, normalizeAdapted: false } : {}) };
  const classifier = assembleClassifier(backbone, labels, head, headLayers(head, options.seed));
  classifier.freezeBackbone();
  return classifier;
}
