/**
 * keras.applications' preprocess_input modes, for RGB inputs in 0-255:
 *  - 'caffe' (VGG, ResNet v1): RGB -> BGR, subtract the ImageNet BGR means [103.939, 116.779, 123.68];
 *  - 'tf' (Inception, MobileNet): scale to [-1, 1];
 *  - 'torch' (torchvision-style nets): scale to [0, 1], subtract [0.485, 0.456, 0.406], divide by [0.229, 0.224, 0.225].
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertOneOf, assertTensor, InvalidArgumentError } from '@cnn/ops';

export type PreprocessMode = 'caffe' | 'tf' | 'torch';

/** The mode each builder's published weights expect. */
export const PREPROCESS_MODES: Record<string, PreprocessMode> = {
  vgg16: 'caffe',
  vgg19: 'caffe',
  resnet50: 'caffe',
  resnet101: 'caffe',
  resnet152: 'caffe',
  inception_v3: 'tf',
  mobilenet: 'tf',
  mobilenetv2: 'tf',
  resnet18: 'torch',
  resnet34: 'torch',
  alexnet: 'torch',
  googlenet: 'torch',
};

export function preprocessInput<T extends tf.Tensor>(rgb: T, mode: PreprocessMode): T {
  assertTensor(rgb, 'rgb', { dtype: ['float32', 'int32'] });
  assertOneOf(mode, 'mode', ['caffe', 'tf', 'torch'] as const);
  if (rgb.shape[rgb.rank - 1] !== 3) throw new InvalidArgumentError('rgb', 'an RGB tensor (last dimension 3)', `shape [${rgb.shape}]`);
  return tf.tidy(() => {
    const x = tf.cast(rgb, 'float32');
    if (mode === 'caffe') return tf.sub(tf.reverse(x, -1), tf.tensor1d([103.939, 116.779, 123.68])) as T;
    if (mode === 'tf') return tf.sub(tf.div(x, 127.5), 1) as T;
    return tf.div(tf.sub(tf.div(x, 255), tf.tensor1d([0.485, 0.456, 0.406])), tf.tensor1d([0.229, 0.224, 0.225])) as T;
  });
}

/** The preprocessing that matches a model built here (by its name, e.g. 'resnet50', 'mobilenet_1.00_224'). */
export function preprocessModeFor(modelName: string): PreprocessMode {
  const key = Object.keys(PREPROCESS_MODES)
    .sort((a, b) => b.length - a.length)
    .find((k) => modelName === k || modelName.startsWith(`${k}_`));
  if (!key) throw new InvalidArgumentError('modelName', `one of ${Object.keys(PREPROCESS_MODES).join(', ')}`, JSON.stringify(modelName));
  return PREPROCESS_MODES[key]!;
}
