/**
 * Small helpers for writing wasm kernels out of wasm's own kernels. A kernel function receives TensorInfos
 * (no engine bookkeeping), so intermediates are created and freed on the backend directly.
 *
 * XNNPACK operator cache: wasm's Conv2D/matmul keep the prepared operator (packed weights) keyed by the
 * filter's tensor id. Temporary filters we build are fresh tensors: wasm never reuses an id
 * (dataIdNextNumber only grows) and disposeData runs dispose_data, which deletes the operators cached on
 * that id, so a temporary cannot hit a stale operator. Conv2D's key also holds every shape parameter
 * (kernel size, strides, dilations, padding, channels); matmul's does not (see matmul-weights.ts).
 */
import * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's BackendWasm that our kernels use. */
export interface WasmBackendLike extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

type KernelFn = (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }) => tf.TensorInfo | tf.TensorInfo[];

/** Stock wasm kernel functions, captured before we override any of them. */
const stock = new Map<string, KernelFn>();

export function stockKernel(name: string): KernelFn {
  let fn = stock.get(name);
  if (!fn) {
    const config = tf.getKernel(name, 'wasm');
    if (!config) throw new Error(`@cnn/ops: the wasm backend has no '${name}' kernel to build on`);
    fn = config.kernelFunc as KernelFn;
    stock.set(name, fn);
  }
  return fn;
}

/** Remembers the stock kernel before an override replaces it in the registry. */
export function captureStock(name: string): void {
  stockKernel(name);
}

export function run(
  backend: WasmBackendLike,
  name: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  return stockKernel(name)({ inputs, backend, attrs }) as tf.TensorInfo;
}

export function transpose(backend: WasmBackendLike, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return run(backend, 'Transpose', { x }, { perm });
}

export function slice(backend: WasmBackendLike, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  return run(backend, 'Slice', { x }, { begin, size });
}

export function reshape(backend: WasmBackendLike, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return run(backend, 'Reshape', { x }, { shape });
}

/** Constant (zero) padding, `paddings[d] = [before, after]`. */
export function pad(backend: WasmBackendLike, x: tf.TensorInfo, paddings: [number, number][]): tf.TensorInfo {
  return run(backend, 'PadV2', { x }, { paddings, constantValue: 0 } as unknown as tf.NamedAttrMap);
}

/** A fresh copy (new data id: no XNNPACK operator cached on it). */
export function copy(backend: WasmBackendLike, x: tf.TensorInfo, shape: number[] = x.shape): tf.TensorInfo {
  const out = backend.makeOutput(shape, x.dtype);
  backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap({ ...x, shape }));
  return out;
}

/** A zero-filled float32 tensor on the wasm heap (makeOutput does not clear memory). */
export function zeros(backend: WasmBackendLike, shape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  backend.typedArrayFromHeap(out).fill(0);
  return out;
}

export function free(backend: WasmBackendLike, ...infos: (tf.TensorInfo | undefined)[]): void {
  for (const info of infos) if (info) backend.disposeData(info.dataId);
}

/**
 * x [N, H, W, C] as the channel-major window [C, N, extentH, extentW] a convolution's forward pass read: rows
 * [−top, extentH − top) and columns [−left, extentW − left), cropped where x is larger and zero-padded where
 * the window runs past it. Undefined when the window holds no pixel of x (the filter gradient is then zero).
 */
export function channelMajorWindow(backend: WasmBackendLike, x: tf.TensorInfo, top: number, left: number, extentH: number, extentW: number): tf.TensorInfo | undefined {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const keepH = Math.min(h, extentH - top);
  const keepW = Math.min(w, extentW - left);
  if (keepH <= 0 || keepW <= 0) return undefined;
  const xs = keepH < h || keepW < w ? slice(backend, x, [0, 0, 0, 0], [n, keepH, keepW, c]) : undefined;
  const xT = transpose(backend, xs ?? x, [3, 0, 1, 2]); // [C, N, keepH, keepW]
  free(backend, xs);
  const padB = extentH - top - keepH;
  const padR = extentW - left - keepW;
  if (!(top || padB || left || padR)) return xT;
  const xP = pad(backend, xT, [
    [0, 0],
    [0, 0],
    [top, padB],
    [left, padR],
  ]);
  free(backend, xT);
  return xP;
}

/** Float32 view of a tensor's heap memory. Take views only after the last allocation: malloc may grow memory. */
export function heapF32(backend: WasmBackendLike, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** Kernel arguments as tfjs passes them. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}

/** Conv2DInfo of a conv-gradient kernel's forward convolution (NHWC, dilation 1: what tfjs's gradients emit). */
export function backpropConvInfo(kernel: string, attrs: tf.NamedAttrMap | undefined, xShape: number[], filterShape: number[]): tf.backend_util.Conv2DInfo {
  const { strides, pad, dimRoundingMode, dataFormat } = (attrs ?? {}) as unknown as tf.Conv2DBackpropInputAttrs;
  if ((dataFormat ?? 'NHWC') !== 'NHWC') throw new Error(`@cnn/ops wasm ${kernel} supports NHWC only, got ${dataFormat}`);
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
}

/** Pool2DInfo of a pooling-gradient kernel (MaxPoolGrad/AvgPoolGrad attributes). */
export function poolGradInfo(xShape: number[], attrs: tf.NamedAttrMap | undefined): tf.backend_util.Conv2DInfo {
  const a = (attrs ?? {}) as unknown as tf.MaxPoolGradAttrs;
  return tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
}
