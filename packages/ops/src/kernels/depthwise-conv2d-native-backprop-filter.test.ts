import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { maxRelativeError } from '../testing/index.js';
import { depthwiseSweep } from './conv-test-cases.js';
import { convOutShape, errorVsCpu, padLabel, t4, type Pad, type Shape4 } from './kernel-test-utils.js';

const dw = (x: tf.Tensor, dy: tf.Tensor, attrs: object) => tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, attrs as never) as tf.Tensor;

describe('DepthwiseConv2dNativeBackpropFilter on wasm', () => {
  it.each(depthwiseSweep().map((c) => ({ ...c, p: padLabel(c.pad) })))('matches cpu: k=$k s=$s pad=$p m=$m n=$n', async ({ k, s, pad, m, n }) => {
    const xShape: Shape4 = [n, 10, 9, 3];
    const fShape: Shape4 = [k[0], k[1], 3, m];
    const dyShape = convOutShape(xShape, fShape, s, pad, true);
    const err = await errorVsCpu(() => dw(t4(xShape, 1), t4(dyShape, 3), { strides: s, dilations: 1, pad, filterShape: fShape }));
    expect(err).toBeLessThanOrEqual(1e-4);
  });

  it.each([
    { k: 2, d: 2, pad: 'valid' as Pad, m: 1, s: 1 },
    { k: 3, d: 3, pad: 'same' as Pad, m: 2, s: 1 },
    { k: 3, d: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] as Pad, m: 1, s: 1 },
  ])('with dilation $d (k=$k, m=$m) equals every d-th tap of the undilated gradient', async ({ k, d, pad, m, s }) => {
    await ready({ backend: 'wasm' });
    const xShape: Shape4 = [2, 10, 9, 3];
    const kd = d * (k - 1) + 1;
    const dyShape = convOutShape(xShape, [k, k, 3, m], [s, s], pad, true, d);
    const [got, want] = tf.tidy(() => {
      const x = t4(xShape, 1);
      const dy = t4(dyShape, 3);
      const attrs = { strides: s, pad };
      const full = dw(x, dy, { ...attrs, dilations: 1, filterShape: [kd, kd, 3, m] });
      return [dw(x, dy, { ...attrs, dilations: d, filterShape: [k, k, 3, m] }).dataSync(), tf.stridedSlice(full, [0, 0, 0, 0], [kd, kd, 3, m], [d, d, 1, 1]).dataSync()];
    });
    expect(maxRelativeError(got, want, 1e-3)).toBeLessThan(1e-4);
  });

  it('wider channels and batch (long per-channel sums)', async () => {
    const xShape: Shape4 = [4, 17, 16, 16];
    for (const [s, m] of [
      [1, 1],
      [2, 2],
    ] as const) {
      const fShape: Shape4 = [3, 3, 16, m];
      const dyShape = convOutShape(xShape, fShape, [s, s], 'same', true);
      const err = await errorVsCpu(() => dw(t4(xShape, 4), t4(dyShape, 5), { strides: s, dilations: 1, pad: 'same', filterShape: fShape }));
      expect(err).toBeLessThanOrEqual(1e-4);
    }
  });

  it('through tf.grad of depthwiseConv2d w.r.t. the filter (stride 1 and 2, multiplier 1 and 2)', async () => {
    const err = await errorVsCpu(() =>
      [1, 2].flatMap((s) =>
        [1, 2].map((m) => {
          const x = t4([2, 9, 10, 4], 7);
          return tf.grad((f: tf.Tensor) => tf.depthwiseConv2d(x, f as tf.Tensor4D, s, 'same').square().sum())(t4([3, 3, 4, m], 8));
        }),
      ),
    );
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});
