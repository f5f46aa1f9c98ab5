/**
 * Starting a YOLO head's objectness at a prior. Under the course's squared-error loss on σ(to), hundreds of
 * empty anchors per picture push every σ(to) toward 0 in the first steps, and at σ ≈ 0 the gradient of an
 * object's (σ(to) − 1)² vanishes (it is proportional to σ(to)): the detector learns to see nothing. Starting
 * from σ(to) = p (a few per cent, about the share of anchors that hold an object), as RetinaNet's prior
 * initialization does, skips that collapse.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ShapeMismatchError, assertFiniteNumber, describeValue } from '@cnn/ops';

/**
 * Sets the bias of the head's `to` entries (the course layout [to, tx, ty, th, tw, classes]) to logit(p), so
 * σ(to) starts at p on every anchor. `conv` is the head's 1 x 1 convolution (yoloHead names it `${name}_conv`).
 */
export function initObjectnessPrior(model: tfl.LayersModel, options: { prior?: number; anchors: number; convLayer?: string }): void {
  const prior = options.prior ?? 0.05;
  assertFiniteNumber(prior, 'options.prior', { min: 1e-6, max: 1 - 1e-6 });
  if (!Number.isInteger(options.anchors) || options.anchors < 1) throw new InvalidArgumentError('options.anchors', 'the number of anchors B', describeValue(options.anchors));
  const name = options.convLayer ?? `${model.name}_conv`;
  const layer = model.layers.find((l) => l.name === name);
  if (!layer) throw new InvalidArgumentError('options.convLayer', `the head's 1 x 1 conv layer of '${model.name}'`, JSON.stringify(name));
  const weights = layer.getWeights();
  const bias = weights[1];
  if (!bias || bias.rank !== 1 || bias.shape[0]! % options.anchors !== 0) {
    throw new ShapeMismatchError('options.convLayer', `'${name}' has no bias of B * (5 + C) values for ${options.anchors} anchors.`);
  }
  const entries = bias.shape[0]! / options.anchors;
  const values = Float32Array.from(bias.dataSync());
  for (let b = 0; b < options.anchors; b++) values[b * entries] = Math.log(prior / (1 - prior));
  const next = tf.tensor1d(values);
  layer.setWeights([weights[0]!, next]);
  next.dispose();
}
