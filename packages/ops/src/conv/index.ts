export { convOutputShape, convOutputSize, poolOutputShape, resolvePadding2D, samePadding, type ConvShapeOptions, type Padding2D } from './conv-output-size.js';
export { ACTIVATIONS, conv1x1, conv2d, depthwiseConv2d, dilateFilter, separableConv2d, type Activation, type Conv2DOptions } from './conv2d.js';
