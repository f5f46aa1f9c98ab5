export * from './conv-output-size.js';
export * from './conv2d.js';
