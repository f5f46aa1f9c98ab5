import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { InvalidArgumentError, ShapeMismatchError } from '../errors/errors.js';
import {
  convBackward,
  convForward,
  depthwiseConvBackward,
  depthwiseConvForward,
  separableConvBackward,
  separableConvForward,
  type ConvParams,
} from '../reference/convolution.js';
import { ndarray, type NDArray } from '../reference/ndarray.js';
import { randomPair } from '../test-support/random.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { convOutputShape, type Padding2D } from './conv-output-size.js';
import { conv1x1, conv2d, depthwiseConv2d, dilateFilter, separableConv2d, type Activation } from './conv2d.js';

const refT = (a: NDArray) => tf.tensor(Float32Array.from(a.data), a.shape);
const refPad = (p: Padding2D): ConvParams['pad'] => (Array.isArray(p) ? { top: p[0][0], bottom: p[0][1], left: p[1][0], right: p[1][1] } : p);

type Case = { k: [number, number]; s: [number, number]; padding: Padding2D; d: [number, number]; n: number };
const cases: Case[] = [];
// kernel sizes 1-7 × strides 1-3 × 'valid' / 'same' / symmetric p / explicit asymmetric; batch 1 and 2
for (const k of [1, 2, 3, 4, 5, 6, 7])
  for (const s of [1, 2, 3])
    for (const padding of ['valid', 'same', 1, [[1, 2], [0, 1]]] as Padding2D[]) cases.push({ k: [k, k], s: [s, s], padding, d: [1, 1], n: k % 3 === 0 ? 2 : 1 });
cases.push(
  { k: [3, 2], s: [1, 2], padding: 'same', d: [1, 1], n: 2 }, // asymmetric kernel and strides
  { k: [5, 3], s: [3, 1], padding: [[0, 2], [1, 1]], d: [1, 1], n: 1 },
  { k: [3, 3], s: [1, 1], padding: 'valid', d: [2, 2], n: 1 }, // dilated (atrous)
  { k: [2, 3], s: [1, 1], padding: 'same', d: [2, 2], n: 2 },
  { k: [3, 3], s: [1, 1], padding: 'same', d: [3, 1], n: 1 },
  { k: [3, 2], s: [1, 1], padding: [[2, 1], [0, 3]], d: [1, 3], n: 2 },
  { k: [4, 4], s: [1, 1], padding: 2, d: [2, 2], n: 1 },
);

