/**
 * DepthwiseConv2dNativeBackpropInput for wasm (stock wasm has none): the transposed depthwise convolution on
 * XNNPACK, for any stride, dilation and channel multiplier m,
 *
 *   dx[n, y, x, c] = Σ_{q<m} Σ_{i,j} dy[n, oy, ox, c·m+q] · W[i, j, c, q]   where y = oy·s + i·d − top,
 *
 * i.e. a multiplier-1 depthwise conv of the zero-dilated dy (C·m channels) with the rotated filter, summed
 * over q (see transposed-conv.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { transposedConv } from './transposed-conv.js';
import type { KernelArgs, WasmBackendLike } from './wasm-kernel-utils.js';

/** Conv2DInfo of a depthwise conv (strides, dilations, any padding TF accepts). */
export function depthwiseInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap | undefined): tf.backend_util.Conv2DInfo {
  const a = (attrs ?? {}) as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    true,
  );
}

export function depthwiseConv2dNativeBackpropInputWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { inputShape } = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  return transposedConv(backend, dy, filter, depthwiseInfo(inputShape, filter.shape, args.attrs), true);
}

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInputWasm as unknown as tf.KernelFunc,
};
