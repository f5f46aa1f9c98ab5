/**
 * Stock wasm passes TF 'same' padding to XNNPACK as a flag, and XNNPACK then computes the total padding as
 * (out − 1)·s + k − n without clamping at 0. When that is negative (stride larger than the kernel, input
 * not a multiple of the stride; e.g. 9×8 input, 2×2 kernel, stride 3) the convolution silently returns
 * zeros. These wrappers hand XNNPACK the explicit padding tfjs computes instead, which is exact.
 */
import * as tf from '@tensorflow/tfjs-core';
import { stockKernel, type WasmBackendLike } from './wasm-kernel-utils.js';

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

function explicitSame(args: Args, depthwise: boolean): tf.NamedAttrMap | undefined {
  const attrs = args.attrs as { pad?: unknown; strides: number | [number, number]; dilations?: number | [number, number]; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  if (attrs?.pad !== 'same') return undefined;
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    'same',
    attrs.dimRoundingMode,
    depthwise,
  );
  const { top, bottom, left, right } = info.padInfo;
  return {
    ...(args.attrs as tf.NamedAttrMap),
    pad: [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
  } as unknown as tf.NamedAttrMap;
}

function wrap(name: string, depthwise: boolean): tf.KernelConfig {
  return {
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: ((args: Args) => {
      const attrs = explicitSame(args, depthwise);
      return stockKernel(name)(attrs ? { ...args, attrs, backend: args.backend as WasmBackendLike } : args);
    }) as unknown as tf.KernelFunc,
  };
}

export const SAME_PADDING_KERNELS = ['Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D'] as const;

export function samePaddingFixConfigs(): tf.KernelConfig[] {
  return SAME_PADDING_KERNELS.map((name) => wrap(name, name.includes('Depthwise')));
}
