/**
 * @cnn/ops — the shared ops core of CNN for All.
 */
import './core/register-core.js';

export * from './errors/index.js';
export * from './backend/index.js';
export { registerCoreGradients } from './core/register-core.js';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './kernels/register-wasm-training-kernels.js';
export * from './conv/index.js';
export * from './pool/index.js';
export * from './norm/index.js';
export * from './edges/index.js';
export * from './gram/index.js';
export * from './image/index.js';
export * from './boxes/index.js';
export * from './io/index.js';
export * from './random/index.js';
