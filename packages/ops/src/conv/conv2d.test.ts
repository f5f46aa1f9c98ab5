import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { InvalidArgumentError, ShapeMismatchError } from '../errors/errors.js';
import { convBackward, convForward, depthwiseConvForward, separableConvForward } from '../reference/convolution.js';
import { ndarray, type NDArray } from '../reference/ndarray.js';

const refT = (a: NDArray) => tf.tensor(Float32Array.from(a.data), a.shape);
import { randomPair } from '../test-support/random.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { conv1x1, conv2d, depthwiseConv2d, separableConv2d } from './conv2d.js';
import type { Padding2D } from './conv-output-size.js';

type Case = { k: [number, number]; s: [number, number]; padding: Padding2D; d: number; n: number };
const cases: Case[] = [];
for (const k of [1, 2, 3, 4, 5, 6, 7])
  for (const s of [1, 2, 3])
    for (const padding of ['valid', 'same', 1, [[1, 2], [0, 1]]] as Padding2D[]) cases.push({ k: [k, k], s: [s, s], padding, d: 1, n: k % 3 === 0 ? 2 : 1 });
cases.push({ k: [3, 2], s: [1, 2], padding: 'same', d: 1, n: 2 }, { k: [3, 3], s: [1, 1], padding: 'valid', d: 2, n: 1 }, { k: [2, 3], s: [1, 1], padding: 'same', d: 2, n: 2 });

const refPad = (p: Padding2D) => (Array.isArray(p) ? { top: p[0][0], bottom: p[0][1], left: p[1][0], right: p[1][1] } : p);

