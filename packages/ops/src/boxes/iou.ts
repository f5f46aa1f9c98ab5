/**
 * Intersection over union — "how much do two boxes agree?" — and GIoU, which also scores disjoint boxes
 * by how far apart they are: GIoU = IoU − |C \ (A ∪ B)| / |C| with C the smallest enclosing box.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertBox, assertBoxes, assertBoxTensor, convertBoxes, type BoxFormat } from './box-format.js';

function toXyxy(b: readonly number[], format: BoxFormat): readonly number[] {
  return format === 'xyxy' ? b : convertBoxes([b], { from: format, to: 'xyxy' })[0]!;
}

function overlap(a: readonly number[], b: readonly number[]): { inter: number; union: number; enclosing: number } {
  const iw = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
  const ih = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
  const inter = iw * ih;
  const union = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter;
  const enclosing = (Math.max(a[2]!, b[2]!) - Math.min(a[0]!, b[0]!)) * (Math.max(a[3]!, b[3]!) - Math.min(a[1]!, b[1]!));
  return { inter, union, enclosing };
}

/** IoU of two validated xyxy boxes (no checks: for hot loops such as NMS). */
export function iouXyxy(a: readonly number[], b: readonly number[]): number {
  const { inter, union } = overlap(a, b);
  return union > 0 ? inter / union : 0;
}

/** IoU of two boxes (0 when both are empty). */
export function iou(a: readonly number[], b: readonly number[], format: BoxFormat = 'xyxy'): number {
  assertBox(a, 'a', format);
  assertBox(b, 'b', format);
  const { inter, union } = overlap(toXyxy(a, format), toXyxy(b, format));
  return union > 0 ? inter / union : 0;
}

/** Generalized IoU in [−1, 1]. */
export function giou(a: readonly number[], b: readonly number[], format: BoxFormat = 'xyxy'): number {
  assertBox(a, 'a', format);
  assertBox(b, 'b', format);
  const { inter, union, enclosing } = overlap(toXyxy(a, format), toXyxy(b, format));
  const i = union > 0 ? inter / union : 0;
  return enclosing > 0 ? i - (enclosing - union) / enclosing : i;
}

/** [N, M] matrix of IoU (or GIoU) between two box lists. */
export function pairwiseIou(a: readonly (readonly number[])[], b: readonly (readonly number[])[], options: { format?: BoxFormat; generalized?: boolean } = {}): number[][] {
  const format = options.format ?? 'xyxy';
  assertBoxes(a, 'a', format);
  assertBoxes(b, 'b', format);
  const ax = a.map((x) => toXyxy(x, format));
  const bx = b.map((x) => toXyxy(x, format));
  return ax.map((p) =>
    bx.map((q) => {
      const { inter, union, enclosing } = overlap(p, q);
      const i = union > 0 ? inter / union : 0;
      return options.generalized && enclosing > 0 ? i - (enclosing - union) / enclosing : i;
    }),
  );
}

/**
 * Element-wise IoU/GIoU of two [N, 4] tensors (broadcasting [N, 1, 4] vs [1, M, 4] gives the pairwise
 * matrix). Differentiable; `eps` keeps the division finite for empty boxes.
 */
export function boxIouTensor(a: tf.Tensor, b: tf.Tensor, options: { format?: BoxFormat; generalized?: boolean; eps?: number } = {}): tf.Tensor {
  const eps = options.eps ?? 1e-7;
  return tf.tidy(() => {
    const split = (t: tf.Tensor) => tf.split(t, 4, -1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const xyxy = (t: tf.Tensor) => {
      const [p, q, r, s] = split(t);
      const f = options.format ?? 'xyxy';
      if (f === 'xyxy') return [p, q, r, s];
      if (f === 'xywh') return [p, q, tf.add(p, r), tf.add(q, s)];
      return [tf.sub(p, tf.div(r, 2)), tf.sub(q, tf.div(s, 2)), tf.add(p, tf.div(r, 2)), tf.add(q, tf.div(s, 2))];
    };
    const [ax1, ay1, ax2, ay2] = xyxy(a) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const [bx1, by1, bx2, by2] = xyxy(b) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const iw = tf.relu(tf.sub(tf.minimum(ax2, bx2), tf.maximum(ax1, bx1)));
    const ih = tf.relu(tf.sub(tf.minimum(ay2, by2), tf.maximum(ay1, by1)));
    const inter = tf.mul(iw, ih);
    const union = tf.sub(tf.add(tf.mul(tf.sub(ax2, ax1), tf.sub(ay2, ay1)), tf.mul(tf.sub(bx2, bx1), tf.sub(by2, by1))), inter);
    let out = tf.div(inter, tf.add(union, eps));
    if (options.generalized) {
      const cw = tf.sub(tf.maximum(ax2, bx2), tf.minimum(ax1, bx1));
      const ch = tf.sub(tf.maximum(ay2, by2), tf.minimum(ay1, by1));
      const c = tf.add(tf.mul(cw, ch), eps);
      out = tf.sub(out, tf.div(tf.sub(c, union), c));
    }
    return tf.squeeze(out, [-1]);
  });
}

/** [N, M] IoU/GIoU matrix of two [N, 4] and [M, 4] box tensors. */
export function pairwiseIouTensor(a: tf.Tensor2D, b: tf.Tensor2D, options: { format?: BoxFormat; generalized?: boolean } = {}): tf.Tensor2D {
  assertBoxTensor(a, 'a');
  assertBoxTensor(b, 'b');
  return tf.tidy(() => boxIouTensor(tf.expandDims(a, 1), tf.expandDims(b, 0), options)) as tf.Tensor2D;
}
