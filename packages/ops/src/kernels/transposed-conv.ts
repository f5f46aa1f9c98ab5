/**
 * Transposed convolutions (the input gradient of a convolution) built from wasm's forward XNNPACK kernels.
 * Shared by Conv2DBackpropInput and DepthwiseConv2dNativeBackpropInput.
 *
 * The forward pass reads x[y] for y = o·s + i·d − top, so dx[y] = Σ_{o,i: o·s+i·d−top = y} dy[o] · W[i]:
 * a stride-1 correlation of the zero-dilated dy (s − 1 zeros between pixels) with the 180°-rotated filter
 * (in/out channels swapped), padded (k − 1)·d − top before and whatever makes dx input-sized after.
 */
import * as tf from '@tensorflow/tfjs-core';
import { free, heapF32, run, slice, zeros, type WasmBackendLike } from './wasm-kernel-utils.js';

/**
 * W[kh, kw, a, b] rotated by 180° in space. `swap`: also swap the channel axes (-> [kh, kw, b, a]: the
 * transposed-convolution filter of a Conv2D); otherwise the channels stay, flattened to a depthwise filter
 * [kh, kw, a·b, 1] (one channel per (c, q) pair of a depthwise filter with multiplier b).
 */
export function rotateFilter(backend: WasmBackendLike, filter: tf.TensorInfo, swap: boolean): tf.TensorInfo {
  const [kh, kw, a, b] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput(swap ? [kh, kw, b, a] : [kh, kw, a * b, 1], 'float32');
  const src = heapF32(backend, filter);
  const dst = heapF32(backend, out);
  const ab = a * b;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const s0 = (i * kw + j) * ab;
      const d0 = ((kh - 1 - i) * kw + (kw - 1 - j)) * ab;
      if (!swap) {
        dst.set(src.subarray(s0, s0 + ab), d0);
        continue;
      }
      for (let p = 0; p < a; p++) for (let q = 0; q < b; q++) dst[d0 + q * a + p] = src[s0 + p * b + q]!;
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
        dst.set(src.subarray(s0, s0 + c), ((b * dh + y * sh) * dw + x * sw) * c);
      }
    }
  }
  return out;
}

/**
 * dx of a Conv2D (`depthwise` false) or of a depthwise conv with any multiplier and dilation, as one stride-1
 * XNNPACK convolution of the zero-dilated dy. Negative transposed padding (forward padding larger than the
 * kernel reach) becomes a crop. Depthwise with multiplier m: a multiplier-1 depthwise conv over the C·m
 * channels of dy, then Σ over q of channel c·m+q.
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
  const dilH = depthwise ? info.dilationHeight : 1;
  const dilW = depthwise ? info.dilationWidth : 1;
  const m = depthwise ? filter.shape[3]! : 1;
  const { top, left } = info.padInfo;
  const dil = sh > 1 || sw > 1 ? dilateSpatial(backend, dy, sh, sw) : undefined;
  const src = dil ?? dy;
  const dh = src.shape[1]!;
  const dw = src.shape[2]!;
  const pt = (kh - 1) * dilH - top;
  const pl = (kw - 1) * dilW - left;
  const pb = h - dh + (kh - 1) * dilH - pt;
  const pr = w - dw + (kw - 1) * dilW - pl;
  const wT = rotateFilter(backend, filter, !depthwise);
  let out = run(
    backend,
    depthwise ? 'DepthwiseConv2dNative' : 'Conv2D',
    { x: src, filter: wT },
    {
      strides: [1, 1],
      dilations: [dilH, dilW],
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
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0) {
    const cropped = slice(backend, out, [0, Math.max(-pt, 0), Math.max(-pl, 0), 0], [n, h, w, ci * m]);
    free(backend, out);
    out = cropped;
  }
  if (m > 1) {
    // [N, H, W, C·m] -> Σ over the innermost m (wasm's Sum reduces innermost axes without a transpose).
    const grouped = run(backend, 'Reshape', { x: out }, { shape: [n, h, w, ci, m] });
    const summed = run(backend, 'Sum', { x: grouped }, { axis: [4], keepDims: false });
    free(backend, out, grouped);
    out = summed;
  }
  return out;
}

/**
 * Strided Conv2D input gradient without the zero-dilated dy (which wastes s_h·s_w of the work): output rows y
 * with (y + pad_top) mod s_h = p_y only receive filter taps i ≡ p_y (mod s_h), so each of the s_h·s_w phases
 * is a stride-1 convolution of dy with the sub-filter of its taps (rotated, in/out swapped), written back
 * into every s-th row and column of dx. Same arithmetic as the forward pass.
 */
export function subPixelTransposedConv(backend: WasmBackendLike, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const out = zeros(backend, [n, h, w, ci]);
  // One dimension of a phase: taps, first dx index, count, and the padding that aligns dy with it.
  const phase = (p: number, k: number, s: number, padBefore: number, inLen: number, outLen: number) => {
    const taps = p < k ? Math.ceil((k - p) / s) : 0;
    const first = (((p - padBefore) % s) + s) % s;
    const count = first < inLen ? Math.floor((inLen - 1 - first) / s) + 1 : 0;
    const firstBlock = (first + padBefore - p) / s; // dy index of tap 0 for that dx index
    const before = taps - 1 - firstBlock;
    const after = count + taps - 1 - outLen - before;
    return { taps, first, count, before, after };
  };
  for (let py = 0; py < sh; py++) {
    const ry = phase(py, kh, sh, top, h, oh);
    if (ry.taps === 0 || ry.count === 0) continue;
    for (let px = 0; px < sw; px++) {
      const rx = phase(px, kw, sw, left, w, ow);
      if (rx.taps === 0 || rx.count === 0) continue;
      // Sub-filter F[u, v, co, ci] = W[py + (Ti−1−u)·sh, px + (Tj−1−v)·sw, ci, co]: a fresh tensor, so no
      // XNNPACK operator cached for another phase can be hit.
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
            [Math.max(ry.before, 0), Math.max(ry.after, 0)],
            [Math.max(rx.before, 0), Math.max(rx.after, 0)],
            [0, 0],
          ],
          dataFormat: 'NHWC',
        },
      );
      free(backend, sub);
      // Scatter this phase's rows/cols into dx (skipping what negative padding would have cut).
      const [, ph, pw] = part.shape as [number, number, number, number];
      const offY = Math.max(-ry.before, 0);
      const offX = Math.max(-rx.before, 0);
      const pv = heapF32(backend, part);
      const dx = heapF32(backend, out);
      for (let b = 0; b < n; b++) {
        for (let k = 0; k < ry.count; k++) {
          const y = ry.first + k * sh;
          for (let l = 0; l < rx.count; l++) {
            const src = ((b * ph + k + offY) * pw + l + offX) * ci;
            dx.set(pv.subarray(src, src + ci), ((b * h + y) * w + rx.first + l * sw) * ci);
          }
        }
      }
      free(backend, part);
    }
  }
  return out;
}
