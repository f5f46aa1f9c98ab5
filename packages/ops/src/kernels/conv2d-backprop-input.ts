/**
 * Conv2DBackpropInput for wasm, as a stride-1 convolution (stock wasm runs it as a scalar loop, ~9x slower
 * than the forward): dx = conv(dilate(dy, stride), rot180(W) with in/out channels swapped), padded so that
 * dx has the input's shape. `dilate` inserts stride−1 zeros between rows and columns of dy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { free, heapF32, run, slice, zeros, type WasmBackendLike } from './wasm-kernel-utils.js';

/**
 * W[kh, kw, a, b] -> W'[kh, kw, b, a] rotated by 180° in space: the transposed-convolution filter. With
 * `swap` false (depthwise filters [kh, kw, C, 1]) only the spatial rotation is done.
 */
export function rotateAndSwapFilter(backend: WasmBackendLike, filter: tf.TensorInfo, swap = true): tf.TensorInfo {
  const [kh, kw, a, b] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput(swap ? [kh, kw, b, a] : [kh, kw, a, b], 'float32');
  const src = heapF32(backend, filter);
  const dst = heapF32(backend, out);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const s0 = (i * kw + j) * a * b;
      const d0 = ((kh - 1 - i) * kw + (kw - 1 - j)) * a * b;
      for (let p = 0; p < a; p++) {
        for (let q = 0; q < b; q++) dst[d0 + (swap ? q * a + p : p * b + q)] = src[s0 + p * b + q]!;
      }
    }
  }
  return out;
}

/** dy [N, OH, OW, C] -> [N, (OH−1)·sh+1, (OW−1)·sw+1, C] with zeros between the original pixels. */
export function dilateSpatial(backend: WasmBackendLike, dy: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  const [n, oh, ow, c] = dy.shape as [number, number, number, number];
  const dh = (oh - 1) * sh + 1;
  const dw = (ow - 1) * sw + 1;
  const out = zeros(backend, [n, dh, dw, c]);
  const src = heapF32(backend, dy);
  const dst = heapF32(backend, out);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const s0 = ((b * oh + y) * ow + x) * c;
        const d0 = ((b * dh + y * sh) * dw + x * sw) * c;
        dst.set(src.subarray(s0, s0 + c), d0);
      }
    }
  }
  return out;
}

/**
 * The transposed convolution shared by Conv2DBackpropInput (and usable for Conv2DTranspose): pads such that
 * out = inputShape, cropping when the forward padding exceeded the kernel (negative transposed padding).
 */
export function transposedConv(
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  depthwise = false,
): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const dil = sh > 1 || sw > 1 ? dilateSpatial(backend, dy, sh, sw) : undefined;
  const src = dil ?? dy;
  const dh = src.shape[1]!;
  const dw = src.shape[2]!;
  const pt = kh - 1 - top;
  const pl = kw - 1 - left;
  const pb = h - dh + kh - 1 - pt;
  const pr = w - dw + kw - 1 - pl;
  const wT = rotateAndSwapFilter(backend, filter, !depthwise);
  const conv = run(
    backend,
    depthwise ? 'DepthwiseConv2dNative' : 'Conv2D',
    { x: src, filter: wT },
    {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [
        [0, 0],
        [Math.max(pt, 0), Math.max(pb, 0)],
        [Math.max(pl, 0), Math.max(pr, 0)],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  free(backend, dil, wT);
  if (pt >= 0 && pl >= 0 && pb >= 0 && pr >= 0) return conv;
  const cropped = slice(backend, conv, [0, Math.max(-pt, 0), Math.max(-pl, 0), 0], [n, h, w, ci]);
  free(backend, conv);
  return cropped;
}

export function conv2DBackpropInputWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const dataFormat = (args.attrs as { dataFormat?: string }).dataFormat ?? 'NHWC';
  if (dataFormat !== 'NHWC') throw new Error(`@cnn/ops wasm Conv2DBackpropInput supports NHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  return transposedConv(backend, dy, filter, info);
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWasm as unknown as tf.KernelFunc,
};
