/**
 * Registers the training kernels that stock tfjs-backend-wasm 4.22 lacks or runs as scalar loops, built
 * from wasm's own XNNPACK kernels, and wraps the forward kernels it gets wrong ('same' padding that XNNPACK
 * computes as negative; matmul weights cached by tensor id). Called by `ready()` once the wasm backend is
 * active; idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';
import { avgPoolGradConfig } from './avg-pool-grad.js';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-native-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-native-backprop-input.js';
import { fusedMatMulConfig } from './fused-mat-mul.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { SAME_PADDING_KERNELS, samePaddingFixConfigs } from './same-padding-fix.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';
import { captureStock } from './wasm-kernel-utils.js';

/** Stock kernels our kernels call, captured before any override replaces them in the registry. */
const BUILDING_BLOCKS = [...SAME_PADDING_KERNELS, 'Transpose', 'Slice', 'Reshape', 'PadV2', 'Sum', tf.BatchMatMul, tf._FusedMatMul];

let registered: string[] | undefined;

export function registerWasmTrainingKernels(): string[] {
  if (registered) return registered;
  if (tf.getKernel('Conv2D', 'wasm') == null) return [];
  for (const name of BUILDING_BLOCKS) captureStock(name);
  const configs: tf.KernelConfig[] = [
    conv2DBackpropFilterConfig,
    conv2DBackpropInputConfig,
    depthwiseConv2dNativeBackpropInputConfig,
    depthwiseConv2dNativeBackpropFilterConfig,
    batchMatMulConfig,
    fusedMatMulConfig,
    maxPoolGradConfig,
    avgPoolGradConfig,
    unsortedSegmentSumConfig,
    ...samePaddingFixConfigs(),
  ];
  for (const config of configs) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing) {
      // Overriding a stock kernel keeps its setupFunc: it binds the C++ function the stock kernelFunc (which
      // ours calls) uses, and it must run again if the backend is re-initialized.
      tf.unregisterKernel(config.kernelName, 'wasm');
      tf.registerKernel({ ...config, setupFunc: config.setupFunc ?? existing.setupFunc });
    } else {
      tf.registerKernel(config);
    }
  }
  registered = configs.map((c) => c.kernelName);
  return registered;
}

/** Names of the kernels `registerWasmTrainingKernels` provides. */
export const WASM_TRAINING_KERNELS: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.Conv2DBackpropInput,
  tf.DepthwiseConv2dNativeBackpropInput,
  tf.DepthwiseConv2dNativeBackpropFilter,
  tf.BatchMatMul,
  tf._FusedMatMul,
  tf.MaxPoolGrad,
  tf.AvgPoolGrad,
  tf.UnsortedSegmentSum,
  ...SAME_PADDING_KERNELS,
];
