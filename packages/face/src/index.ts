/**
 * @cnn/face: face verification (is this the claimed person?) and one-shot recognition (who in the
 * database is this?) on dlib's ResNet-34 face descriptor, plus triplet-loss training of your own embedding net.
 */
export * from './distance.js';
export * from './net/index.js';
export * from './match/index.js';
export * from './db/index.js';
export * from './eval/index.js';
export * from './triplet/index.js';
export * from './pictures/index.js';
export * from './pipeline/index.js';