describeEachBackend('conv2d vs the step-by-step reference', () => {
  it.each(cases)('forward and backward: k=$k s=$s padding=$padding d=$d n=$n', ({ k, s, padding, d, n }) => {
    const x = randomPair([n, 11, 10, 3], 1);
    const w = randomPair([k[0], k[1], 3, 4], 2);
    const { Z, cache } = convForward(x.nd, w.nd, undefined, { stride: s, pad: refPad(padding), dilation: d });
    const y = conv2d(x.t as tf.Tensor4D, w.t as tf.Tensor4D, { strides: s, padding, dilations: d });
    expectTensorsClose(y, refT(Z));
    if (d === 1) {
      const dZ = randomPair(Z.shape, 3);
      const { dAprev, dW } = convBackward(dZ.nd, cache);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => conv2d(a as tf.Tensor4D, b as tf.Tensor4D, { strides: s, padding }))([x.t, w.t], dZ.t);
      expectTensorsClose(gx!, refT(dAprev));
      expectTensorsClose(gw!, refT(dW));
      tf.dispose([dZ.t, gx!, gw!]);
    }
    tf.dispose([x.t, w.t, y]);
  });

  it('bias + relu (fused) equals relu(conv + b); single images [H, W, C] work; 1x1 convs mix channels', () => {
    const x = randomPair([1, 6, 6, 3], 4);
    const w = randomPair([3, 3, 3, 2], 5);
    const b = tf.tensor1d([0.5, -0.5]);
    const { Z } = convForward(x.nd, w.nd, ndarray([2], [0.5, -0.5]), { pad: 'same' });
    const y = conv2d(x.t as tf.Tensor4D, w.t as tf.Tensor4D, { padding: 'same', bias: b, activation: 'relu' });
    expectTensorsClose(y, tf.tensor(Float32Array.from(Z.data, (v) => Math.max(v, 0)), Z.shape));
    const single = conv2d(tf.squeeze(x.t, [0]) as tf.Tensor3D, w.t as tf.Tensor4D, { padding: 'same' });
    expect(single.shape).toEqual([6, 6, 2]);
    const p = randomPair([3, 5], 6);
    const one = conv1x1(x.t as tf.Tensor4D, p.t as tf.Tensor2D);
    expectTensorsClose(one, refT(convForward(x.nd, ndarray([1, 1, 3, 5], p.nd.data)).Z));
    tf.dispose([x.t, w.t, b, y, single, p.t, one]);
  });

  it.each([
    { k: 3, s: 1, padding: 'same' as Padding2D, m: 1 },
    { k: 5, s: 2, padding: 'valid' as Padding2D, m: 2 },
    { k: 3, s: 3, padding: [[1, 0], [2, 1]] as Padding2D, m: 3 },
  ])('depthwise and separable: k=$k s=$s padding=$padding multiplier=$m', ({ k, s, padding, m }) => {
    const x = randomPair([2, 9, 8, 3], 7);
    const dw = randomPair([k, k, 3, m], 8);
    const pw = randomPair([1, 1, 3 * m, 4], 9);
    const ref = depthwiseConvForward(x.nd, dw.nd, { stride: s, pad: refPad(padding) });
    const y = depthwiseConv2d(x.t as tf.Tensor4D, dw.t as tf.Tensor4D, { strides: s, padding });
    expectTensorsClose(y, refT(ref));
    const sep = separableConvForward(x.nd, dw.nd, pw.nd, { stride: s, pad: refPad(padding) });
    const ys = separableConv2d(x.t as tf.Tensor4D, dw.t as tf.Tensor4D, pw.t as tf.Tensor4D, { strides: s, padding });
    expectTensorsClose(ys, refT(sep));
    tf.dispose([x.t, dw.t, pw.t, y, ys]);
  });

  it('does not leak', async () => {
    const x = randomPair([1, 6, 6, 3], 1).t as tf.Tensor4D;
    const w = randomPair([3, 3, 3, 2], 2).t as tf.Tensor4D;
    const dw = randomPair([3, 3, 3, 1], 3).t as tf.Tensor4D;
    const pw = randomPair([1, 1, 3, 2], 4).t as tf.Tensor4D;
    const bias = tf.zeros([2]) as tf.Tensor1D;
    await expectNoLeaks(() => conv2d(x, w, { padding: 1, activation: 'relu', bias }).dispose());
    bias.dispose();
    await expectNoLeaks(() => {
      conv2d(x, w, { padding: [[1, 0], [0, 1]] }).dispose();
      depthwiseConv2d(x, dw, { padding: 'same', activation: 'relu6' }).dispose();
      separableConv2d(x, dw, pw).dispose();
      conv1x1(x, pw).dispose();
    });
    tf.dispose([x, w, dw, pw]);
  });

  it('bad input: typed errors that name the argument', () => {
    const x = tf.zeros([1, 5, 5, 3]) as tf.Tensor4D;
    const w = tf.zeros([3, 3, 3, 2]) as tf.Tensor4D;
    expect(() => conv2d(tf.zeros([5, 5]) as never, w)).toThrow(InvalidArgumentError);
    expect(() => conv2d(tf.zeros([5, 5]) as never, w)).toThrow(/'x'.*rank-3 or 4/);
    expect(() => conv2d(x, tf.zeros([3, 3, 4, 2]) as tf.Tensor4D)).toThrow(ShapeMismatchError);
    expect(() => conv2d(x, w, { strides: 0 })).toThrow(/options.strides/);
    expect(() => conv2d(x, tf.zeros([7, 7, 3, 2]) as tf.Tensor4D)).toThrow(/filter no larger than the padded input/);
    expect(() => conv2d(x, w, { strides: 2, dilations: 2 })).toThrow(/options.dilations/);
    expect(() => conv2d(x, w, { padding: 'full' as never })).toThrow(/options.padding/);
    expect(() => conv2d(x, w, { bias: tf.zeros([3]) as tf.Tensor1D })).toThrow(/options.bias/);
    expect(() => separableConv2d(x, tf.zeros([3, 3, 3, 2]) as tf.Tensor4D, tf.zeros([1, 1, 3, 4]) as tf.Tensor4D)).toThrow(/pointwiseFilter/);
    const disposed = tf.zeros([1, 5, 5, 3]);
    disposed.dispose();
    expect(() => conv2d(disposed as tf.Tensor4D, w)).toThrow(/disposed/);
    tf.dispose([x, w]);
  });
});
