/**
 * Conv2DBackpropFilter for wasm (stock wasm has none; tfjs-cpu spends 97-99% of a conv layer's training time
 * here), on XNNPACK:
 *
 *   dW[i, j, ci, co] = Σ_{n, oh, ow} x[n, oh·sh + i − top, ow·sw + j − left, ci] · dy[n, oh, ow, co]
 *
 * - im2col + one GEMM (default): dW as [kh·kw·Ci, Co] = colᵀ · dy with colᵀ[(i, j, ci), (n, oh, ow)] the
 *   input pixel each tap saw (K = N·OH·OW contiguous), chunked to bound memory.
 * - As a convolution (batch ≥ 4 with few output channels): xᵀ = x as [Ci, H, W, N] (batch Ci, channels N)
 *   convolved with dyᵀ = dy as [OH, OW, N, Co] (an OH×OW filter) dilated by the forward stride, stride 1,
 *   the forward padding, gives out[ci, i, j, co]. Its implicit GEMM only has N values per tap to sum.
 * - 1×1 filters (ResNet bottlenecks, shortcuts): one matmul xₛᵀ · dy.
 * Also measured and slower on the VGG layer: 9 per-tap matmuls, a 1-D im2col with N·OW channels, the
 * convolution split into row chunks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchMatMulWasm } from './batch-mat-mul.js';
import { backpropConvInfo, channelMajorWindow, free, heapF32, reshape, run, slice, transpose, zeros, type KernelArgs, type WasmBackendLike } from './wasm-kernel-utils.js';

/**
 * 1×1 filter, no top/left padding: dW[0, 0] = xₛᵀ · dy over the N·OH·OW pixels the forward read, where xₛ
 * takes every s-th row and column of x (rows past the image, from bottom/right padding, read zeros: dropped
 * from dy).
 */
function pointwiseFilterGrad(backend: WasmBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const rows = Math.min(oh, Math.ceil(h / sh));
  const cols = Math.min(ow, Math.ceil(w / sw));
  const xs =
    sh > 1 || sw > 1 || rows < h || cols < w
      ? run(backend, 'StridedSlice', { x }, { begin: [0, 0, 0, 0], end: [n, (rows - 1) * sh + 1, (cols - 1) * sw + 1, ci], strides: [1, sh, sw, 1] } as unknown as tf.NamedAttrMap)
      : undefined;
  const dys = rows < oh || cols < ow ? slice(backend, dy, [0, 0, 0, 0], [n, rows, cols, co]) : undefined;
  const a = reshape(backend, xs ?? x, [n * rows * cols, ci]);
  const b = reshape(backend, dys ?? dy, [n * rows * cols, co]);
  const prod = batchMatMulWasm({ inputs: { a, b }, backend, attrs: { transposeA: true, transposeB: false } }); // [Ci, Co]
  free(backend, a, b, xs, dys);
  const dw = reshape(backend, prod, [1, 1, ci, co]);
  free(backend, prod);
  return dw;
}

/** Floats of im2col buffer per GEMM (32 MB): bounds memory for large images and batches. */
const COL_CHUNK = 8 << 20;

/**
 * im2col: dW as [kh·kw·Ci, Co] = Σ_chunks colᵀ · dy, where colᵀ[(i, j, ci), (n, oh, ow)] = x[n, oh·sh + i − top,
 * ow·sw + j − left, ci] is built row by row from the channel-major, padded x, a range of output rows at a time.
 */
