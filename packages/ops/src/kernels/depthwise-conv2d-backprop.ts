/**
 * DepthwiseConv2dNativeBackpropInput / BackpropFilter for wasm (stock wasm has neither). Depthwise convs do
 * little arithmetic per byte (Cin·m filters of kh·kw taps), so tight loops over the wasm heap's typed arrays,
 * channels innermost (contiguous in NHWC), are as fast as a detour through XNNPACK and exact for any
 * channel multiplier m, stride and dilation:
 *
 *   y[n, oh, ow, c·m+q]  = Σ_{i,j} x[n, oh·sh + i·dh − top, ow·sw + j·dw − left, c] · W[i, j, c, q]
 *   dx[n, ·, ·, c]      += dy[n, oh, ow, c·m+q] · W[i, j, c, q]
 *   dW[i, j, c, q]      += x[n, ·, ·, c] · dy[n, oh, ow, c·m+q]
 */
import * as tf from '@tensorflow/tfjs-core';
import { transposedConv } from './conv2d-backprop-input.js';
import { heapF32, zeros, type WasmBackendLike } from './wasm-kernel-utils.js';

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

function depthwiseInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo {
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations,
    a.pad,
    a.dimRoundingMode,
    true,
  );
}

export function depthwiseConv2dNativeBackpropInputWasm(args: Args): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const inputShape = (args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs).inputShape;
  const info = depthwiseInfo(inputShape, filter.shape, args.attrs ?? {});
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const m = filter.shape[3]!;
  // Multiplier 1, no dilation (the MobileNet case): a transposed depthwise convolution on XNNPACK.
  if (m === 1 && dh === 1 && dw === 1) return transposedConv(backend, dy, filter, info, true);
  const { top, left } = info.padInfo;
  const out = zeros(backend, [n, h, w, c]);
  const dyv = heapF32(backend, dy);
  const wv = heapF32(backend, filter);
  const dx = heapF32(backend, out);
  const cm = c * m;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const dyBase = ((b * oh + y) * ow + x) * cm;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh + i * dh - top;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = x * sw + j * dw - left;
            if (ix < 0 || ix >= w) continue;
            const dxBase = ((b * h + iy) * w + ix) * c;
            const wBase = (i * kw + j) * cm;
            if (m === 1) {
              for (let ch = 0; ch < c; ch++) dx[dxBase + ch] = dx[dxBase + ch]! + dyv[dyBase + ch]! * wv[wBase + ch]!;
            } else {
              for (let ch = 0; ch < c; ch++) {
                let acc = 0;
                for (let q = 0; q < m; q++) acc += dyv[dyBase + ch * m + q]! * wv[wBase + ch * m + q]!;
                dx[dxBase + ch] = dx[dxBase + ch]! + acc;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

export function depthwiseConv2dNativeBackpropFilterWasm(args: Args): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const filterShape = (args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs).filterShape;
  const info = depthwiseInfo(x.shape, filterShape, args.attrs ?? {});
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const m = filterShape[3]!;
  const { top, left } = info.padInfo;
  const out = zeros(backend, [kh, kw, c, m]);
  const xv = heapF32(backend, x);
  const dyv = heapF32(backend, dy);
  const dW = heapF32(backend, out);
  const cm = c * m;
  if (m === 1) {
    // Multiplier 1: for each tap (i, j) and output row, one contiguous sweep over (ox, channel) with the
    // valid ox range computed once, accumulating into a per-tap channel vector.
    const acc = new Float64Array(c);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        acc.fill(0);
        // ox range whose input column ix = ox·sw + j·dw − left lies inside [0, w).
        const ox0 = Math.max(0, Math.ceil((left - j * dw) / sw));
        const ox1 = Math.min(ow, Math.floor((w - 1 + left - j * dw) / sw) + 1);
        for (let b = 0; b < n; b++) {
          for (let y = 0; y < oh; y++) {
            const iy = y * sh + i * dh - top;
            if (iy < 0 || iy >= h) continue;
            const xRow = (b * h + iy) * w;
            const dyRow = (b * oh + y) * ow;
            for (let ox = ox0; ox < ox1; ox++) {
              const xb = (xRow + ox * sw + j * dw - left) * c;
              const db = (dyRow + ox) * c;
              for (let ch = 0; ch < c; ch++) acc[ch] = acc[ch]! + xv[xb + ch]! * dyv[db + ch]!;
            }
          }
        }
        const wBase = (i * kw + j) * c;
        for (let ch = 0; ch < c; ch++) dW[wBase + ch] = acc[ch]!;
      }
    }
    return out;
  }
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xx = 0; xx < ow; xx++) {
        const dyBase = ((b * oh + y) * ow + xx) * cm;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh + i * dh - top;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = xx * sw + j * dw - left;
            if (ix < 0 || ix >= w) continue;
            const xBase = ((b * h + iy) * w + ix) * c;
            const wBase = (i * kw + j) * cm;
            if (m === 1) {
              for (let ch = 0; ch < c; ch++) dW[wBase + ch] = dW[wBase + ch]! + xv[xBase + ch]! * dyv[dyBase + ch]!;
            } else {
              for (let ch = 0; ch < c; ch++) {
                const xval = xv[xBase + ch]!;
                for (let q = 0; q < m; q++) dW[wBase + ch * m + q] = dW[wBase + ch * m + q]! + xval * dyv[dyBase + ch * m + q]!;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInputWasm as unknown as tf.KernelFunc,
};

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilterWasm as unknown as tf.KernelFunc,
};
