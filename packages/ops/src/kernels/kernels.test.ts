/**
 * Every @cnn/ops wasm training kernel against the tfjs-cpu backend on the same inputs, over kernel sizes
 * 1-7, strides 1-3 (also asymmetric), 'same'/'valid'/explicit padding, batch 1 and > 1, channel multiplier > 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { expectNoLeaks, maxRelativeError } from '../testing/index.js';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './register-wasm-training-kernels.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
const EXPLICIT: Pad = [
  [0, 0],
  [1, 2],
  [0, 1],
  [0, 0],
];

/** Deterministic pseudo-random values in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Runs `fn` on cpu and on wasm with identical inputs; returns the max relative error (normalized by max |cpu|). */
async function compare(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  await ready({ backend: 'cpu' });
  const expected = tf.tidy(() => ([] as tf.Tensor[]).concat(fn()).map((t) => t.dataSync().slice()));
  await ready({ backend: 'wasm' });
  const actual = tf.tidy(() => ([] as tf.Tensor[]).concat(fn()).map((t) => t.dataSync().slice()));
  let worst = 0;
  expected.forEach((e, k) => {
    const a = actual[k]!;
    expect(a.length).toBe(e.length);
    let scale = 1e-6;
    for (const v of e) scale = Math.max(scale, Math.abs(v));
    let m = 0;
    for (let i = 0; i < e.length; i++) m = Math.max(m, Math.abs(a[i]! - e[i]!) / scale);
    worst = Math.max(worst, m);
  });
  return worst;
}

const t4 = (shape: [number, number, number, number], seed: number) =>
  tf.tensor4d(rand(shape.reduce((a, b) => a * b, 1), seed), shape);

