/**
 * @cnn/architectures — the course's CNNs as Keras-compatible tfjs-layers models.
 */
export * from './options.js';
export * from './vgg.js';
export * from './lenet.js';
export * from './weights.js';
export * from './summary.js';
export * from './resnet.js';
export * from './mobilenet.js';
export * from './classify.js';
export * from './inception-v3.js';
export * from './resnet-basic.js';
export * from './alexnet.js';
export * from './unet.js';
export * from './googlenet.js';
export * from './keras-h5.js';
export * from './preprocess.js';
export * from './imagenet.js';
export * from './batch-norm-rule.js';
export { ModelHolder } from './model-holder.js';
