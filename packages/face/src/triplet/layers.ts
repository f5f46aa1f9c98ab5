/**
 * The two layers the face training models need that tfjs-layers lacks, registered for serialization so saved
 * models load again (`registerFaceTrainingLayers()`, called by the builders and by `loadEmbeddingNet`):
 * - `L2Normalization`: x / ‖x‖₂ along the last axis (Keras' UnitNormalization / tf.math.l2_normalize), the
 *   last layer of a FaceNet-style embedding net, so every face lands on the unit hypersphere;
 * - `PairFeatures`: the input of a Siamese verification head, from two embeddings f1, f2: |f1 − f2| (the
 *   course's), f1 ⊙ f2, and DeepFace's χ² term (f1 − f2)² / (|f1| + |f2| + ε), concatenated.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, describeValue } from '@cnn/ops';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface L2NormalizationArgs extends LayerArgs {
  /** Added to ‖x‖² before the square root (default 1e-12, as tf.math.l2_normalize). */
  epsilon?: number;
}

/** y = x / sqrt(max(Σ x², ε)) along the last axis. */
export class L2Normalization extends tfl.layers.Layer {
  static className = 'L2Normalization';
  readonly epsilon: number;

  constructor(args: L2NormalizationArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-12;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      return tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), -1, true), this.epsilon)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

export type PairFeature = 'abs-diff' | 'product' | 'chi2';
export const PAIR_FEATURES: readonly PairFeature[] = ['abs-diff', 'product', 'chi2'];

export interface PairFeaturesArgs extends LayerArgs {
  /** Which features, in this order (default ['abs-diff']). */
  features?: PairFeature[];
  /** χ² denominator guard (default 1e-7). */
  epsilon?: number;
}

export function checkPairFeatures(features: unknown, argument: string): PairFeature[] {
  if (!Array.isArray(features) || features.length === 0 || features.some((f) => !PAIR_FEATURES.includes(f as PairFeature)) || new Set(features).size !== features.length) {
    throw new InvalidArgumentError(argument, `a non-empty list of distinct features from ${PAIR_FEATURES.map((f) => `'${f}'`).join(', ')}`, describeValue(features));
  }
  return features as PairFeature[];
}

/**
 * Takes [f1, f2] ([batch, d] each) and returns [batch, d · features.length]: per feature, |f1 − f2|, f1 ⊙ f2 or
 * (f1 − f2)² / (|f1| + |f2| + ε). The χ² term uses |f1| + |f2| so that signed embeddings (DeepFace's are
 * non-negative) cannot make the denominator vanish. All three are symmetric in f1 and f2.
 */
export class PairFeatures extends tfl.layers.Layer {
  static className = 'PairFeatures';
  readonly features: PairFeature[];
  readonly epsilon: number;

  constructor(args: PairFeaturesArgs = {}) {
    super(args);
    this.features = checkPairFeatures(args.features ?? ['abs-diff'], 'features');
    this.epsilon = args.epsilon ?? 1e-7;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const first = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const d = first[first.length - 1];
    return [...first.slice(0, -1), d == null ? null : d * this.features.length];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) throw new InvalidArgumentError('inputs', 'two embeddings [f1, f2]', describeValue(inputs));
      const [a, b] = inputs as [tf.Tensor, tf.Tensor];
      const parts = this.features.map((f) => {
        if (f === 'abs-diff') return tf.abs(tf.sub(a, b));
        if (f === 'product') return tf.mul(a, b);
        return tf.div(tf.square(tf.sub(a, b)), tf.add(tf.add(tf.abs(a), tf.abs(b)), this.epsilon));
      });
      return parts.length === 1 ? parts[0]! : tf.concat(parts, -1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), features: this.features, epsilon: this.epsilon };
  }
}

let registered = false;

/** Registers L2Normalization and PairFeatures with tf.serialization (idempotent). */
export function registerFaceTrainingLayers(): void {
  if (registered) return;
  tf.serialization.registerClass(L2Normalization);
  tf.serialization.registerClass(PairFeatures);
  registered = true;
}
