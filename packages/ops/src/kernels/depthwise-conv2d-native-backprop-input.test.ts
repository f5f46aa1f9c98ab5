import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { maxRelativeError } from '../testing/index.js';
import { depthwiseSweep, dilateFilter } from './conv-test-cases.js';
import { convOutShape, errorVsCpu, padLabel, rand, t4, type Pad, type Shape4 } from './kernel-test-utils.js';

const dx = (dy: tf.Tensor, filter: tf.Tensor, attrs: object) => tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter }, attrs as never) as tf.Tensor;

describe('DepthwiseConv2dNativeBackpropInput on wasm', () => {
  it.each(depthwiseSweep().map((c) => ({ ...c, p: padLabel(c.pad) })))('matches cpu: k=$k s=$s pad=$p m=$m n=$n', async ({ k, s, pad, m, n }) => {
    const xShape: Shape4 = [n, 10, 9, 3];
    const fShape: Shape4 = [k[0], k[1], 3, m];
    const dyShape = convOutShape(xShape, fShape, s, pad, true);
    const err = await errorVsCpu(() => dx(t4(dyShape, 3), t4(fShape, 2), { strides: s, dilations: 1, pad, inputShape: xShape }));
    expect(err).toBeLessThanOrEqual(1e-4);
  });

  it.each([
    { k: 2, d: 2, pad: 'valid' as Pad, m: 1, s: 1 },
    { k: 3, d: 3, pad: 'same' as Pad, m: 2, s: 1 },
    { k: 3, d: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] as Pad, m: 1, s: 1 },
  ])('with dilation $d (k=$k, m=$m) equals the undilated gradient of the zero-inserted filter', async ({ k, d, pad, m, s }) => {
    await ready({ backend: 'wasm' });
    const xShape: Shape4 = [2, 10, 9, 3];
    const fv = rand(k * k * 3 * m, 2);
    const fd = dilateFilter(fv, k, 3, m, d);
    const dyShape = convOutShape(xShape, [k, k, 3, m], [s, s], pad, true, d);
    const [got, want] = tf.tidy(() => {
      const dy = t4(dyShape, 3);
      const attrs = { strides: s, pad, inputShape: xShape };
      return [
        dx(dy, tf.tensor4d(fv, [k, k, 3, m]), { ...attrs, dilations: d }).dataSync(),
        dx(dy, tf.tensor4d(fd.values, [fd.size, fd.size, 3, m]), { ...attrs, dilations: 1 }).dataSync(),
      ];
    });
    expect(maxRelativeError(got, want, 1e-3)).toBeLessThan(1e-4);
  });

  it('through tf.grad of depthwiseConv2d w.r.t. the input (stride 1 and 2, multiplier 1 and 2)', async () => {
    const err = await errorVsCpu(() =>
      [1, 2].flatMap((s) =>
        [1, 2].map((m) => {
          const f = t4([3, 3, 4, m], 8);
          return tf.grad((x: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, f, s, 'same').square().sum())(t4([2, 9, 10, 4], 7));
        }),
      ),
    );
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});
