/**
 * @cnn/style — neural style transfer as the course teaches it: content and style costs on VGG-19
 * features, optimized on the pixels with Adam or L-BFGS.
 */
export * from './costs.js';
export * from './features.js';
export * from './lbfgs.js';
export * from './stylize.js';
export * from './colors.js';
export * from './render.js';
export * from './fast/index.js';
