/**
 * Box regression losses on tensors: IoU loss = 1 − IoU and GIoU loss = 1 − GIoU (Rezatofighi et al. 2019),
 * whose gradient still pulls disjoint boxes together. Differentiable; `eps` keeps gradients finite.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertOneOf } from '../errors/validate.js';
import { assertBoxTensor, type BoxFormat } from './box-format.js';
import { boxIouTensor } from './iou.js';

export interface BoxLossOptions {
  format?: BoxFormat;
  reduction?: 'mean' | 'sum' | 'none';
  eps?: number;
}

function boxLoss(pred: tf.Tensor2D, target: tf.Tensor2D, generalized: boolean, options: BoxLossOptions): tf.Tensor {
  assertBoxTensor(pred, 'pred');
  assertBoxTensor(target, 'target');
  if (pred.shape[0] !== target.shape[0]) throw new InvalidArgumentError('target', `${pred.shape[0]} boxes (as many as pred)`, `${target.shape[0]}`);
  const reduction = options.reduction ?? 'mean';
  assertOneOf(reduction, 'options.reduction', ['mean', 'sum', 'none'] as const);
  return tf.tidy(() => {
    const loss = tf.sub(1, boxIouTensor(pred, target, { format: options.format, generalized, eps: options.eps }));
    return reduction === 'none' ? loss : reduction === 'sum' ? tf.sum(loss) : tf.mean(loss);
  });
}

export function iouLoss(pred: tf.Tensor2D, target: tf.Tensor2D, options: BoxLossOptions = {}): tf.Tensor {
  return boxLoss(pred, target, false, options);
}

export function giouLoss(pred: tf.Tensor2D, target: tf.Tensor2D, options: BoxLossOptions = {}): tf.Tensor {
  return boxLoss(pred, target, true, options);
}
