/**
 * Conv2DBackpropInput for wasm, as a stride-1 convolution (stock wasm runs it as a scalar loop, ~9x slower
 * than the forward): dx = conv(dilate(dy, stride), rot180(W) with in/out channels swapped), padded so that
 * dx has the input's shape. `dilate` inserts stride−1 zeros between rows and columns of dy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backpropConvInfo, free, heapF32, run, slice, zeros, type KernelArgs, type WasmBackendLike } from './wasm-kernel-utils.js';

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

/**
 * Strided input gradient without the zero-dilated dy (which wastes s_h·s_w of the work): output rows y with
 * (y + pad_top) mod s_h = p_y only receive filter taps i ≡ p_y (mod s_h), so each of the s_h·s_w phases is a
 * stride-1 convolution of dy with the sub-filter of its taps (rotated, in/out swapped), written back into
 * every s-th row and column of dx. Same arithmetic as the forward pass.
 */
export function subPixelTransposedConv(backend: WasmBackendLike, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const out = zeros(backend, [n, h, w, ci]);
  // One dimension of a phase: taps, first output index, count, and the padding that aligns dy with it.
  const phase = (p: number, k: number, s: number, pad: number, inLen: number, outLen: number) => {
    const taps = p < k ? Math.ceil((k - p) / s) : 0;
    const first = (((p - pad) % s) + s) % s; // first dx index with this phase
    const count = first < inLen ? Math.floor((inLen - 1 - first) / s) + 1 : 0;
    const firstBlock = (first + pad - p) / s; // dy index of tap 0 for that dx index
    const padBefore = taps - 1 - firstBlock;
    const padAfter = count + taps - 1 - outLen - padBefore;
    return { taps, first, count, padBefore, padAfter };
  };
  for (let py = 0; py < sh; py++) {
    const ry = phase(py, kh, sh, top, h, oh);
    if (ry.taps === 0 || ry.count === 0) continue;
    for (let px = 0; px < sw; px++) {
      const rx = phase(px, kw, sw, left, w, ow);
      if (rx.taps === 0 || rx.count === 0) continue;
      // Sub-filter F[u, v, co, ci] = W[py + (Ti−1−u)·sh, px + (Tj−1−v)·sw, ci, co].
      const sub = backend.makeOutput([ry.taps, rx.taps, co, ci], 'float32');
      const wv = heapF32(backend, filter);
      const fv = heapF32(backend, sub);
      for (let u = 0; u < ry.taps; u++) {
        for (let v = 0; v < rx.taps; v++) {
          const src0 = ((py + (ry.taps - 1 - u) * sh) * kw + (px + (rx.taps - 1 - v) * sw)) * ci * co;
          const dst0 = (u * rx.taps + v) * co * ci;
          for (let a = 0; a < ci; a++) for (let b = 0; b < co; b++) fv[dst0 + b * ci + a] = wv[src0 + a * co + b]!;
        }
      }
      const part = run(
        backend,
        'Conv2D',
        { x: dy, filter: sub },
        {
          strides: [1, 1],
          dilations: [1, 1],
          pad: [
            [0, 0],
            [Math.max(ry.padBefore, 0), Math.max(ry.padAfter, 0)],
            [Math.max(rx.padBefore, 0), Math.max(rx.padAfter, 0)],
            [0, 0],
          ],
          dataFormat: 'NHWC',
        },
      );
      free(backend, sub);
      // Scatter rows/cols of this phase into dx (skipping what negative padding would have cut).
      const [, ph, pw] = part.shape as [number, number, number, number];
      const offY = Math.max(-ry.padBefore, 0);
      const offX = Math.max(-rx.padBefore, 0);
      const pv = heapF32(backend, part);
      const dx = heapF32(backend, out);
      for (let b = 0; b < n; b++) {
        for (let k = 0; k < ry.count; k++) {
          const y = ry.first + k * sh;
          for (let l = 0; l < rx.count; l++) {
            const x = rx.first + l * sw;
            const src = ((b * ph + k + offY) * pw + l + offX) * ci;
            dx.set(pv.subarray(src, src + ci), ((b * h + y) * w + x) * ci);
          }
        }
      }
      free(backend, part);
    }
  }
  return out;
}

export function conv2DBackpropInputWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = backpropConvInfo('Conv2DBackpropInput', args.attrs, inputShape, filter.shape);
  return info.strideHeight > 1 || info.strideWidth > 1 ? subPixelTransposedConv(backend, dy, filter, info) : transposedConv(backend, dy, filter, info);
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWasm as unknown as tf.KernelFunc,
};
