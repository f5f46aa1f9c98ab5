/**
 * The two layers of Johnson et al.'s transform network that tfjs-layers lacks.
 *
 * Instance normalization (Ulyanov et al. 2016), the normalization of Johnson et al.'s transform network as
 * ml5/deeplearn.js and lengstrom/fast-style-transfer run it: per image and per channel, over H and W,
 *   y = γ · (x − μ) / √(σ² + ε) + β,   μ, σ² = mean and biased variance of x over (H, W),
 * with a learned scale γ and shift β per channel. Unlike batch norm it has no running statistics: training
 * and inference compute the same thing, so one layer serves both.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@cnn/ops';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** The instance-norm formula on [N, H, W, C] (or [H, W, C]) with scale γ and shift β of shape [C]. */
export function instanceNorm<T extends tf.Tensor3D | tf.Tensor4D>(x: T, scale: tf.Tensor1D, shift: tf.Tensor1D, epsilon = 1e-3): T {
  return tf.tidy(() => {
    const axes = x.rank === 4 ? [1, 2] : [0, 1];
    const { mean, variance } = tf.moments(x, axes, true);
    const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
    return tf.add(tf.mul(normalized, scale), shift) as T;
  });
}

export interface InstanceNormalizationArgs extends LayerArgs {
  /** ε added to the variance (default 1e-3, as the ml5 / lengstrom nets were trained). */
  epsilon?: number;
}

/**
 * Instance normalization as a tfjs-layers layer (NHWC). Weights, in `getWeights()` order: gamma (scale,
 * ones at init) and beta (shift, zeros), both [C]. Registered with tf.serialization (see
 * `registerFastStyleLayers`), so a saved transform net reloads with tfl.loadLayersModel.
 */
export class InstanceNormalization extends tfl.layers.Layer {
  static className = 'InstanceNormalization';
  readonly epsilon: number;
  private gamma?: tfl.LayerVariable;
  private beta?: tfl.LayerVariable;

  constructor(args: InstanceNormalizationArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.epsilon > 0 && Number.isFinite(this.epsilon))) throw new InvalidArgumentError('epsilon', 'a positive number', String(args.epsilon));
    this.supportsMasking = false;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1];
    if (shape.length !== 4 || channels == null) throw new InvalidArgumentError(`${this.name} input`, 'NHWC activations with a known channel count', `shape [${shape.join(', ')}]`);
    this.gamma = this.addWeight('gamma', [channels], 'float32', tfl.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return instanceNorm(x, this.gamma!.read() as tf.Tensor1D, this.beta!.read() as tf.Tensor1D, this.epsilon);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

export interface ScaledTanhArgs extends LayerArgs {
  /** Multiplier of tanh (default 150). */
  scale?: number;
  /** Added after scaling (default 127.5). */
  offset?: number;
  /** Output range at inference (default [0, 255]); not applied when called with `training: true`. */
  clip?: [number, number] | null;
}

/**
 * The transform net's output: clip(tanh(x)·150 + 127.5, 0, 255), RGB in 0-255. The clip applies at inference
 * only: called with `{ training: true }` (tfjs-layers passes it to every layer of `model.apply`) the range is
 * tanh's [−22.5, 277.5], as lengstrom's training graph has it, so saturated pixels still get gradients.
 */
export class ScaledTanh extends tfl.layers.Layer {
  static className = 'ScaledTanh';
  readonly scale: number;
  readonly offset: number;
  readonly clip: [number, number] | null;

  constructor(args: ScaledTanhArgs = {}) {
    super(args);
    this.scale = args.scale ?? 150;
    this.offset = args.offset ?? 127.5;
    this.clip = args.clip === undefined ? [0, 255] : args.clip;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const y = tf.add(tf.mul(tf.tanh(x), this.scale), this.offset);
      return this.clip && kwargs?.['training'] !== true ? tf.clipByValue(y, this.clip[0], this.clip[1]) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset, clip: this.clip };
  }
}

let registered = false;

/** Registers InstanceNormalization and ScaledTanh with tf.serialization (idempotent; transformNet calls it). */
export function registerFastStyleLayers(): void {
  if (registered) return;
  tf.serialization.registerClass(InstanceNormalization);
  tf.serialization.registerClass(ScaledTanh);
  registered = true;
}
