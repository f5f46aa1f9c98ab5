/**
 * Registration, memory hygiene, XNNPACK operator-cache safety, and gradients through tf.grad of a small
 * network on wasm vs cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { expectNoLeaks } from '../testing/index.js';
import { EXPLICIT, errorVsCpu, t4, type Pad } from './kernel-test-utils.js';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './register-wasm-training-kernels.js';

describe('registerWasmTrainingKernels', () => {
  beforeAll(async () => {
    await ready({ backend: 'wasm' });
  });

  it('registers every kernel on wasm, keeps stock setupFuncs, and is idempotent', () => {
    const names = registerWasmTrainingKernels();
    expect([...names].sort()).toEqual([...WASM_TRAINING_KERNELS].sort());
    expect(registerWasmTrainingKernels()).toBe(names);
    for (const k of WASM_TRAINING_KERNELS) expect(tf.getKernel(k, 'wasm'), k).toBeDefined();
    // Overridden stock kernels keep the setupFunc that binds their C++ function.
    for (const k of [tf.Conv2DBackpropInput, tf.BatchMatMul, tf._FusedMatMul, 'Conv2D', 'DepthwiseConv2dNative']) {
      expect(tf.getKernel(k, 'wasm')?.setupFunc, k).toBeTypeOf('function');
    }
  });

  it('each kernel, run through its op and disposed, leaks no tensors and no wasm data', async () => {
    const x = t4([2, 9, 9, 3], 1);
    const f = t4([3, 3, 3, 4], 2);
    const dwf = t4([3, 3, 3, 2], 3);
    const w = tf.tensor2d(Array.from({ length: 27 * 5 }, (_, i) => i / 100), [27, 5]);
    const grads = (fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.grads(fn)([a, b]);
    const ops: Record<string, () => tf.Tensor | tf.Tensor[]> = {
      conv: () => grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), x, f),
      conv1: () => grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, EXPLICIT), x, f),
      depthwise: () => grads((a, b) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), x, dwf),
      depthwiseDilated: () => tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy: tf.ones([2, 9, 9, 6]) }, { strides: 1, dilations: 2, pad: 'same', filterShape: [3, 3, 3, 2] } as never) as tf.Tensor,
      matMul: () => grads((a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), x.reshape([18, 27]), w),
      batched: () => tf.matMul(x.reshape([2, 27, 9]), x.reshape([2, 27, 9]), true, false),
      fused: () => tf.fused.matMul({ a: x.reshape([18, 27]), b: w.reshape([5, 27]), transposeB: true, bias: tf.ones([5]), activation: 'relu' }),
      maxPool: () => tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 3, 2, 'same'))(x),
      avgPool: () => tf.grad((a: tf.Tensor) => tf.avgPool(a as tf.Tensor4D, 2, 2, 'valid'))(x),
      gather: () => tf.grad((p: tf.Tensor) => tf.gather(p, tf.tensor1d([2, 0, 2], 'int32')).sum())(w),
      same: () => tf.fused.conv2d({ x, filter: f, strides: 3, pad: 'same', bias: tf.ones([4]) }),
    };
    const backend = tf.engine().backend;
    for (const [name, op] of Object.entries(ops)) {
      tf.dispose(tf.tidy(op)); // warm up (first calls may allocate lazily)
      const ids = backend.numDataIds();
      await expectNoLeaks(() => {
        tf.dispose(tf.tidy(op));
      });
      expect(backend.numDataIds(), name).toBe(ids);
    }
    tf.dispose([x, f, dwf, w]);
  });

  it('one filter used with different strides and paddings back to back stays correct (XNNPACK operator cache)', async () => {
    const err = await errorVsCpu(() => {
      const x = t4([2, 12, 12, 4], 7);
      const f = t4([3, 3, 4, 5], 8);
      const dwf = t4([3, 3, 4, 2], 9);
      const outs: tf.Tensor[] = [];
      for (const [s, pad] of [
        [1, 'same'],
        [2, 'valid'],
        [1, 'valid'],
        [3, 'same'],
        [2, EXPLICIT],
        [1, 'same'],
      ] as [number, Pad][]) {
        const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad).square())([x, f]);
        const [ex, ef] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad).square())([x, dwf]);
        outs.push(tf.conv2d(x, f, s, pad).flatten(), dx!.flatten(), df!.flatten(), ex!.flatten(), ef!.flatten());
        // The filter reshaped (same data id, other shape) as a 1×1 filter and as matmul weights.
        outs.push(tf.conv2d(x, f.reshape([1, 1, 4, 45]) as tf.Tensor4D, s, pad).flatten(), tf.matMul(x.reshape([-1, 4]), f.reshape([4, 45])).flatten());
      }
      return outs;
    });
    expect(err).toBeLessThanOrEqual(1e-4);
  });

  it('tf.grad through conv (stride 1 and 2), depthwise, max and average pooling matches cpu', async () => {
    const err = await errorVsCpu(() => {
      const x = t4([2, 12, 11, 3], 1);
      const params = [t4([3, 3, 3, 6], 2), t4([3, 3, 6, 2], 3), t4([5, 5, 12, 8], 4)];
      const loss = (w1: tf.Tensor, dw: tf.Tensor, w2: tf.Tensor) => {
        let h = tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'));
        h = tf.maxPool(h, 3, 2, 'same');
        h = tf.sigmoid(tf.depthwiseConv2d(h, dw as tf.Tensor4D, 1, 'same'));
        h = tf.conv2d(h, w2 as tf.Tensor4D, 2, 'same');
        return tf.avgPool(h, 2, 1, 'valid').square().sum();
      };
      return tf.grads(loss as (...a: tf.Tensor[]) => tf.Tensor)(params);
    });
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});
