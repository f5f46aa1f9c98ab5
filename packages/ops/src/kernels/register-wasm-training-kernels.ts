/**
 * Registers the training kernels that stock tfjs-backend-wasm 4.22 lacks or runs as scalar loops, built
 * from wasm's own XNNPACK kernels, and wraps the forward convolutions whose 'same' padding it gets wrong. Called by `ready()` once the wasm backend is active; idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import {
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
} from './depthwise-conv2d-backprop.js';
import { avgPoolGradConfig, maxPoolGradConfig } from './pool-grad.js';
import { SAME_PADDING_KERNELS, samePaddingFixConfigs } from './same-padding-fix.js';
import { captureStock } from './wasm-kernel-utils.js';

/** Stock kernels our kernels call; captured before any override. */
const BUILDING_BLOCKS = [...SAME_PADDING_KERNELS, 'Transpose', 'Slice', 'Reshape', tf.BatchMatMul];

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
    batchMatMulConfig(),
    maxPoolGradConfig,
    avgPoolGradConfig,
    ...samePaddingFixConfigs(),
  ];
  for (const config of configs) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing) {
      // Overriding a stock kernel keeps its setupFunc (already run at backend init, and needed on re-init).
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
  tf.MaxPoolGrad,
  tf.AvgPoolGrad,
  ...SAME_PADDING_KERNELS,
];
