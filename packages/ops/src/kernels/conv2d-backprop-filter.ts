/**
 * Conv2DBackpropFilter for wasm, as a convolution (stock wasm has none; tfjs-cpu spends 97-99% of a conv
 * layer's training time here).
 *
 *   dW[i, j, ci, co] = Σ_{n, oh, ow} x[n, oh·s + i − pad_top, ow·s + j − pad_left, ci] · dy[n, oh, ow, co]
 *
 * is a convolution of xᵀ = x as [Ci, H, W, N] (batch Ci, channels N) with dyᵀ = dy as [OH, OW, N, Co]
 * (an OH×OW filter), dilated by the forward stride, stride 1: out[ci, i, j, co]. XNNPACK runs it as one
 * GEMM with K = N·OH·OW.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backpropConvInfo, free, run, slice, transpose, type KernelArgs, type WasmBackendLike } from './wasm-kernel-utils.js';

export function conv2DBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = backpropConvInfo('Conv2DBackpropFilter', args.attrs, x.shape, filterShape);
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

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as tf.KernelFunc,
};
