/**
 * Builder options mirroring keras.applications (include_top, weights, input_shape, pooling, classes,
 * classifier_activation), with the same validation rules and errors that say what to change.
 */
import { InvalidArgumentError, type ResolveOptions } from '@cnn/ops';
import { KERAS_IMAGENET_MODELS } from './imagenet.js';

export interface ApplicationOptions {
  /** Include the fully-connected classifier at the top (default true). */
  includeTop?: boolean;
  /**
   * null (random initialization, default); 'imagenet' (the official Keras weights, found on CNN_WEIGHTS_PATH or
   * in the cache, else downloaded once: see `kerasImagenetWeights`); or the path / id of a Keras .h5 file or a
   * tfjs layers model whose weights are loaded by layer name with every shape checked.
   */
  weights?: 'imagenet' | string | null;
  /** How `weights` are found: search path, cache folder, offline, download progress, AbortSignal. */
  weightsOptions?: ResolveOptions;
  /** [height, width, channels]; height/width may be null when includeTop is false. */
  inputShape?: [number | null, number | null, number];
  /** Global pooling after the last block when includeTop is false. */
  pooling?: 'avg' | 'max' | null;
  /** Number of classes when includeTop is true (default 1000). */
  classes?: number;
  /** Activation of the classifier (default 'softmax'); 'linear' for logits. */
  classifierActivation?: 'softmax' | 'sigmoid' | 'linear';
}

export interface ResolvedOptions {
  includeTop: boolean;
  weights: string | null;
  weightsOptions: ResolveOptions;
  inputShape: [number | null, number | null, number];
  pooling: 'avg' | 'max' | null;
  classes: number;
  classifierActivation: 'softmax' | 'sigmoid' | 'linear';
}

/** Applies defaults and checks, as keras.applications does. `minSize` is the smallest spatial size the net accepts. */
export function resolveOptions(model: string, options: ApplicationOptions, defaultShape: [number, number, number], minSize: number): ResolvedOptions {
  const includeTop = options.includeTop ?? true;
  const inputShape = options.inputShape ?? (includeTop ? defaultShape : [null, null, defaultShape[2]]);
  if (!Array.isArray(inputShape) || inputShape.length !== 3) {
    throw new InvalidArgumentError('options.inputShape', '[height, width, channels]', JSON.stringify(inputShape));
  }
  const [h, w, c] = inputShape;
  if (!Number.isInteger(c) || c < 1) throw new InvalidArgumentError('options.inputShape[2]', 'a positive number of channels', String(c));
  for (const [v, name] of [
    [h, 'height'],
    [w, 'width'],
  ] as const) {
    if (v === null) {
      if (includeTop) throw new InvalidArgumentError('options.inputShape', `a fixed ${name} when includeTop is true (the classifier needs a fixed size)`, JSON.stringify(inputShape), 'Give the size, or set includeTop: false.');
    } else if (!Number.isInteger(v) || v < minSize) {
      throw new InvalidArgumentError('options.inputShape', `${name} >= ${minSize} for ${model}`, JSON.stringify(inputShape));
    }
  }
  const classes = options.classes ?? 1000;
  if (!Number.isInteger(classes) || classes < 1) throw new InvalidArgumentError('options.classes', 'a positive integer', String(classes));
  const pooling = options.pooling ?? null;
  if (pooling !== null && pooling !== 'avg' && pooling !== 'max') throw new InvalidArgumentError('options.pooling', "'avg', 'max' or null", JSON.stringify(pooling));
  const classifierActivation = options.classifierActivation ?? 'softmax';
  if (!['softmax', 'sigmoid', 'linear'].includes(classifierActivation)) {
    throw new InvalidArgumentError('options.classifierActivation', "'softmax', 'sigmoid' or 'linear'", JSON.stringify(classifierActivation));
  }
  const weights = options.weights ?? null;
  if (weights !== null && (typeof weights !== 'string' || weights.length === 0)) {
    throw new InvalidArgumentError('options.weights', "null, 'imagenet', or the path of a Keras .h5 file or tfjs layers model", JSON.stringify(weights));
  }
  if (weights === 'imagenet') {
    // keras.applications' rules for the published weights.
    if (!(KERAS_IMAGENET_MODELS as readonly string[]).includes(model)) {
      throw new InvalidArgumentError('options.weights', `null or a path: Keras publishes no ImageNet weights for ${model} (it has them for ${KERAS_IMAGENET_MODELS.join(', ')})`, "'imagenet'");
    }
    if (includeTop && classes !== 1000) throw new InvalidArgumentError('options.classes', "1000 with weights: 'imagenet' and includeTop (the published classifier)", String(classes), 'Use includeTop: false and add your own head for other classes.');
    if (c !== 3) throw new InvalidArgumentError('options.inputShape', "3 channels with weights: 'imagenet'", JSON.stringify(inputShape));
    if (includeTop && (h !== defaultShape[0] || w !== defaultShape[1]) && model !== 'MobileNet' && model !== 'MobileNetV2') {
      throw new InvalidArgumentError('options.inputShape', `[${defaultShape.join(', ')}] with weights: 'imagenet' and includeTop`, JSON.stringify(inputShape), 'Use includeTop: false for other sizes.');
    }
    if (includeTop && classifierActivation === 'sigmoid') throw new InvalidArgumentError('options.classifierActivation', "'softmax' or 'linear' with weights: 'imagenet'", "'sigmoid'");
  }
  const weightsOptions = options.weightsOptions ?? {};
  return { includeTop, weights, weightsOptions, inputShape: [h, w, c], pooling, classes, classifierActivation };
}
