/**
 * The YOLO loss (Redmon et al. 2016, eq. 3; YOLOv2's sum-squared form), between targets from encodeTargets
 * and a head's raw output, summed over cells and anchors and averaged over the images of the batch:
 *
 *   coord      = λcoord Σ 1obj [ (σ(tx) − bx)² + (σ(ty) − by)² + (th − h*)² + (tw − w*)² ]
 *   objectness = λobj   Σ 1obj (σ(to) − 1)²
 *   noObject   = λnoobj Σ 1noobj σ(to)²
 *   class      = λclass Σ 1obj Σc (softmax(logits)c − pc)²
 *
 * 1obj is the target's pc (1 where an object was assigned to that cell and anchor), 1noobj = 1 − pc.
 * Sizes follow the targets' `sizeEncoding`: 'image' / 'cell' are YOLOv1's square roots (h* = √bh: the head
 * predicts √h, so an error on a small box costs more than on a large one); 'logAnchor' is YOLOv2's
 * t-space (h* = ln(h / anchor h)), which already weighs sizes relatively.
 * Simplifications, documented: the objectness target is 1 (the course's pc) rather than the IoU of the
 * predicted box with the truth (the papers' "rescore"), and YOLOv2's "ignore predictions with IoU > 0.6"
 * and early anchor-prior terms are left out. Differentiable on every backend (sigmoid, softmax, square, sum).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, assertFiniteNumber, describeValue } from '@cnn/ops';
import { assertYoloTensor, readEncoding, readLayout, type RawLayout } from './activate-output.js';
import type { SizeEncoding } from './grid-spec.js';

export interface YoloLossOptions {
  /** Weight of the box terms (default 5, the paper's). */
  lambdaCoord?: number;
  /** Weight of pc where there is no object (default 0.5, the paper's). */
  lambdaNoobj?: number;
  /** Weight of pc where there is an object (default 1). */
  lambdaObj?: number;
  /** Weight of the class term (default 1). */
  lambdaClass?: number;
  /** How the targets write sizes (default 'image'); must match encodeTargets'. */
  sizeEncoding?: SizeEncoding;
  /** Order of yPred's raw numbers (default 'course': [to, tx, ty, th, tw, classes...]). */
  layout?: RawLayout;
}

/** The loss and its terms, scalars (mean over the batch). The caller owns them. */
export interface YoloLossTerms {
  total: tf.Scalar;
  coord: tf.Scalar;
  objectness: tf.Scalar;
  noObject: tf.Scalar;
  class: tf.Scalar;
}

interface LossParams {
  lambdaCoord: number;
  lambdaNoobj: number;
  lambdaObj: number;
  lambdaClass: number;
  encoding: SizeEncoding;
  layout: RawLayout;
}

function readParams(options: unknown): LossParams {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError('options', 'an options object { lambdaCoord?, lambdaNoobj?, sizeEncoding?, ... }', describeValue(options));
  }
  const o = options as Record<string, unknown>;
  const lambda = (key: string, fallback: number) => {
    const v = o[key] ?? fallback;
    assertFiniteNumber(v, `options.${key}`, { min: 0 });
    return v;
  };
  return {
    lambdaCoord: lambda('lambdaCoord', 5),
    lambdaNoobj: lambda('lambdaNoobj', 0.5),
    lambdaObj: lambda('lambdaObj', 1),
    lambdaClass: lambda('lambdaClass', 1),
    encoding: readEncoding(o['sizeEncoding'], 'options.sizeEncoding'),
    layout: readLayout(o['layout'], 'options.layout'),
  };
}

function checkInputs(yTrue: unknown, yPred: unknown): asserts yTrue is tf.Tensor {
  assertYoloTensor(yTrue, 'yTrue', 4);
  assertYoloTensor(yPred, 'yPred', 4);
  if (yTrue.rank > 5) throw new InvalidArgumentError('yTrue', 'a rank-4 [rows, cols, B, 5 + C] or rank-5 [N, rows, cols, B, 5 + C] tensor', describeValue(yTrue));
  if (yPred.rank !== yTrue.rank || yPred.shape.some((d, k) => d !== yTrue.shape[k])) {
    throw new ShapeMismatchError('yPred', `yTrue is [${yTrue.shape.join(', ')}] but yPred is [${yPred.shape.join(', ')}]; they must be equal.`);
  }
}

function terms(yTrue: tf.Tensor, yPred: tf.Tensor, p: LossParams): YoloLossTerms {
  const c = yTrue.shape[yTrue.rank - 1]! - 5;
  const batch = yTrue.rank === 5 ? yTrue.shape[0]! : 1;
  const [pc, bx, by, bh, bw, classes] = tf.split(yTrue, [1, 1, 1, 1, 1, c], -1) as tf.Tensor[];
  const [r0, r1, r2, r3, r4, logits] = tf.split(yPred, [1, 1, 1, 1, 1, c], -1) as tf.Tensor[];
  const [to, tx, ty, th, tw] = p.layout === 'course' ? [r0!, r1!, r2!, r3!, r4!] : [r4!, r0!, r1!, r3!, r2!];
  const obj = pc!;
  const noobj = tf.sub(1, obj);
  const sizeTarget = (t: tf.Tensor) => (p.encoding === 'logAnchor' ? t : tf.sqrt(t));
  const weighted = (lambda: number, mask: tf.Tensor, t: tf.Tensor) => tf.div(tf.mul(lambda, tf.sum(tf.mul(mask, t))), batch) as tf.Scalar;
  const coordErr = tf.addN([
    tf.squaredDifference(tf.sigmoid(tx), bx!),
    tf.squaredDifference(tf.sigmoid(ty), by!),
    tf.squaredDifference(th, sizeTarget(bh!)),
    tf.squaredDifference(tw, sizeTarget(bw!)),
  ]);
  const objectness = tf.sigmoid(to);
  const coord = weighted(p.lambdaCoord, obj, coordErr);
  const objTerm = weighted(p.lambdaObj, obj, tf.square(tf.sub(1, objectness)));
  const noObject = weighted(p.lambdaNoobj, noobj, tf.square(objectness));
  const classTerm = weighted(p.lambdaClass, obj, tf.sum(tf.squaredDifference(tf.softmax(logits!), classes!), -1, true));
  const total = tf.addN([coord, objTerm, noObject, classTerm]) as tf.Scalar;
  return { total, coord, objectness: objTerm, noObject, class: classTerm };
}

/**
 * The YOLO loss and each of its terms (see the top of this file) for targets `yTrue` (encodeTargets) and
 * raw head output `yPred`, both [rows, cols, B, 5 + C] or [N, rows, cols, B, 5 + C]. Use `.total` under
 * tf.grad / an optimizer; dispose what you keep.
 */
export function yoloLoss(yTrue: tf.Tensor, yPred: tf.Tensor, options: YoloLossOptions = {}): YoloLossTerms {
  const p = readParams(options);
  checkInputs(yTrue, yPred);
  return tf.tidy(() => terms(yTrue, yPred, p) as unknown as Record<string, tf.Tensor>) as unknown as YoloLossTerms;
}

/**
 * The total loss as a `(yTrue, yPred) => scalar` function, for tfjs-layers' `model.compile({ loss })` or a
 * custom training loop.
 */
export function yoloLossFunction(options: YoloLossOptions = {}): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar {
  const p = readParams(options);
  return (yTrue, yPred) => {
    checkInputs(yTrue, yPred);
    return tf.tidy(() => terms(yTrue, yPred, p).total);
  };
}