describeEachBackend('conv2d vs the step-by-step reference', () => {
  it.each(cases)('forward and backward: k=$k s=$s padding=$padding d=$d n=$n', ({ k, s, padding, d, n }) => {
    const x = randomPair([n, 11, 10, 3], 1);
    const w = randomPair([k[0], k[1], 3, 4], 2);
    const { Z, cache } = convForward(x.nd, w.nd, undefined, { stride: s, pad: refPad(padding), dilation: d });
    const y = conv2d(x.t as tf.Tensor4D, w.t as tf.Tensor4D, { strides: s, padding, dilations: d });
    expectTensorsClose(y, refT(Z));
    const dZ = randomPair(Z.shape, 3);
    const { dAprev, dW } = convBackward(dZ.nd, cache);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => conv2d(a as tf.Tensor4D, b as tf.Tensor4D, { strides: s, padding, dilations: d }))([x.t, w.t], dZ.t);
    expectTensorsClose(gx!, refT(dAprev));
    expectTensorsClose(gw!, refT(dW));
    tf.dispose([x.t, w.t, y, dZ.t, gx!, gw!]);
  });

  const activations: Record<Activation, { f: (z: number) => number; df: (z: number) => number }> = {
    linear: { f: (z) => z, df: () => 1 },
    relu: { f: (z) => Math.max(z, 0), df: (z) => (z > 0 ? 1 : 0) },
    relu6: { f: (z) => Math.min(Math.max(z, 0), 6), df: (z) => (z > 0 && z < 6 ? 1 : 0) },
    elu: { f: (z) => (z > 0 ? z : Math.exp(z) - 1), df: (z) => (z > 0 ? 1 : Math.exp(z)) },
    leakyrelu: { f: (z) => (z > 0 ? z : 0.2 * z), df: (z) => (z > 0 ? 1 : 0.2) },
    sigmoid: { f: (z) => 1 / (1 + Math.exp(-z)), df: (z) => Math.exp(-z) / (1 + Math.exp(-z)) ** 2 },
  };

  it.each(Object.keys(activations).flatMap((a) => [1, 2].map((d) => ({ activation: a as Activation, d }))))(
    'bias + $activation (dilation $d): act(conv + b) and its gradients for x, filter and bias',
    ({ activation, d }) => {
      const { f, df } = activations[activation];
      const x = randomPair([2, 7, 6, 3], 4);
      const w = randomPair([3, 3, 3, 2], 5);
      const b = randomPair([2], 6);
      const { Z, cache } = convForward(x.nd, w.nd, b.nd, { pad: 'same', dilation: d });
      const op = (a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => conv2d(a as tf.Tensor4D, ww as tf.Tensor4D, { padding: 'same', dilations: d, bias: bb as tf.Tensor1D, activation });
      const y = op(x.t, w.t, b.t);
      expectTensorsClose(y, tf.tensor(Float32Array.from(Z.data, f), Z.shape));
      const dY = randomPair(Z.shape, 7);
      // dZ = dY ⊙ act'(Z), then back through the convolution
      const ref = convBackward(ndarray(Z.shape, dY.nd.data.map((g, i) => g * df(Z.data[i]!))), cache);
      const [gx, gw, gb] = tf.grads(op)([x.t, w.t, b.t], dY.t);
      expectTensorsClose(gx!, refT(ref.dAprev));
      expectTensorsClose(gw!, refT(ref.dW));
      expectTensorsClose(gb!, refT(ref.db));
      tf.dispose([x.t, w.t, b.t, y, dY.t, gx!, gw!, gb!]);
    },
  );

  it('single images [H, W, C] and int32 inputs; 1x1 convs mix channels', () => {
    const x = randomPair([1, 6, 6, 3], 4);
    const w = randomPair([3, 3, 3, 2], 5);
    const single = conv2d(tf.squeeze(x.t, [0]) as tf.Tensor3D, w.t as tf.Tensor4D, { padding: 'same' });
    expect(single.shape).toEqual([6, 6, 2]);
    expectTensorsClose(single, tf.squeeze(refT(convForward(x.nd, w.nd, undefined, { pad: 'same' }).Z), [0]));
    const ints = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 3, 1], 'int32');
    const yi = conv2d(ints, tf.ones([2, 2, 1, 1]) as tf.Tensor4D);
    expect(yi.dtype).toBe('float32');
    expect(Array.from(yi.dataSync())).toEqual([8, 12, 20, 24]);
    const p = randomPair([3, 5], 6);
    const one = conv1x1(x.t as tf.Tensor4D, p.t as tf.Tensor2D);
    expectTensorsClose(one, refT(convForward(x.nd, ndarray([1, 1, 3, 5], p.nd.data)).Z));
    tf.dispose([x.t, w.t, single, ints, yi, p.t, one]);
  });

  it("the course's ConvNet example: 39x39x3 -> 37x37x10 -> 17x17x20 -> 7x7x40 = 1960 features, as convOutputShape says", () => {
    let a = tf.zeros([1, 39, 39, 3]) as tf.Tensor4D;
    let shape = a.shape.slice() as number[];
    for (const [f, s, c] of [
      [3, 1, 10],
      [5, 2, 20],
      [5, 2, 40],
    ] as const) {
      const filter = tf.zeros([f, f, a.shape[3], c]) as tf.Tensor4D;
      const next = conv2d(a, filter, { strides: s, padding: 0 });
      shape = convOutputShape(shape, filter.shape, { strides: s, padding: 0 });
      expect(next.shape).toEqual(shape);
      tf.dispose([a, filter]);
      a = next;
    }
    expect(a.shape).toEqual([1, 7, 7, 40]);
    expect(a.size).toBe(1960);
    a.dispose();
  });

  const dwCases: { k: [number, number]; s: number; padding: Padding2D; m: number; d: number; n: number }[] = [
    { k: [3, 3], s: 1, padding: 'same', m: 1, d: 1, n: 1 },
    { k: [5, 5], s: 2, padding: 'valid', m: 2, d: 1, n: 2 },
    { k: [3, 3], s: 3, padding: [[1, 0], [2, 1]], m: 3, d: 1, n: 1 },
    { k: [1, 1], s: 1, padding: 'valid', m: 2, d: 1, n: 1 },
    { k: [7, 7], s: 2, padding: 'same', m: 1, d: 1, n: 2 },
    { k: [2, 4], s: 1, padding: 1, m: 2, d: 1, n: 1 },
    { k: [3, 3], s: 1, padding: 'same', m: 2, d: 2, n: 2 },
    { k: [3, 2], s: 1, padding: 'valid', m: 1, d: 3, n: 1 },
  ];

  it.each(dwCases)('depthwise and separable, forward and backward: k=$k s=$s padding=$padding multiplier=$m d=$d n=$n', ({ k, s, padding, m, d, n }) => {
    const x = randomPair([n, 9, 8, 3], 7);
    const dw = randomPair([k[0], k[1], 3, m], 8);
    const pw = randomPair([1, 1, 3 * m, 4], 9);
    const params: ConvParams = { stride: s, pad: refPad(padding), dilation: d };
    const opts = { strides: s, padding, dilations: d };
    const ref = depthwiseConvForward(x.nd, dw.nd, params);
    const y = depthwiseConv2d(x.t as tf.Tensor4D, dw.t as tf.Tensor4D, opts);
    expectTensorsClose(y, refT(ref));
    const dZ = randomPair(ref.shape, 10);
    const dref = depthwiseConvBackward(dZ.nd, x.nd, dw.nd, params);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, opts))([x.t, dw.t], dZ.t);
    expectTensorsClose(gx!, refT(dref.dAprev));
    expectTensorsClose(gw!, refT(dref.dW));

    const sep = separableConvForward(x.nd, dw.nd, pw.nd, params);
    const ys = separableConv2d(x.t as tf.Tensor4D, dw.t as tf.Tensor4D, pw.t as tf.Tensor4D, opts);
    expectTensorsClose(ys, refT(sep));
    const dS = randomPair(sep.shape, 11);
    const sref = separableConvBackward(dS.nd, x.nd, dw.nd, pw.nd, params);
    const [sx, sd, sp] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => separableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, opts))([x.t, dw.t, pw.t], dS.t);
    expectTensorsClose(sx!, refT(sref.dAprev));
    expectTensorsClose(sd!, refT(sref.dDepthwise));
    expectTensorsClose(sp!, refT(sref.dPointwise));
    tf.dispose([x.t, dw.t, pw.t, y, dZ.t, gx!, gw!, ys, dS.t, sx!, sd!, sp!]);
  });

  it('dilateFilter puts d − 1 zeros between taps', () => {
    const f = tf.tensor4d([1, 2, 3, 4, 5, 6], [2, 3, 1, 1]);
    const d = dilateFilter(f, [2, 3]);
    expect(d.shape).toEqual([3, 7, 1, 1]);
    // prettier-ignore
    expect(Array.from(d.dataSync())).toEqual([
      1, 0, 0, 2, 0, 0, 3,
      0, 0, 0, 0, 0, 0, 0,
      4, 0, 0, 5, 0, 0, 6,
    ]);
    tf.dispose([f, d]);
  });

  it('does not leak (forward, and backward through dilated convolutions)', async () => {
    const x = randomPair([1, 6, 6, 3], 1).t as tf.Tensor4D;
    const w = randomPair([3, 3, 3, 2], 2).t as tf.Tensor4D;
    const dw = randomPair([3, 3, 3, 1], 3).t as tf.Tensor4D;
    const pw = randomPair([1, 1, 3, 2], 4).t as tf.Tensor4D;
    const bias = tf.zeros([2]) as tf.Tensor1D;
    await expectNoLeaks(() => {
      conv2d(x, w, { padding: 1, activation: 'relu', bias }).dispose();
      conv2d(x, w, { padding: [[1, 0], [0, 1]] }).dispose();
      conv2d(x, w, { padding: 'same', dilations: 2, bias, activation: 'elu' }).dispose();
      depthwiseConv2d(x, dw, { padding: 'same', activation: 'relu6' }).dispose();
      depthwiseConv2d(x, dw, { dilations: 2, padding: 'same' }).dispose();
      separableConv2d(x, dw, pw).dispose();
      conv1x1(x, pw).dispose();
      dilateFilter(w, 2).dispose();
      tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => conv2d(a as tf.Tensor4D, b as tf.Tensor4D, { dilations: 2, padding: 'same' }))([x, w]));
      tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, { dilations: [2, 1] }))([x, dw]));
    });
    tf.dispose([x, w, dw, pw, bias]);
  });

  it('bad input: typed errors that name the argument', () => {
    const x = tf.zeros([1, 5, 5, 3]) as tf.Tensor4D;
    const w = tf.zeros([3, 3, 3, 2]) as tf.Tensor4D;
    const bad = (fn: () => unknown, type: typeof InvalidArgumentError | typeof ShapeMismatchError, message: RegExp) => {
      expect(fn).toThrow(type);
      expect(fn).toThrow(message);
    };
    bad(() => conv2d(tf.zeros([5, 5]) as never, w), InvalidArgumentError, /'x'.*rank-3 or 4/);
    bad(() => conv2d(tf.zeros([1, 0, 5, 3]) as tf.Tensor4D, w), InvalidArgumentError, /'x'.*n_H, n_W and n_C >= 1/);
    bad(() => conv2d(x, tf.zeros([3, 3, 3]) as never), InvalidArgumentError, /'filter'.*rank-4/);
    bad(() => conv2d(x, tf.zeros([3, 3, 4, 2]) as tf.Tensor4D), ShapeMismatchError, /'filter'.*expects 4 input channels.*has 3/);
    bad(() => conv2d(x, w, { strides: 0 }), InvalidArgumentError, /'options.strides'.*integer >= 1.*received 0/);
    bad(() => conv2d(x, w, { strides: [1, -2] }), InvalidArgumentError, /'options.strides\[1\]'/);
    bad(() => conv2d(x, tf.zeros([7, 7, 3, 2]) as tf.Tensor4D), ShapeMismatchError, /'filter'.*7×7 filter is larger than the padded input 5×5/);
    bad(() => conv2d(x, w, { dilations: 3 }), ShapeMismatchError, /'filter'.*7×7 with dilations \[3, 3\].*larger than the padded input 5×5/);
    expect(conv2d(x, tf.zeros([7, 7, 3, 2]) as tf.Tensor4D, { padding: 1 }).shape).toEqual([1, 1, 1, 2]); // fits once padded
    bad(() => conv2d(x, w, { strides: 2, dilations: 2 }), InvalidArgumentError, /'options.dilations'/);
    bad(() => conv2d(x, w, { padding: 'full' as never }), InvalidArgumentError, /'options.padding'/);
    bad(() => conv2d(x, w, { padding: -1 }), InvalidArgumentError, /'options.padding'/);
    bad(() => conv2d(x, w, { padding: [[1, 1]] as never }), InvalidArgumentError, /'options.padding'.*\[\[top, bottom\], \[left, right\]\]/);
    bad(() => conv2d(x, w, { bias: tf.zeros([3]) as tf.Tensor1D }), ShapeMismatchError, /'options.bias'.*expected 2 values/);
    bad(() => conv2d(x, w, { activation: 'tanh' as never }), InvalidArgumentError, /'options.activation'.*received "tanh"/);
    bad(() => conv2d(x, w, 2 as never), InvalidArgumentError, /'options'/);
    bad(() => conv2d(tf.zeros([1, 5, 5, 3], 'bool') as never, w), InvalidArgumentError, /'x'.*float32 or int32/);
    bad(() => depthwiseConv2d(x, tf.zeros([3, 3, 2, 1]) as tf.Tensor4D), ShapeMismatchError, /'filter'.*\[f_h, f_w, n_C, multiplier\]/);
    bad(() => depthwiseConv2d(x, tf.zeros([3, 3, 3, 2]) as tf.Tensor4D, { bias: tf.zeros([3]) as tf.Tensor1D }), ShapeMismatchError, /'options.bias'.*expected 6/);
    bad(() => separableConv2d(x, tf.zeros([3, 3, 3, 2]) as tf.Tensor4D, tf.zeros([1, 1, 3, 4]) as tf.Tensor4D), ShapeMismatchError, /'pointwiseFilter'.*\[1, 1, 6, n_C_out\]/);
    bad(() => separableConv2d(x, tf.zeros([9, 9, 3, 1]) as tf.Tensor4D, tf.zeros([1, 1, 3, 4]) as tf.Tensor4D), ShapeMismatchError, /'depthwiseFilter'.*larger than the padded input/);
    bad(() => separableConv2d(x, undefined as never, w), InvalidArgumentError, /'depthwiseFilter'/);
    bad(() => conv1x1(x, tf.zeros([3, 3, 3, 2]) as tf.Tensor4D), InvalidArgumentError, /'filter'.*\[1, 1, n_C_prev, n_C\]/);
    bad(() => dilateFilter(w, 0), InvalidArgumentError, /'dilations'/);
    const disposed = tf.zeros([1, 5, 5, 3]);
    disposed.dispose();
    bad(() => conv2d(disposed as tf.Tensor4D, w), InvalidArgumentError, /'x'.*a disposed tensor/);
    tf.dispose([x, w]);
  });
});
