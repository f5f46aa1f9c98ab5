/**
 * UnsortedSegmentSum for wasm (stock wasm has none): out[s, ...] = Σ_{i: ids[i] = s} x[i, ...]. It is the
 * gradient of tf.gather (e.g. a loss that gathers predictions at anchor or class indices), so without it
 * training such a model on wasm fails. Ids outside [0, numSegments) are dropped, as in TensorFlow. A JS loop
 * over the heap: one contiguous row add per id.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelArgs, WasmBackendLike } from './wasm-kernel-utils.js';

export function unsortedSegmentSumWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const idsRank = segmentIds.shape.length;
  const rowShape = x.shape.slice(idsRank);
  const row = rowShape.reduce((p, d) => p * d, 1);
  const result = backend.makeOutput([numSegments, ...rowShape], x.dtype);
  const dst = backend.typedArrayFromHeap(result);
  dst.fill(0); // makeOutput does not clear memory
  const src = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const from = i * row;
    const to = s * row;
    for (let k = 0; k < row; k++) dst[to + k] = dst[to + k]! + src[from + k]!;
  }
  return result;
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm as unknown as tf.KernelFunc,
};
