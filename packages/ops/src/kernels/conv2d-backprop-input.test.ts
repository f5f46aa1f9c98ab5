import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { convSweep } from './conv-test-cases.js';
import { convOutShape, errorVsCpu, padLabel, t4, type Shape4 } from './kernel-test-utils.js';

describe('Conv2DBackpropInput on wasm matches tfjs-cpu', () => {
  it.each(convSweep().map((c) => ({ ...c, p: padLabel(c.pad) })))('k=$k s=$s pad=$p n=$n', async ({ k, s, pad, n }) => {
    const xShape: Shape4 = [n, 11, 9, 3];
    const fShape: Shape4 = [k[0], k[1], 3, 4];
    const dyShape = convOutShape(xShape, fShape, s, pad);
    const err = await errorVsCpu(() =>
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: t4(dyShape, 3), filter: t4(fShape, 2) }, { strides: s, pad, dataFormat: 'NHWC', inputShape: xShape } as never) as tf.Tensor,
    );
    expect(err).toBeLessThanOrEqual(1e-4);
  });

  it('through tf.grad of conv2d w.r.t. the input (stride 1 and 2)', async () => {
    const err = await errorVsCpu(() => {
      const f = t4([3, 3, 3, 5], 8);
      return [1, 2].map((s) => tf.grad((x: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, f, s, 'same').square().sum())(t4([2, 10, 9, 3], 7)));
    });
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});