describe('wasm training kernels vs cpu', () => {
  beforeAll(async () => {
    await ready({ backend: 'wasm' });
  });

  it('registers every kernel on wasm', () => {
    const names = registerWasmTrainingKernels();
    expect([...names].sort()).toEqual([...WASM_TRAINING_KERNELS].sort());
    for (const k of WASM_TRAINING_KERNELS) expect(tf.getKernel(k, 'wasm'), k).toBeDefined();
  });

  const convCases: { k: [number, number]; s: [number, number]; pad: Pad; n: number }[] = [];
  for (const k of [1, 2, 3, 4, 5, 6, 7]) {
    for (const s of [1, 2, 3]) {
      for (const pad of ['same', 'valid', EXPLICIT] as Pad[]) convCases.push({ k: [k, k], s: [s, s], pad, n: k % 2 === 0 ? 2 : 1 });
    }
  }
  convCases.push({ k: [3, 5], s: [1, 2], pad: 'same', n: 2 }, { k: [5, 2], s: [3, 1], pad: 'valid', n: 3 });
  convCases.push({ k: [2, 3], s: [2, 3], pad: EXPLICIT, n: 1 }, { k: [7, 1], s: [1, 3], pad: 'same', n: 2 });

  it.each(convCases)('Conv2DBackpropFilter and Conv2DBackpropInput: k=$k s=$s pad=$pad n=$n', async ({ k, s, pad, n }) => {
    const xShape: [number, number, number, number] = [n, 11, 9, 3];
    const fShape: [number, number, number, number] = [k[0], k[1], 3, 4];
    const y = tf.tidy(() => tf.conv2d(t4(xShape, 1), t4(fShape, 2), s, pad));
    const dyShape = y.shape as [number, number, number, number];
    y.dispose();
    const err = await compare(() =>
      tf.tidy(() => {
        const grads = tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad));
        const [dx, df] = grads([t4(xShape, 1), t4(fShape, 2)], t4(dyShape, 3));
        return tf.concat([dx!.flatten(), df!.flatten()]);
      }),
    );
    expect(err).toBeLessThanOrEqual(1e-4);
  });

  const dwCases: { k: number; s: [number, number]; pad: Pad; m: number; n: number; d: number }[] = [];
  for (const k of [1, 3, 5, 7]) {
    for (const s of [1, 2, 3]) {
      for (const pad of ['same', 'valid', EXPLICIT] as Pad[]) dwCases.push({ k, s: [s, s], pad, m: s === 2 ? 2 : 1, n: k === 3 ? 2 : 1, d: 1 });
    }
  }
  dwCases.push({ k: 3, s: [1, 2], pad: 'same', m: 3, n: 2, d: 1 });

  it.each(dwCases)('DepthwiseConv2dNativeBackpropInput/Filter: k=$k s=$s pad=$pad m=$m n=$n d=$d', async ({ k, s, pad, m, n, d }) => {
    const xShape: [number, number, number, number] = [n, 10, 9, 3];
    const fShape: [number, number, number, number] = [k, k, 3, m];
    // tfjs-core's gradient refuses dilation > 1, so call the kernels directly (what a Conv2DTranspose-like user would).
    const y = tf.tidy(() => tf.depthwiseConv2d(t4(xShape, 1), t4(fShape, 2), s, pad, 'NHWC', d));
    const dyShape = y.shape as [number, number, number, number];
    y.dispose();
    const padAttr = pad;
    const err = await compare(() =>
      tf.tidy(() => {
        const dy = t4(dyShape, 3);
        const dx = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: t4(fShape, 2) }, {
          strides: s,
          dilations: d,
          pad: padAttr,
          inputShape: xShape,
        } as never) as tf.Tensor;
        const df = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x: t4(xShape, 1), dy }, {
          strides: s,
          dilations: d,
          pad: padAttr,
          filterShape: fShape,
        } as never) as tf.Tensor;
        return tf.concat([dx.flatten(), df.flatten()]);
      }),
    );
    expect(err).toBeLessThanOrEqual(1e-4);
  });

  it.each([
    { k: 2, d: 2, pad: 'valid' as Pad, m: 1 },
    { k: 3, d: 3, pad: 'same' as Pad, m: 2 },
  ])('depthwise gradients with dilation $d (k=$k) equal the undilated gradients of the zero-inserted filter', async ({ k, d, pad, m }) => {
    // tfjs-cpu ignores dilations in its depthwise backprop kernels, so the reference here is the identity
    // conv(x, W, dilation d) = conv(x, W_d, dilation 1) where W_d has d−1 zeros between taps.
    await ready({ backend: 'wasm' });
    const xShape: [number, number, number, number] = [2, 10, 9, 3];
    const fShape: [number, number, number, number] = [k, k, 3, m];
    const kd = d * (k - 1) + 1;
    const result = tf.tidy(() => {
      const x = t4(xShape, 1);
      const f = t4(fShape, 2);
      const fd = tf.buffer([kd, kd, 3, m], 'float32');
      const fv = f.dataSync();
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++)
          for (let c = 0; c < 3; c++) for (let q = 0; q < m; q++) fd.set(fv[((i * k + j) * 3 + c) * m + q]!, i * d, j * d, c, q);
      const fDil = fd.toTensor() as tf.Tensor4D;
      const y = tf.depthwiseConv2d(x, f, 1, pad, 'NHWC', d);
      const dy = t4(y.shape as [number, number, number, number], 3);
      const attrs = { strides: 1, pad };
      const dx = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: f }, { ...attrs, dilations: d, inputShape: xShape } as never) as tf.Tensor;
      const dxRef = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: fDil }, { ...attrs, dilations: 1, inputShape: xShape } as never) as tf.Tensor;
      const dw = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...attrs, dilations: d, filterShape: fShape } as never) as tf.Tensor;
      const dwDil = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...attrs, dilations: 1, filterShape: [kd, kd, 3, m] } as never) as tf.Tensor;
      const dwRef = tf.stridedSlice(dwDil, [0, 0, 0, 0], [kd, kd, 3, m], [d, d, 1, 1]);
      return [dx.dataSync(), dxRef.dataSync(), dw.dataSync(), dwRef.dataSync()];
    });
    expect(maxRelativeError(result[0]!, result[1]!, 1e-3)).toBeLessThan(1e-4);
    expect(maxRelativeError(result[2]!, result[3]!, 1e-3)).toBeLessThan(1e-4);
  });

  it.each([
    { ta: false, tb: false, batch: 1 },
    { ta: true, tb: false, batch: 1 },
    { ta: false, tb: true, batch: 1 },
    { ta: true, tb: true, batch: 1 },
    { ta: true, tb: false, batch: 3 },
    { ta: false, tb: true, batch: 2 },
  ])('BatchMatMul transposeA=$ta transposeB=$tb batch=$batch', async ({ ta, tb, batch }) => {
    const [m, k, n] = [7, 5, 6];
    const aShape = batch > 1 ? [batch, ta ? k : m, ta ? m : k] : [ta ? k : m, ta ? m : k];
    const bShape = batch > 1 ? [batch, tb ? n : k, tb ? k : n] : [tb ? n : k, tb ? k : n];
    const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
    const err = await compare(() =>
      tf.tidy(() => tf.matMul(tf.tensor(rand(size(aShape), 4), aShape), tf.tensor(rand(size(bShape), 5), bShape), ta, tb)),
    );
    expect(err).toBeLessThanOrEqual(1e-5);
  });

  it('reusing one filter with different strides and paddings back to back stays correct (XNNPACK operator cache)', async () => {
    const err = await compare(() =>
      tf.tidy(() => {
        const x = t4([1, 12, 12, 4], 7);
        const f = t4([3, 3, 4, 5], 8);
        const outs: tf.Tensor[] = [];
        for (const [s, pad] of [
          [1, 'same'],
          [2, 'valid'],
          [1, 'valid'],
          [3, 'same'],
          [2, EXPLICIT],
        ] as [number, Pad][]) {
          const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad))([x, f]);
          outs.push(dx!.flatten(), df!.flatten());
        }
        return tf.concat(outs);
      }),
    );
    expect(err).toBeLessThanOrEqual(1e-4);
  });

  it('does not leak tensors or wasm memory', async () => {
    await ready({ backend: 'wasm' });
    const x = t4([2, 9, 9, 3], 1);
    const f = t4([3, 3, 3, 4], 2);
    const dwf = t4([3, 3, 3, 2], 3);
    const step = () =>
      tf.tidy(() => {
        const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').sum())([x, f]);
        const [hx, hf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same').sum())([x, dwf]);
        const mm = tf.matMul(x.reshape([18, 27]), x.reshape([18, 27]), true, false);
        return tf.stack([gx!.sum(), gf!.sum(), hx!.sum(), hf!.sum(), mm.sum()]);
      });
    step().dispose();
    const dataIdsBefore = tf.engine().backend.numDataIds();
    await expectNoLeaks(() => {
      step().dispose();
    });
    expect(tf.engine().backend.numDataIds()).toBe(dataIdsBefore);
    tf.dispose([x, f, dwf]);
  });

  it('maxRelativeError helper agrees with a hand computation', () => {
    expect(maxRelativeError([1, 2.2], [1, 2])).toBeCloseTo(0.1, 6);
  });
});

