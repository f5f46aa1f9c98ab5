/**
 * AvgPoolGrad for wasm, the course's pooling backward pass: each output's gradient is spread evenly over its
 * window's input pixels. The forward AvgPool (wasm and cpu) divides by the number of pixels inside the image
 * (padding excluded), so the gradient must too; tfjs's stock AvgPoolGrad divides by the full window size at
 * 'same'-padded borders. A JS loop over the heap, channels innermost (contiguous in NHWC).
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapF32, poolGradInfo, zeros, type KernelArgs, type WasmBackendLike } from './wasm-kernel-utils.js';

export function avgPoolGradWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const info = poolGradInfo(input.shape, args.attrs);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const out = zeros(backend, [n, h, w, c]);
  const dyv = heapF32(backend, dy);
  const dx = heapF32(backend, out);
  const share = new Float32Array(c);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const y0 = Math.max(y * sh - top, 0);
      const y1 = Math.min(y * sh - top + kh, h);
      for (let x = 0; x < ow; x++) {
        const x0 = Math.max(x * sw - left, 0);
        const x1 = Math.min(x * sw - left + kw, w);
        const count = (y1 - y0) * (x1 - x0);
        if (y1 <= y0 || x1 <= x0) continue;
        const dyBase = ((b * oh + y) * ow + x) * c;
        for (let ch = 0; ch < c; ch++) share[ch] = dyv[dyBase + ch]! / count;
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const k0 = ((b * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) dx[k0 + ch] = dx[k0 + ch]! + share[ch]!;
          }
        }
      }
    }
  }
  return out;
}

export const avgPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.AvgPoolGrad,
  backendName: 'wasm',
  kernelFunc: avgPoolGradWasm as unknown as tf.KernelFunc,
};
