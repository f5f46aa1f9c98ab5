/**
 * The two Darknet layers tfjs-layers has no equivalent for. Everything else a cfg needs is a stock layer
 * (Conv2D, DepthwiseConv2D, ZeroPadding2D, BatchNormalization, LeakyReLU, MaxPooling2D, Concatenate, Add,
 * UpSampling2D with nearest interpolation, Dropout, GlobalAveragePooling2D). Both are registered with
 * tf.serialization, so a saved Darknet model reloads with tfl.loadLayersModel once this module is imported.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

function singleShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
}

function singleTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor4D {
  return (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
}

export interface DarknetChannelSliceArgs extends LayerArgs {
  /** First channel kept. */
  start: number;
  /** Number of channels kept. */
  size: number;
}

/**
 * Keeps channels [start, start + size) of an NHWC tensor: darknet's [route] with groups/group_id (CSP
 * blocks of YOLOv4-tiny) and the per-group inputs of a grouped convolution.
 */
export class DarknetChannelSlice extends tfl.layers.Layer {
  static className = 'DarknetChannelSlice';
  readonly start: number;
  readonly size: number;

  constructor(args: DarknetChannelSliceArgs) {
    super(args);
    this.start = args.start;
    this.size = args.size;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = singleShape(inputShape);
    return [...shape.slice(0, -1), this.size];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs);
      return tf.slice(x, [0, 0, 0, this.start], [-1, -1, -1, this.size]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), start: this.start, size: this.size };
  }
}

export interface DarknetMaxPool2DArgs extends LayerArgs {
  poolSize: number;
  /** [y, x] strides. */
  strides: [number, number];
  /** Darknet's total padding per axis; padding / 2 (integer) goes before, the rest after. */
  padding: number;
}

/** Darknet's output size: floor((in + padding - size) / stride) + 1. */
function pooledSize(n: number | null, size: number, stride: number, padding: number): number | null {
  return n === null ? null : Math.floor((n + padding - size) / stride) + 1;
}

/**
 * Max pooling with darknet's padding (forward_maxpool_layer): the window of output i starts at
 * i * stride - floor(padding / 2), and cells outside the input never win. Used only where tfjs' 'same' or
 * 'valid' padding places the windows differently (e.g. a 3x3 / 2 pool on an even input).
 */
export class DarknetMaxPool2D extends tfl.layers.Layer {
  static className = 'DarknetMaxPool2D';
  readonly poolSize: number;
  readonly strides: [number, number];
  readonly padding: number;

  constructor(args: DarknetMaxPool2DArgs) {
    super(args);
    this.poolSize = args.poolSize;
    this.strides = [args.strides[0], args.strides[1]];
    this.padding = args.padding;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [n, h, w, c] = singleShape(inputShape);
    return [n ?? null, pooledSize(h ?? null, this.poolSize, this.strides[0], this.padding), pooledSize(w ?? null, this.poolSize, this.strides[1], this.padding), c ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs);
      const [, h, w] = x.shape;
      const k = this.poolSize;
      const before = Math.floor(this.padding / 2);
      const oh = pooledSize(h, k, this.strides[0], this.padding)!;
      const ow = pooledSize(w, k, this.strides[1], this.padding)!;
      // Pad with the lowest float so padded cells never win, then a 'valid' pool; crop if the pad was generous.
      const afterH = Math.max(0, (oh - 1) * this.strides[0] + k - h - before);
      const afterW = Math.max(0, (ow - 1) * this.strides[1] + k - w - before);
      const padded = tf.pad(x, [[0, 0], [before, afterH], [before, afterW], [0, 0]], -3.4028234663852886e38);
      const pooled = tf.maxPool(padded, k, this.strides, 'valid');
      return pooled.shape[1] === oh && pooled.shape[2] === ow ? pooled : tf.slice(pooled, [0, 0, 0, 0], [-1, oh, ow, -1]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

let registered = false;

/** Registers the Darknet layers with tf.serialization (idempotent; done on import of the loader). */
export function registerDarknetLayers(): void {
  if (registered) return;
  tf.serialization.registerClass(DarknetChannelSlice);
  tf.serialization.registerClass(DarknetMaxPool2D);
  registered = true;
}

registerDarknetLayers();
