/**
 * Intersection over union — "how much do two boxes agree?" (the course) — and generalized IoU (Rezatofighi
 * et al. 2019): GIoU = IoU − |C \ (A ∪ B)| / |C|, C the smallest box enclosing both. GIoU is in [−1, 1] and
 * keeps falling as disjoint boxes move apart, where IoU is stuck at 0.
 *
 * Degenerate boxes never give NaN: an empty union (two zero-area boxes) has IoU 0; an empty enclosing box
 * (two identical points or collinear lines) has GIoU = IoU = 0.
 *
 * Every function takes plain boxes (numbers out) or float32 tensors (tensors out, differentiable).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { describeValue } from '../errors/validate.js';
import type { BoxFormat, BoxLike } from './box-types.js';
import { assertBoxFormat, assertBoxTensor, readBox, readBoxes, toXyxyFlat } from './validate-boxes.js';

export interface IouOptions {
  /** Format of both box sets (default 'xyxy'). */
  format?: BoxFormat;
}

function formatOf(options: unknown): BoxFormat {
  if (options === undefined) return 'xyxy';
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { format? }', describeValue(options));
  const format = (options as IouOptions).format ?? 'xyxy';
  assertBoxFormat(format, 'options.format');
  return format;
}

// ---- numbers ----

/** IoU (generalized: GIoU) of boxes i and j of a flat xyxy array (unchecked: for hot loops such as NMS). */
export function iouFlat(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, generalized = false): number {
  const ax1 = a[i * 4]!, ay1 = a[i * 4 + 1]!, ax2 = a[i * 4 + 2]!, ay2 = a[i * 4 + 3]!;
  const bx1 = b[j * 4]!, by1 = b[j * 4 + 1]!, bx2 = b[j * 4 + 2]!, by2 = b[j * 4 + 3]!;
  const inter = Math.max(Math.min(ax2, bx2) - Math.max(ax1, bx1), 0) * Math.max(Math.min(ay2, by2) - Math.max(ay1, by1), 0);
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  const iou = union > 0 ? inter / union : 0;
  if (!generalized) return iou;
  const c = (Math.max(ax2, bx2) - Math.min(ax1, bx1)) * (Math.max(ay2, by2) - Math.min(ay1, by1));
  return c > 0 ? iou - (c - union) / c : iou;
}

function pairOfNumbers(a: BoxLike, b: BoxLike, options: unknown, generalized: boolean): number {
  const format = formatOf(options);
  const flat = toXyxyFlat([readBox(a, 'a', format), readBox(b, 'b', format)], format);
  return iouFlat(flat, 0, flat, 1, generalized);
}

function matrixOfNumbers(a: readonly BoxLike[], b: readonly BoxLike[], options: unknown, generalized: boolean): number[][] {
  const format = formatOf(options);
  const fa = toXyxyFlat(readBoxes(a, 'a', format), format);
  const fb = toXyxyFlat(readBoxes(b, 'b', format), format);
  const out: number[][] = [];
  for (let i = 0; i < a.length; i++) {
    const row = new Array<number>(b.length);
    for (let j = 0; j < b.length; j++) row[j] = iouFlat(fa, i, fb, j, generalized);
    out.push(row);
  }
  return out;
}

// ---- tensors ----

/**
 * n / d where d > 0, else 0, with a finite gradient everywhere: where d <= 0 it divides by 1 instead and
 * masks the result, so no 0/0 ever enters the graph. (`step`, not `greater` + `where`: tfjs has no
 * gradient for Greater.)
 */
function safeDiv(n: tf.Tensor, d: tf.Tensor): tf.Tensor {
  const ok = tf.step(d); // 1 where d > 0, else 0
  return tf.mul(tf.div(n, tf.add(d, tf.sub(1, ok))), ok);
}

function corners(t: tf.Tensor, format: BoxFormat): [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor] {
  const [p, q, r, s] = tf.split(t, 4, -1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  if (format === 'xyxy') return [p, q, r, s];
  if (format === 'xywh') return [p, q, tf.add(p, r), tf.add(q, s)];
  const hw = tf.div(r, 2);
  const hh = tf.div(s, 2);
  return [tf.sub(p, hw), tf.sub(q, hh), tf.add(p, hw), tf.add(q, hh)];
}

/**
 * Element-wise IoU/GIoU of two [..., 4] tensors of the same shape (no checks; inside the caller's tidy).
 * Widths and heights are clamped at 0: tensor values are not checked, and an inverted box counts as empty.
 */
export function boxIouCore(a: tf.Tensor, b: tf.Tensor, format: BoxFormat, generalized: boolean): tf.Tensor {
  const [ax1, ay1, ax2, ay2] = corners(a, format);
  const [bx1, by1, bx2, by2] = corners(b, format);
  const areaA = tf.mul(tf.relu(tf.sub(ax2, ax1)), tf.relu(tf.sub(ay2, ay1)));
  const areaB = tf.mul(tf.relu(tf.sub(bx2, bx1)), tf.relu(tf.sub(by2, by1)));
  const inter = tf.mul(tf.relu(tf.sub(tf.minimum(ax2, bx2), tf.maximum(ax1, bx1))), tf.relu(tf.sub(tf.minimum(ay2, by2), tf.maximum(ay1, by1))));
  const union = tf.sub(tf.add(areaA, areaB), inter);
  let out = safeDiv(inter, union);
  if (generalized) {
    const enclosing = tf.mul(
      tf.relu(tf.sub(tf.maximum(ax2, bx2), tf.minimum(ax1, bx1))),
      tf.relu(tf.sub(tf.maximum(ay2, by2), tf.minimum(ay1, by1))),
    );
    out = tf.sub(out, safeDiv(tf.sub(enclosing, union), enclosing));
  }
  return tf.squeeze(out, [-1]);
}

/** Asserts a float32 [..., 4] tensor (rank >= 1). */
function assertBoxesTensor(t: unknown, argument: string): asserts t is tf.Tensor {
  const expected = 'a float32 tensor of boxes, shape [..., 4]';
  if (!(t instanceof tf.Tensor) || t.isDisposed || t.dtype !== 'float32' || t.rank < 1 || t.shape[t.rank - 1] !== 4) {
    throw new InvalidArgumentError(argument, expected, describeValue(t));
  }
}

function broadcastShape(a: tf.Tensor, b: tf.Tensor): number[] {
  const rank = Math.max(a.rank, b.rank);
  const out: number[] = [];
  for (let k = 1; k <= rank; k++) {
    const da = a.shape[a.rank - k] ?? 1;
    const db = b.shape[b.rank - k] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new InvalidArgumentError('b', `boxes broadcastable against a's shape [${a.shape.join(', ')}]`, describeValue(b));
    }
    out.unshift(Math.max(da, db));
  }
  return out;
}

