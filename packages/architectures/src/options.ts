/**
 * Builder options mirroring keras.applications (include_top, weights, input_shape, pooling, classes,
 * classifier_activation), with the same validation rules and errors that say what to change.
 */
import { InvalidArgumentError } from '@cnn/ops';

export interface ApplicationOptions {
  /** Include the fully-connected classifier at the top (default true). */
  includeTop?: boolean;
  /**
   * null (random initialization, default) or the path of a tfjs layers model folder / model.json whose
   * weights are loaded by layer name (partial loads allowed for no-top models).
   */
  weights?: string | null;
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
  if (weights !== null && typeof weights !== 'string') throw new InvalidArgumentError('options.weights', 'null or the path of a tfjs layers model', JSON.stringify(weights));
  return { includeTop, weights, inputShape: [h, w, c], pooling, classes, classifierActivation };
}
