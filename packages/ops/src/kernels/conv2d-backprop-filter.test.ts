import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { convFilterGrad, im2colFilterGrad } from './conv2d-backprop-filter.js';
import { convSweep } from './conv-test-cases.js';
import { convOutShape, errorVsCpu, padLabel, t4, type Shape4 } from './kernel-test-utils.js';
import type { WasmBackendLike } from './wasm-kernel-utils.js';

describe('Conv2DBackpropFilter on wasm matches tfjs-cpu', () => {
  it.each(convSweep().map((c) => ({ ...c, p: padLabel(c.pad) })))('k=$k s=$s pad=$p n=$n', async ({ k, s, pad, n }) => {
    const xShape: Shape4 = [n, 11, 9, 3];
    const fShape: Shape4 = [k[0], k[1], 3, 4];
    const dyShape = convOutShape(xShape, fShape, s, pad);
    const err = await errorVsCpu(() =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: t4(xShape, 1), dy: t4(dyShape, 3) }, { strides: s, pad, dataFormat: 'NHWC', filterShape: fShape } as never) as tf.Tensor,
    );
    expect(err).toBeLessThanOrEqual(1e-4);
  });

  it('wider channels and batch (K = N·OH·OW large)', async () => {
    const xShape: Shape4 = [4, 16, 15, 8];
    const fShape: Shape4 = [3, 3, 8, 12];
    for (const [s, pad] of [
      [1, 'same'],
      [2, 'same'],
    ] as const) {
      const dyShape = convOutShape(xShape, fShape, [s, s], pad);
      const err = await errorVsCpu(() =>
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: t4(xShape, 5), dy: t4(dyShape, 6) }, { strides: s, pad, dataFormat: 'NHWC', filterShape: fShape } as never) as tf.Tensor,
      );
      expect(err).toBeLessThanOrEqual(1e-4);
    }
  });

  it('through tf.grad of conv2d w.r.t. the filter', async () => {
    const err = await errorVsCpu(() => {
      const x = t4([2, 10, 9, 3], 7);
      return [1, 2].map((s) => tf.grad((f: tf.Tensor) => tf.conv2d(x, f as tf.Tensor4D, s, 'same').square().sum())(t4([3, 3, 3, 5], 8)));
    });
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});

describe('Conv2DBackpropFilter formulations (each forced) match cpu', () => {
  const cases = convSweep().filter((c, i) => i % 4 === 0 && c.k[0] > 1);
  it.each(cases.map((c) => ({ ...c, p: padLabel(c.pad) })))('convolution, im2col in one chunk and in row chunks: k=$k s=$s pad=$p', async ({ k, s, pad }) => {
    const xShape: Shape4 = [4, 11, 9, 16];
    const fShape: Shape4 = [k[0], k[1], 16, 6];
    const dyShape = convOutShape(xShape, fShape, s, pad);
    const info = tf.backend_util.computeConv2DInfo(xShape, fShape, s, 1, pad);
    const forced = (f: (b: WasmBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo) => tf.TensorInfo) => async () => {
      await ready({ backend: 'wasm' });
      return tf.tidy(() => tf.engine().makeTensorFromTensorInfo(f(tf.engine().backend as WasmBackendLike, t4(xShape, 1), t4(dyShape, 3))).dataSync());
    };
    await ready({ backend: 'cpu' });
    const expected = tf.tidy(() => (tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: t4(xShape, 1), dy: t4(dyShape, 3) }, { strides: s, pad, dataFormat: 'NHWC', filterShape: fShape } as never) as tf.Tensor).dataSync());
    for (const run of [
      forced((b, x, dy) => convFilterGrad(b, x, dy, info)),
      forced((b, x, dy) => im2colFilterGrad(b, x, dy, info)),
      forced((b, x, dy) => im2colFilterGrad(b, x, dy, info, 1)), // one output row per chunk
    ]) {
      const got = await run();
      let scale = 0;
      let diff = 0;
      expected.forEach((e, i) => {
        scale = Math.max(scale, Math.abs(e));
        diff = Math.max(diff, Math.abs(got[i]! - e));
      });
      expect(diff / scale).toBeLessThanOrEqual(1e-4);
    }
  });
});
