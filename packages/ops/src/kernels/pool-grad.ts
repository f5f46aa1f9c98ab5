/**
 * MaxPoolGrad and AvgPoolGrad for wasm, following the course's pooling backward pass.
 *
 * - Max: each output's gradient goes to the position of its window's maximum (the "mask", first maximum in
 *   row-major order, padding excluded). Stock wasm 4.22's MaxPoolGrad starts its search at 0, so windows
 *   whose values are all negative get no gradient at all: a wrong result, not just a slow one.
 * - Average: each output's gradient is distributed evenly over the window's input pixels. The forward
 *   AvgPool (wasm and cpu) divides by the number of pixels inside the image (padding excluded), so the
 *   gradient must too; tfjs's stock AvgPoolGrad divides by the full window size at 'same'-padded borders.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapF32, zeros, type WasmBackendLike } from './wasm-kernel-utils.js';

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

function poolInfo(xShape: number[], attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo {
  const a = attrs as unknown as tf.MaxPoolGradAttrs;
  return tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
}

interface Window {
  b: number;
  /** Input rows [y0, y1) and columns [x0, x1) under the window, padding excluded. */
  y0: number;
  y1: number;
  x0: number;
  x1: number;
  /** Offset of this output pixel's channels in dy. */
  dyBase: number;
}

/** Allocates dx (zeros, input-shaped) and calls `visit` for every output pixel's pooling window. */
function forEachWindow(
  args: Args,
  visit: (dy: Float32Array, dx: Float32Array, win: Window, dims: { h: number; w: number; c: number }, x: Float32Array) => void,
): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const info = poolInfo(input.shape, args.attrs ?? {});
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const out = zeros(backend, [n, h, w, c]);
  // Heap views only after the allocation: malloc may grow (and detach) wasm memory.
  const dyv = heapF32(backend, dy);
  const dx = heapF32(backend, out);
  const xv = heapF32(backend, input);
  const dims = { h, w, c };
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const y0 = Math.max(y * sh - top, 0);
      const y1 = Math.min(y * sh - top + kh, h);
      for (let x = 0; x < ow; x++) {
        const x0 = Math.max(x * sw - left, 0);
        const x1 = Math.min(x * sw - left + kw, w);
        visit(dyv, dx, { b, y0, y1, x0, x1, dyBase: ((b * oh + y) * ow + x) * c }, dims, xv);
      }
    }
  }
  return out;
}

export function maxPoolGradWasm(args: Args): tf.TensorInfo {
  return forEachWindow(args, (dyv, dx, { b, y0, y1, x0, x1, dyBase }, { h, w, c }, xv) => {
    for (let ch = 0; ch < c; ch++) {
      let best = -Infinity;
      let at = -1;
      for (let iy = y0; iy < y1; iy++) {
        for (let ix = x0; ix < x1; ix++) {
          const k = ((b * h + iy) * w + ix) * c + ch;
          const v = xv[k]!;
          if (v > best || at < 0) {
            best = v;
            at = k;
          }
        }
      }
      if (at >= 0) dx[at] = dx[at]! + dyv[dyBase + ch]!;
    }
  });
}

export function avgPoolGradWasm(args: Args): tf.TensorInfo {
  return forEachWindow(args, (dyv, dx, { b, y0, y1, x0, x1, dyBase }, { h, w, c }) => {
    const count = (y1 - y0) * (x1 - x0);
    if (count <= 0) return;
    for (let iy = y0; iy < y1; iy++) {
      for (let ix = x0; ix < x1; ix++) {
        const dxBase = ((b * h + iy) * w + ix) * c;
        for (let ch = 0; ch < c; ch++) dx[dxBase + ch] = dx[dxBase + ch]! + dyv[dyBase + ch]! / count;
      }
    }
  });
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc,
};

export const avgPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.AvgPoolGrad,
  backendName: 'wasm',
  kernelFunc: avgPoolGradWasm as unknown as tf.KernelFunc,
};
