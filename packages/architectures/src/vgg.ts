/**
 * VGG-16 and VGG-19 (Simonyan & Zisserman 2014), layer for layer as keras.applications builds them:
 * blocks of 3×3 'same' convolutions (64, 128, 256, 512, 512 filters) each closed by a 2×2 max pool, then
 * fc1/fc2 (4096, ReLU) and the classifier. Same layer names and parameter counts as Keras, so Keras
 * weights load by name (VGG-16: 138,357,544 parameters with the top).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { resolveOptions, type ApplicationOptions } from './options.js';
import { finishModel } from './weights.js';

const BLOCKS: Record<16 | 19, number[]> = { 16: [2, 2, 3, 3, 3], 19: [2, 2, 4, 4, 4] };
const FILTERS = [64, 128, 256, 512, 512];

async function vgg(depth: 16 | 19, options: ApplicationOptions): Promise<tfl.LayersModel> {
  const o = resolveOptions(`VGG${depth}`, options, [224, 224, 3], 32);
  const input = tfl.input({ shape: o.inputShape, name: 'input_1' });
  let x = input as tfl.SymbolicTensor;
  BLOCKS[depth].forEach((convs, b) => {
    for (let i = 1; i <= convs; i++) {
      x = tfl.layers.conv2d({ filters: FILTERS[b]!, kernelSize: 3, padding: 'same', activation: 'relu', name: `block${b + 1}_conv${i}` }).apply(x) as tfl.SymbolicTensor;
    }
    x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }).apply(x) as tfl.SymbolicTensor;
  });
  if (o.includeTop) {
    x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: 4096, activation: 'relu', name: 'fc1' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: 4096, activation: 'relu', name: 'fc2' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: o.classes, activation: o.classifierActivation, name: 'predictions' }).apply(x) as tfl.SymbolicTensor;
  } else if (o.pooling === 'avg') {
    x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as tfl.SymbolicTensor;
  } else if (o.pooling === 'max') {
    x = tfl.layers.globalMaxPooling2d({ name: 'global_max_pooling2d' }).apply(x) as tfl.SymbolicTensor;
  }
  const model = tfl.model({ inputs: input, outputs: x, name: `vgg${depth}` });
  return finishModel(model, o, { architecture: `VGG${depth}` });
}

/** VGG-16 (keras.applications.VGG16). */
export function vgg16(options: ApplicationOptions = {}): Promise<tfl.LayersModel> {
  return vgg(16, options);
}

/** VGG-19 (keras.applications.VGG19). */
export function vgg19(options: ApplicationOptions = {}): Promise<tfl.LayersModel> {
  return vgg(19, options);
}

/** Keras 'caffe' preprocessing used by the VGG ImageNet weights: RGB -> BGR, minus the ImageNet BGR means. */
export function vggPreprocessInput<T extends tf.Tensor>(rgb: T): T {
  return tf.tidy(() => {
    const x = tf.cast(rgb, 'float32');
    const bgr = tf.reverse(x, -1);
    return tf.sub(bgr, tf.tensor1d([103.939, 116.779, 123.68])) as T;
  });
}
