/**
 * @cnn/ops — the shared ops core of CNN for All.
 */
import './core/register-core.js';

export * from './errors/index.js';
export * from './backend/index.js';
export { registerCoreGradients } from './core/register-core.js';
export { registerWasmTrainingKernels } from './kernels/register-wasm-training-kernels.js';
