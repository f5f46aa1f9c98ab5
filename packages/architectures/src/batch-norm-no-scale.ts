/**
 * tfjs-layers 4.22's BatchNormalization reads `gamma` unconditionally in training mode, so a layer built with
 * `scale: false` (Keras InceptionV3's conv2d_bn) crashes on the first training step. This makes such a layer
 * use a constant γ = 1 there — the same arithmetic as "no scale" — without adding a weight, so parameter
 * counts and weight names stay as Keras has them.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export function batchNormalizationNoScale(config: { axis?: number; epsilon?: number; momentum?: number; name?: string }): tfl.layers.Layer {
  const layer = tfl.layers.batchNormalization({ ...config, scale: false });
  const build = layer.build.bind(layer);
  layer.build = (inputShape: tfl.Shape | tfl.Shape[]) => {
    build(inputShape);
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[config.axis ?? shape.length - 1] as number;
    (layer as unknown as { gamma: { read: () => tf.Tensor } }).gamma = { read: () => tf.ones([channels]) };
  };
  return layer;
}
