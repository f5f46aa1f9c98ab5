/**
 * MaxPoolGrad for wasm, the course's pooling backward pass: each output's gradient goes to the position of
 * its window's maximum (the "mask": first maximum in row-major order, padding excluded), accumulated where
 * windows overlap. Stock wasm 4.22's version starts its search at 0, so windows whose values are all
 * negative get no gradient at all (wrong, not just slow: 38 ms vs ~8 ms here for 8×56×56×64, 2×2/2).
 * A JS loop over the heap, channels innermost (contiguous in NHWC).
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapF32, poolGradInfo, zeros, type KernelArgs, type WasmBackendLike } from './wasm-kernel-utils.js';

export function maxPoolGradWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const info = poolGradInfo(input.shape, args.attrs);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const out = zeros(backend, [n, h, w, c]);
  // Heap views only after the allocation: malloc may grow (and detach) wasm memory.
  const xv = heapF32(backend, input);
  const dyv = heapF32(backend, dy);
  const dx = heapF32(backend, out);
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const y0 = Math.max(y * sh - top, 0);
      const y1 = Math.min(y * sh - top + kh, h);
      for (let x = 0; x < ow; x++) {
        const x0 = Math.max(x * sw - left, 0);
        const x1 = Math.min(x * sw - left + kw, w);
        if (y1 <= y0 || x1 <= x0) continue;
        const first = ((b * h + y0) * w + x0) * c;
        best.set(xv.subarray(first, first + c));
        for (let ch = 0; ch < c; ch++) at[ch] = first + ch;
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = iy === y0 ? x0 + 1 : x0; ix < x1; ix++) {
            const k0 = ((b * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = xv[k0 + ch]!;
              if (v > best[ch]!) {
                best[ch] = v;
                at[ch] = k0 + ch;
              }
            }
          }
        }
        const dyBase = ((b * oh + y) * ow + x) * c;
        for (let ch = 0; ch < c; ch++) dx[at[ch]!] = dx[at[ch]!]! + dyv[dyBase + ch]!;
      }
    }
  }
  return out;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc,
};
