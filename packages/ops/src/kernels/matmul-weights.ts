/**
 * XNNPACK hazard of wasm's matmul: the stock BatchMatMul/_FusedMatMul cache their prepared fully-connected
 * operator (weights packed for b's [K, N]) under b's tensor id, bias id and activation only, not b's shape.
 * A reshape shares the tensor id, so `matMul(a, w)` followed by `matMul(c, w.reshape([N, K]))` reuses the
 * operator packed for [K, N] and reads garbage out of bounds. We remember the [K, N] each b was first used
 * with and hand XNNPACK a fresh copy (new id, operator freed with it) when the same data comes with another
 * shape. Conv2D's cache key includes every shape parameter, so convolutions are safe.
 */
import * as tf from '@tensorflow/tfjs-core';
import { copy, type WasmBackendLike } from './wasm-kernel-utils.js';

const firstShape = new WeakMap<tf.DataId, string>();

/** b (used as [.., K, N] weights of the fast path), or a fresh copy when its data was used with another K×N. */
export function safeWeights(backend: WasmBackendLike, b: tf.TensorInfo): { b: tf.TensorInfo; temp: boolean } {
  const key = b.shape.slice(-2).join('x');
  const seen = firstShape.get(b.dataId);
  if (seen === undefined) {
    firstShape.set(b.dataId, key);
    return { b, temp: false };
  }
  return seen === key ? { b, temp: false } : { b: copy(backend, b), temp: true };
}

/** Permutation swapping the last two axes. */
export function swapLast2(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}
