/**
 * `@cnn/ops/reference`: plain-loop implementations (no tfjs) following the course's "convolution step by
 * step". Slow and obviously correct: the independent reference our ops and kernels are tested against.
 */
export * from './ndarray.js';
export * from './convolution.js';
export * from './pooling.js';
export * from './normalization.js';
export * from './gram.js';
export * from './boxes.js';