function elementwiseOfTensors(a: tf.Tensor, b: unknown, options: unknown, generalized: boolean): tf.Tensor {
  const format = formatOf(options);
  assertBoxesTensor(a, 'a');
  assertBoxesTensor(b, 'b');
  const shape = broadcastShape(a, b);
  return tf.tidy(() => {
    // Broadcast explicitly: tfjs' Maximum/Minimum gradients do not reduce over broadcast dimensions.
    const same = (t: tf.Tensor) => (t.shape.length === shape.length && t.shape.every((d, k) => d === shape[k]) ? t : tf.broadcastTo(t, shape));
    return boxIouCore(same(a), same(b), format, generalized);
  });
}

function matrixOfTensors(a: tf.Tensor2D, b: unknown, options: unknown, generalized: boolean): tf.Tensor2D {
  const format = formatOf(options);
  assertBoxTensor(a, 'a');
  assertBoxTensor(b, 'b');
  const shape = [a.shape[0], b.shape[0], 4];
  return tf.tidy(() => boxIouCore(tf.broadcastTo(tf.expandDims(a, 1), shape), tf.broadcastTo(tf.expandDims(b, 0), shape), format, generalized) as tf.Tensor2D);
}

// ---- public ----

/**
 * IoU of two boxes: area(A ∩ B) / area(A ∪ B), in [0, 1]. With tensors: element-wise over [..., 4] tensors
 * (broadcasting), a tensor of IoUs of shape [...].
 *
 *     iou([0, 0, 2, 2], [1, 1, 3, 3])   // 1 / 7
 */
export function iou(a: BoxLike, b: BoxLike, options?: IouOptions): number;
export function iou(a: tf.Tensor, b: tf.Tensor, options?: IouOptions): tf.Tensor;
export function iou(a: BoxLike | tf.Tensor, b: BoxLike | tf.Tensor, options?: IouOptions): number | tf.Tensor {
  return a instanceof tf.Tensor ? elementwiseOfTensors(a, b, options, false) : pairOfNumbers(a, b as BoxLike, options, false);
}

/** Generalized IoU of two boxes, in [−1, 1] (negative for disjoint boxes). Tensors: as `iou`. */
export function giou(a: BoxLike, b: BoxLike, options?: IouOptions): number;
export function giou(a: tf.Tensor, b: tf.Tensor, options?: IouOptions): tf.Tensor;
export function giou(a: BoxLike | tf.Tensor, b: BoxLike | tf.Tensor, options?: IouOptions): number | tf.Tensor {
  return a instanceof tf.Tensor ? elementwiseOfTensors(a, b, options, true) : pairOfNumbers(a, b as BoxLike, options, true);
}

/** [N, M] IoU matrix between N and M boxes (torchvision.ops.box_iou): arrays -> number[][], [N, 4] and [M, 4] tensors -> [N, M] tensor. */
export function pairwiseIou(a: readonly BoxLike[], b: readonly BoxLike[], options?: IouOptions): number[][];
export function pairwiseIou(a: tf.Tensor2D, b: tf.Tensor2D, options?: IouOptions): tf.Tensor2D;
export function pairwiseIou(a: readonly BoxLike[] | tf.Tensor2D, b: readonly BoxLike[] | tf.Tensor2D, options?: IouOptions): number[][] | tf.Tensor2D {
  return a instanceof tf.Tensor ? matrixOfTensors(a, b, options, false) : matrixOfNumbers(a, b as readonly BoxLike[], options, false);
}

/** [N, M] GIoU matrix (torchvision.ops.generalized_box_iou); arrays or tensors as `pairwiseIou`. */
export function pairwiseGiou(a: readonly BoxLike[], b: readonly BoxLike[], options?: IouOptions): number[][];
export function pairwiseGiou(a: tf.Tensor2D, b: tf.Tensor2D, options?: IouOptions): tf.Tensor2D;
export function pairwiseGiou(a: readonly BoxLike[] | tf.Tensor2D, b: readonly BoxLike[] | tf.Tensor2D, options?: IouOptions): number[][] | tf.Tensor2D {
  return a instanceof tf.Tensor ? matrixOfTensors(a, b, options, true) : matrixOfNumbers(a, b as readonly BoxLike[], options, true);
}