export function im2colFilterGrad(backend: WasmBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, chunkFloats = COL_CHUNK): tf.TensorInfo {
  const { batchSize: n, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const extentH = (oh - 1) * sh + kh;
  const extentW = (ow - 1) * sw + kw;
  const xC = channelMajorWindow(backend, x, top, left, extentH, extentW); // [Ci, N, extentH, extentW]
  if (!xC) return zeros(backend, [kh, kw, ci, co]);
  const taps = kh * kw * ci;
  const outRows = n * oh; // (n, oh) pairs: contiguous in dy
  const rowsPerChunk = Math.max(1, Math.min(outRows, Math.floor(chunkFloats / (taps * ow))));
  let out: tf.TensorInfo | undefined;
  for (let r0 = 0; r0 < outRows; r0 += rowsPerChunk) {
    const rc = Math.min(rowsPerChunk, outRows - r0);
    const col = backend.makeOutput([taps, rc * ow], 'float32');
    const src = heapF32(backend, xC);
    const dst = heapF32(backend, col);
    let d = 0;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        for (let c = 0; c < ci; c++) {
          for (let r = r0; r < r0 + rc; r++) {
            const b = Math.floor(r / oh);
            const s0 = ((c * n + b) * extentH + (r - b * oh) * sh + i) * extentW + j;
            if (sw === 1 && ow >= 32) {
              // Long rows: one memcpy; short ones: a plain loop beats subarray()'s overhead.
              dst.set(src.subarray(s0, s0 + ow), d);
              d += ow;
            } else {
              for (let xx = 0, k = s0; xx < ow; xx++, k += sw) dst[d++] = src[k]!;
            }
          }
        }
      }
    }
    const dyc = rc === outRows ? reshape(backend, dy, [rc * ow, co]) : copyRows(backend, dy, r0 * ow * co, [rc * ow, co]);
    const part = batchMatMulWasm({ inputs: { a: col, b: dyc }, backend, attrs: { transposeA: false, transposeB: false } }); // [taps, Co]
    free(backend, col, dyc);
    if (!out) {
      out = part;
    } else {
      const acc = heapF32(backend, out);
      const pv = heapF32(backend, part);
      for (let k = 0; k < acc.length; k++) acc[k] = acc[k]! + pv[k]!;
      free(backend, part);
    }
  }
  free(backend, xC);
  const dw = reshape(backend, out!, [kh, kw, ci, co]);
  free(backend, out);
  return dw;
}

/** A fresh [rows, cols] tensor holding x's values from flat offset `from`. */
function copyRows(backend: WasmBackendLike, x: tf.TensorInfo, from: number, shape: [number, number]): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  heapF32(backend, out).set(heapF32(backend, x).subarray(from, from + shape[0] * shape[1]));
  return out;
}

/** The convolution formulation (see the header). */
export function convFilterGrad(backend: WasmBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  // Rows/cols of the padded input the forward pass actually read; anything past them gets no gradient.
  const extentH = (oh - 1) * sh + kh;
  const extentW = (ow - 1) * sw + kw;
  let bottom = extentH - top - h;
  let right = extentW - left - w;
  const keepH = bottom < 0 ? h + bottom : h;
  const keepW = right < 0 ? w + right : w;
  bottom = Math.max(bottom, 0);
  right = Math.max(right, 0);

  const xCropped = keepH < h || keepW < w ? slice(backend, x, [0, 0, 0, 0], [n, keepH, keepW, ci]) : undefined;
  const xT = transpose(backend, xCropped ?? x, [3, 1, 2, 0]); // [Ci, H, W, N]
  free(backend, xCropped);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [OH, OW, N, Co]
  const conv = run(
    backend,
    'Conv2D',
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      dilations: [sh, sw],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  ); // [Ci, kh, kw, Co]
  free(backend, xT, dyT);
  if (conv.shape[1] !== kh || conv.shape[2] !== kw) {
    free(backend, conv);
    throw new Error(`@cnn/ops wasm Conv2DBackpropFilter: internal shape error ${conv.shape} vs [${ci},${kh},${kw},${co}]`);
  }
  const dw = transpose(backend, conv, [1, 2, 0, 3]); // [kh, kw, Ci, Co]
  free(backend, conv);
  return dw;
}

export function conv2DBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = backpropConvInfo('Conv2DBackpropFilter', args.attrs, x.shape, filterShape);
  const { batchSize: n, inChannels: ci, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  if (kh === 1 && kw === 1 && top === 0 && left === 0) return pointwiseFilterGrad(backend, x, dy, info);
  // Measured (ms, 1 thread; conv / im2col): VGG 3×3 8×56×56×64->64 100/77, batch 1 20/10; 3×3 s2 ->128
  // 53/41; 3×3 8×14×14×256->256 91/68; 7×7 s2 8×112×112×3->64 29/24; but 5×5 8×28×28×32->32 14/20: with
  // few output channels the im2col copy (kh·kw·|x|) outweighs the GEMM, while the convolution's GEMM depth
  // per tap is the batch, so it needs a batch of 4 or more.
  if (n < 4 || co >= 48 || ci < 16) return im2colFilterGrad(backend, x, dy, info);
  return convFilterGrad(backend, x, dy, info);
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as tf.KernelFunc,
};
