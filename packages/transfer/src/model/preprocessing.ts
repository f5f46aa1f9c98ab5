/**
 * The input preprocessing a pretrained backbone expects, recorded as plain JSON so it travels with the saved
 * classifier: Keras' preprocess_input modes ('caffe', 'tf', 'torch'), or a rescale x * scale + offset (e.g.
 * darknet's RGB / 255), or none. Plus how a picture of another size is resized to the input size.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, assertTensor, describeValue } from '@cnn/ops';
import { preprocessInput, type PreprocessMode } from '@cnn/architectures';

export interface Preprocessing {
  /** 'caffe' | 'tf' | 'torch': keras preprocess_input; 'rescale': x * scale + offset; 'none': pixels 0-255 as they are. */
  mode: PreprocessMode | 'rescale' | 'none';
  /** For 'rescale' (default 1/255). */
  scale?: number;
  /** For 'rescale' (default 0). */
  offset?: number;
  /** Resizing pictures to the input size: bilinear with align_corners (TF1/ml5 style) or half-pixel centers (TF2, default). */
  alignCorners?: boolean;
}

const MODES = ['caffe', 'tf', 'torch', 'rescale', 'none'] as const;

/** Checks a preprocessing value (or a bare mode name) and returns it in object form. */
export function readPreprocessing(value: unknown, argument = 'preprocessing'): Preprocessing {
  const p = typeof value === 'string' ? { mode: value } : value;
  if (p === null || typeof p !== 'object' || !MODES.includes((p as Preprocessing).mode)) {
    throw new InvalidArgumentError(argument, `one of ${MODES.map((m) => `'${m}'`).join(', ')} or { mode, scale?, offset?, alignCorners? }`, describeValue(value));
  }
  const out: Preprocessing = { mode: (p as Preprocessing).mode };
  const { scale, offset, alignCorners } = p as Preprocessing;
  if (out.mode === 'rescale') {
    out.scale = scale ?? 1 / 255;
    out.offset = offset ?? 0;
    if (!Number.isFinite(out.scale) || !Number.isFinite(out.offset)) throw new InvalidArgumentError(`${argument}.scale/offset`, 'finite numbers', `${describeValue(scale)} / ${describeValue(offset)}`);
  }
  if (alignCorners !== undefined) {
    if (typeof alignCorners !== 'boolean') throw new InvalidArgumentError(`${argument}.alignCorners`, 'a boolean', describeValue(alignCorners));
    out.alignCorners = alignCorners;
  }
  return out;
}

/** Applies `p` to RGB pixels 0-255 (any rank, channels last); returns a new float32 tensor. */
export function applyPreprocessing<T extends tf.Tensor>(pixels: T, p: Preprocessing): T {
  assertTensor(pixels, 'pixels', { dtype: ['float32', 'int32'] });
  return tf.tidy(() => {
    const x = tf.cast(pixels, 'float32') as T;
    switch (p.mode) {
      case 'none':
        return x.clone();
      case 'rescale':
        return tf.add(tf.mul(x, p.scale ?? 1 / 255), p.offset ?? 0) as T;
      default:
        return preprocessInput(x, p.mode);
    }
  });
}

/** A short description, e.g. "caffe (RGB->BGR, minus ImageNet means)". */
export function describePreprocessing(p: Preprocessing): string {
  switch (p.mode) {
    case 'caffe':
      return 'caffe (RGB->BGR, minus the ImageNet BGR means)';
    case 'tf':
      return 'tf (x / 127.5 - 1)';
    case 'torch':
      return 'torch (x / 255, minus the ImageNet means, over the stds)';
    case 'rescale':
      return `rescale (x * ${p.scale} + ${p.offset})`;
    default:
      return 'none (pixels 0-255)';
  }
}
