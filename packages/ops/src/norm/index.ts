export { batchNorm, batchNormTraining, type BatchNormInferenceOptions, type BatchNormOptions } from './batch-norm.js';
