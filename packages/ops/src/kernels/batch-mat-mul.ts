/**
 * BatchMatMul for wasm with transposes: stock wasm only uses XNNPACK for the plain a·b case and falls back
 * to a scalar loop when transposeA/transposeB is set (the dense-layer gradients xᵀ·dy and dy·Wᵀ). We
 * transpose the operand with wasm's Transpose kernel and call the stock fast path.
 */
import * as tf from '@tensorflow/tfjs-core';
import { free, stockKernel, transpose, type WasmBackendLike } from './wasm-kernel-utils.js';

function swapLast2(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

export function batchMatMulWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  const stock = stockKernel(tf.BatchMatMul);
  if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return stock(args) as tf.TensorInfo;
  }
  const aT = transposeA ? transpose(backend, a, swapLast2(a.shape.length)) : undefined;
  const bT = transposeB ? transpose(backend, b, swapLast2(b.shape.length)) : undefined;
  const out = stock({
    inputs: { a: aT ?? a, b: bT ?? b },
    backend,
    attrs: { ...args.attrs, transposeA: false, transposeB: false },
  }) as tf.TensorInfo;
  free(backend, aT, bT);
  return out;
}

export function batchMatMulConfig(): tf.KernelConfig {
  const original = tf.getKernel(tf.BatchMatMul, 'wasm');
  return {
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    // Keep wasm's own setupFunc: it binds the C++ function the stock kernel calls.
    ...(original?.setupFunc ? { setupFunc: original.setupFunc } : {}),
    kernelFunc: batchMatMulWasm as unknown as tf.KernelFunc,
  };
}
