/**
 * From a YOLO head's raw numbers to the target space encodeTargets writes, so that predictions and labels
 * compare entry by entry (the loss) and decode the same way (decodeTargets):
 *   pc = σ(to),  bx = σ(tx),  by = σ(ty)                      (YOLOv2: the centre stays inside its cell)
 *   bh, bw = th, tw            for 'logAnchor' (YOLOv2: size = anchor · exp(t), decoded later)
 *   bh, bw = th², tw²          for 'image' / 'cell' (YOLOv1: the net predicts √h, √w)
 *   c = softmax(class logits)
 * Raw vectors come in the course's order [to, tx, ty, th, tw, classes...] (what yoloHead is trained to emit)
 * or Darknet's [tx, ty, tw, th, to, classes...] (a converted YOLOv2 region layer).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, assertTensor, describeValue } from '@cnn/ops';
import { SIZE_ENCODINGS, type SizeEncoding } from './grid-spec.js';

/** Order of the raw numbers of one anchor: 'course' [to, tx, ty, th, tw, ...] or 'darknet' [tx, ty, tw, th, to, ...]. */
export type RawLayout = 'course' | 'darknet';
export const RAW_LAYOUTS: readonly RawLayout[] = ['course', 'darknet'];

export interface ActivateOutputOptions {
  /** How the targets write sizes (default 'image'); see SizeEncoding. */
  sizeEncoding?: SizeEncoding;
  /** Order of the raw numbers (default 'course'). */
  layout?: RawLayout;
}

export function readLayout(value: unknown, argument: string): RawLayout {
  const layout = value ?? 'course';
  if (layout !== 'course' && layout !== 'darknet') {
    throw new InvalidArgumentError(argument, "'course' ([to, tx, ty, th, tw, classes]) or 'darknet' ([tx, ty, tw, th, to, classes])", describeValue(value));
  }
  return layout;
}

export function readEncoding(value: unknown, argument: string): SizeEncoding {
  const encoding = value ?? 'image';
  if (typeof encoding !== 'string' || !(SIZE_ENCODINGS as readonly string[]).includes(encoding)) {
    throw new InvalidArgumentError(argument, `one of ${SIZE_ENCODINGS.map((s) => `'${s}'`).join(', ')}`, describeValue(value));
  }
  return encoding as SizeEncoding;
}

/** Asserts a float32 tensor whose last axis holds 5 + C values, C >= 1. */
export function assertYoloTensor(t: unknown, argument: string, minRank = 2): asserts t is tf.Tensor {
  assertTensor(t, argument, { dtype: 'float32' });
  const last = t.shape[t.rank - 1] ?? 0;
  if (t.rank < minRank || last < 6) {
    throw new InvalidArgumentError(argument, `a float32 tensor of rank >= ${minRank} whose last axis holds 5 + C values (C >= 1), e.g. [rows, cols, B, 5 + C]`, describeValue(t));
  }
}

/** The activation, unchecked, for callers inside a tidy (the loss). Returns [pc, bx, by, bh, bw, probs], each [..., 1] but probs [..., C]. */
export function activateParts(raw: tf.Tensor, encoding: SizeEncoding, layout: RawLayout): [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor] {
  const c = raw.shape[raw.rank - 1]! - 5;
  const [p0, p1, p2, p3, p4, logits] = tf.split(raw, [1, 1, 1, 1, 1, c], -1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const [to, tx, ty, th, tw] = layout === 'course' ? [p0, p1, p2, p3, p4] : [p4, p0, p1, p3, p2];
  const size = (t: tf.Tensor) => (encoding === 'logAnchor' ? t : tf.square(t));
  return [tf.sigmoid(to), tf.sigmoid(tx), tf.sigmoid(ty), size(th), size(tw), tf.softmax(logits)];
}

/**
 * Maps raw head output [..., 5 + C] to target space (same shape, the course's order; see the top of this
 * file). Differentiable; the input is not disposed.
 */
export function activateYoloOutput<T extends tf.Tensor>(raw: T, options: ActivateOutputOptions = {}): T {
  assertYoloTensor(raw, 'raw', 1);
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { sizeEncoding?, layout? }', describeValue(options));
  const encoding = readEncoding(options.sizeEncoding, 'options.sizeEncoding');
  const layout = readLayout(options.layout, 'options.layout');
  return tf.tidy(() => tf.concat(activateParts(raw, encoding, layout), -1)) as T;
}
