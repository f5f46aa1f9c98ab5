/**
 * Registers the training kernels that stock tfjs-backend-wasm lacks (or runs as scalar loops), built from
 * wasm's own XNNPACK kernels. Filled in by the kernels work; returns the kernel names it registered.
 */
export function registerWasmTrainingKernels(): string[] {
  return [];
}