describe("forward convolutions with 'same' padding on wasm (stock XNNPACK path returns zeros when the padding would be negative)", () => {
  it('conv2d, depthwise and fused variants match cpu for every input size 1-12, kernel 1-4, stride 1-3', async () => {
    const run = () =>
      tf.tidy(() => {
        const outs: tf.Tensor[] = [];
        for (let h = 1; h <= 12; h += 1)
          for (const w of [h, 8])
            for (const k of [1, 2, 3, 4])
              for (const s of [1, 2, 3]) {
                const x = t4([1, h, w, 2], h * 31 + w);
                outs.push(tf.conv2d(x, t4([k, k, 2, 3], k), s, 'same').flatten());
                outs.push(tf.depthwiseConv2d(x, t4([k, k, 2, 2], k + 9), s, 'same').flatten());
                outs.push(tf.fused.conv2d({ x, filter: t4([k, k, 2, 3], k), strides: s, pad: 'same', bias: tf.ones([3]), activation: 'relu' }).flatten());
                outs.push(tf.fused.depthwiseConv2d({ x, filter: t4([k, k, 2, 1], k + 3), strides: s, pad: 'same', bias: tf.ones([2]) }).flatten());
              }
        return tf.concat(outs);
      });
    const err = await compare(run);
    expect(err).toBeLessThanOrEqual(1e-5);
    // The case that exposed it: 9x8 input, 2x2 ones kernel, stride 3 -> every output sums 4 pixels.
    await ready({ backend: 'wasm' });
    const y = tf.conv2d(tf.ones([1, 9, 8, 1]) as tf.Tensor4D, tf.ones([2, 2, 1, 1]) as tf.Tensor4D, 3, 'same');
    expect(Array.from(y.dataSync())).toEqual(new Array(9).fill(4));
    y.dispose();
  });
});
