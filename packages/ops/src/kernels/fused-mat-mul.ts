/**
 * _FusedMatMul (matMul + bias + activation, what tfjs-layers' Dense runs) for wasm. Stock wasm uses XNNPACK
 * only for batch-1 a·b; otherwise its scalar loop, which is slow for transposes and wrong with a bias when a
 * has more than one row (it indexes the bias by the flat output index, clamped: every row after the first
 * gets the last bias value). Here:
 * - batch-1 b, bias [N] or none, PReLU weights of rank ≤ 1: the stock XNNPACK path, with transposed operands
 *   transposed by wasm's Transpose, a batched a folded into one [B·M, K] matmul, and b through the
 *   weights-cache guard (matmul-weights.ts);
 * - anything else: our BatchMatMul, then wasm's Add (broadcasting bias) and activation kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchMatMulWasm } from './batch-mat-mul.js';
import { safeWeights, swapLast2 } from './matmul-weights.js';
import { free, reshape, run, stockKernel, transpose, type KernelArgs, type WasmBackendLike } from './wasm-kernel-utils.js';

type Inputs = { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };

function fastPath(backend: WasmBackendLike, { a, b, bias, preluActivationWeights }: Inputs, attrs: tf._FusedMatMulAttrs): tf.TensorInfo {
  const aT = attrs.transposeA ? transpose(backend, a, swapLast2(3)) : undefined;
  const bT = attrs.transposeB ? transpose(backend, b, swapLast2(3)) : undefined;
  const A = aT ?? a;
  const [batch, m, k] = A.shape as [number, number, number];
  const a3 = batch > 1 ? reshape(backend, A, [1, batch * m, k]) : undefined;
  const w = safeWeights(backend, bT ?? b);
  const inputs: tf.NamedTensorInfoMap = { a: a3 ?? A, b: w.b };
  if (bias) inputs['bias'] = bias;
  if (preluActivationWeights) inputs['preluActivationWeights'] = preluActivationWeights;
  const out = stockKernel(tf._FusedMatMul)({ inputs, backend, attrs: { ...(attrs as unknown as tf.NamedAttrMap), transposeA: false, transposeB: false } }) as tf.TensorInfo;
  free(backend, a3, aT, bT, w.temp ? w.b : undefined);
  return { dataId: out.dataId, shape: [batch, m, out.shape[2]!], dtype: out.dtype };
}

const ACTIVATION_KERNELS: Record<string, string> = { relu: 'Relu', relu6: 'Relu6', elu: 'Elu', sigmoid: 'Sigmoid', leakyrelu: 'LeakyRelu', prelu: 'Prelu' };

function decomposed(backend: WasmBackendLike, { a, b, bias, preluActivationWeights }: Inputs, attrs: tf._FusedMatMulAttrs): tf.TensorInfo {
  let out = batchMatMulWasm({ inputs: { a, b }, backend, attrs: { transposeA: attrs.transposeA, transposeB: attrs.transposeB } });
  const step = (next: tf.TensorInfo) => {
    free(backend, out);
    out = next;
  };
  if (bias) step(run(backend, 'Add', { a: out, b: bias }));
  const activation = attrs.activation ?? 'linear';
  if (activation !== 'linear') {
    const kernel = ACTIVATION_KERNELS[activation];
    if (!kernel) {
      free(backend, out);
      throw new Error(`@cnn/ops wasm _FusedMatMul: unsupported activation '${activation}'`);
    }
    const inputs: tf.NamedTensorInfoMap = { x: out };
    if (activation === 'prelu' && preluActivationWeights) inputs['alpha'] = preluActivationWeights;
    step(run(backend, kernel, inputs, activation === 'leakyrelu' ? { alpha: attrs.leakyreluAlpha ?? 0.2 } : {}));
  }
  return out;
}

export function fusedMatMulWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const inputs = args.inputs as Inputs;
  const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
  const { a, b, bias, preluActivationWeights } = inputs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length !== 3 || b.shape.length !== 3) return stockKernel(tf._FusedMatMul)(args) as tf.TensorInfo;
  const n = attrs.transposeB ? b.shape[1] : b.shape[2];
  const fast = b.shape[0] === 1 && (!bias || (bias.shape.length === 1 && bias.shape[0] === n)) && (!preluActivationWeights || preluActivationWeights.shape.length <= 1);
  return fast ? fastPath(backend, inputs, attrs) : decomposed(backend, inputs, attrs);
}

export const fusedMatMulConfig: tf.KernelConfig = {
  kernelName: tf._FusedMatMul,
  backendName: 'wasm',
  kernelFunc: fusedMatMulWasm as unknown as tf.KernelFunc,
};
