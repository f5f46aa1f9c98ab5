/** Tiny backbones and separable synthetic data for fast unit tests. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadBackbone, type Backbone } from '../backbone.js';

/** conv -> BN -> relu -> conv -> BN -> relu on [size, size, 3], with 'rescale' preprocessing. */
export function tinyFunctionalModel(size = 8, name = 'tiny'): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3], name: 'input_1' });
  let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }), name: 'conv1' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'bn1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.activation({ activation: 'relu', name: 'relu1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }), name: 'conv2' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'bn2' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.activation({ activation: 'relu', name: 'relu2' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x, name });
}

export function tinyBackbone(size = 8): Promise<Backbone> {
  return loadBackbone(tinyFunctionalModel(size), { pooling: 'avg', preprocessing: { mode: 'rescale', scale: 1 / 255, offset: 0 } });
}

/**
 * Pictures 0-255 whose class is the dominant color channel (red, green, blue): easy for any backbone.
 * Returns x [n, size, size, 3] float32 and one-hot y [n, 3].
 */
export function colorData(n: number, size = 8, seed = 0): { x: tf.Tensor4D; y: tf.Tensor2D; labels: number[] } {
  const labels = Array.from({ length: n }, (_, i) => (i + seed) % 3);
  return tf.tidy(() => {
    const noise = tf.randomUniform([n, size, size, 3], 0, 60, 'float32', seed + 1);
    const boost = tf.mul(tf.reshape(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), [n, 1, 1, 3]), 180);
    return { x: tf.add(noise, boost) as tf.Tensor4D, y: tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), 'float32') as tf.Tensor2D, labels };
  });
}
