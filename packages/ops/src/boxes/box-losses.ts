/**
 * Box regression losses: IoU loss = 1 − IoU and GIoU loss = 1 − GIoU (Rezatofighi et al. 2019), for
 * predicted vs target boxes matched row by row. IoU loss has no gradient once boxes stop overlapping;
 * GIoU's enclosing-box term still pulls them together. Differentiable tfjs tensors; the divisions are
 * guarded so gradients stay finite for disjoint, identical and zero-area boxes (no eps bias on the value).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertOneOf, describeValue } from '../errors/validate.js';
import type { BoxFormat } from './box-types.js';
import { boxIouCore } from './iou.js';
import { assertBoxFormat, assertBoxTensor } from './validate-boxes.js';

export interface BoxLossOptions {
  /** Format of pred and target (default 'xyxy'). */
  format?: BoxFormat;
  /** 'mean' (default; 0 for no boxes), 'sum', or 'none' for the [N] per-box losses. */
  reduction?: 'mean' | 'sum' | 'none';
}

function boxLoss(pred: unknown, target: unknown, options: unknown, generalized: boolean): tf.Tensor {
  assertBoxTensor(pred, 'pred');
  assertBoxTensor(target, 'target');
  if (pred.shape[0] !== target.shape[0]) {
    throw new InvalidArgumentError('target', `a float32 [${pred.shape[0]}, 4] tensor (one target per predicted box)`, describeValue(target));
  }
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { format?, reduction? }', describeValue(options));
  const o = options as BoxLossOptions;
  const format = o.format ?? 'xyxy';
  assertBoxFormat(format, 'options.format');
  const reduction = o.reduction ?? 'mean';
  assertOneOf(reduction, 'options.reduction', ['mean', 'sum', 'none'] as const);
  const n = pred.shape[0];
  return tf.tidy(() => {
    const loss = tf.sub(1, boxIouCore(pred, target, format, generalized));
    if (reduction === 'none') return loss;
    const sum = tf.sum(loss);
    // mean over no boxes is 0, not NaN: a batch without targets must not poison training.
    return reduction === 'sum' ? sum : tf.div(sum, Math.max(n, 1));
  });
}

/** 1 − IoU per matched pair of [N, 4] boxes, reduced by `reduction` (default mean). In [0, 1]. */
export function iouLoss(pred: tf.Tensor2D, target: tf.Tensor2D, options: BoxLossOptions = {}): tf.Tensor {
  return boxLoss(pred, target, options, false);
}

/** 1 − GIoU per matched pair of [N, 4] boxes, reduced by `reduction` (default mean). In [0, 2]. */
export function giouLoss(pred: tf.Tensor2D, target: tf.Tensor2D, options: BoxLossOptions = {}): tf.Tensor {
  return boxLoss(pred, target, options, true);
}
