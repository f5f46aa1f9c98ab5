/**
 * The reference checked on its own, without tfjs: the course's worked examples and shapes, and every backward
 * pass against central finite differences of its forward pass (float64, so agreement is to ~1e-8).
 */
import { describe, expect, it } from 'vitest';
import { randomValues } from '../test-support/random.js';
import {
  batchNormBackward,
  batchNormForward,
  convBackward,
  convForward,
  convSingleStep,
  createMaskFromWindow,
  depthwiseConvBackward,
  depthwiseConvForward,
  distributeValue,
  fromNested,
  gramMatrixBackward,
  gramMatrixReference,
  ndarray,
  poolBackward,
  poolForward,
  referenceSamePadding,
  separableConvBackward,
  separableConvForward,
  toNested,
  zeroPad,
  type ConvParams,
  type NDArray,
} from './index.js';

const rand = (shape: number[], seed: number) => ndarray(shape, randomValues(shape.reduce((a, b) => a * b, 1), seed));
const dot = (a: NDArray, b: NDArray) => a.data.reduce((s, v, i) => s + v * b.data[i]!, 0);

/** ∂/∂x of L(x) = Σ(dZ ⊙ f(x)) by central differences, for every element of x. */
function numericGrad(x: NDArray, f: () => NDArray, dZ: NDArray, eps = 1e-5): Float64Array {
  const g = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i]!;
    x.data[i] = v + eps;
    const up = dot(f(), dZ);
    x.data[i] = v - eps;
    const down = dot(f(), dZ);
    x.data[i] = v;
    g[i] = (up - down) / (2 * eps);
  }
  return g;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-7): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!), `index ${i}`).toBeLessThan(tol * (1 + Math.abs(expected[i]!)));
}

describe('reference: the course step by step', () => {
  it('zeroPad: (4, 3, 3, 2) with pad 3 -> (4, 9, 9, 2), zeros around the original values; per-side padding', () => {
    const x = rand([4, 3, 3, 2], 1);
    const xp = zeroPad(x, 3);
    expect(xp.shape).toEqual([4, 9, 9, 2]);
    expect(Array.from(xp.data.slice(0, 18))).toEqual(new Array(18).fill(0)); // x_pad[0, 0] (first row)
    expect(xp.data[((1 * 9 + 3) * 9 + 3) * 2 + 1]).toBe(x.data[1 * 18 + 1]); // x_pad[1, 3, 3, 1] = x[1, 0, 0, 1]
    const asym = zeroPad(x, { top: 0, bottom: 1, left: 2, right: 0 });
    expect(asym.shape).toEqual([4, 4, 5, 2]);
    expect(() => zeroPad(x, -1)).toThrow(/padding/);
  });

  it('convSingleStep: Σ(a ⊙ W) + b on flat values and on NDArrays', () => {
    expect(convSingleStep([1, 2, 3], [4, 5, 6], 1)).toBe(33);
    expect(convSingleStep(ndarray([1, 1, 2], [1, 2]), ndarray([1, 1, 2], [3, 4]), ndarray([1, 1, 1], [0.5]))).toBe(11.5);
    expect(() => convSingleStep([1, 2], [1], 0)).toThrow(/values/);
  });

  it("convForward: the course's shapes, and the vertical-edge example (bright | dark -> a column of 30s)", () => {
    const { Z } = convForward(rand([2, 5, 7, 4], 2), rand([3, 3, 4, 8], 3), rand([8], 4), { pad: 1, stride: 2 });
    expect(Z.shape).toEqual([2, 3, 4, 8]); // the notebook's conv_forward test case
    const img = ndarray([1, 6, 6, 1], Array.from({ length: 36 }, (_, i) => (i % 6 < 3 ? 10 : 0)));
    const vertical = ndarray([3, 3, 1, 1], [1, 0, -1, 1, 0, -1, 1, 0, -1]);
    expect(Array.from(convForward(img, vertical).Z.data)).toEqual([0, 30, 30, 0, 0, 30, 30, 0, 0, 30, 30, 0, 0, 30, 30, 0]);
    // 'same' keeps ⌈n/s⌉ and pads TF-style (the odd pixel at the bottom/right)
    expect(referenceSamePadding(5, 2, 1)).toEqual([0, 1]);
    expect(convForward(rand([1, 7, 6, 1], 5), rand([4, 3, 1, 2], 6), undefined, { pad: 'same', stride: [2, 3] }).Z.shape).toEqual([1, 4, 2, 2]);
    expect(() => convForward(rand([1, 4, 4, 1], 7), rand([5, 5, 1, 1], 8))).toThrow(/larger than the padded input/);
    expect(() => convForward(rand([1, 4, 4, 2], 7), rand([3, 3, 1, 1], 8))).toThrow(/channels/);
  });

  it('convForward equals convSingleStep on each window (no padding, stride 1)', () => {
    const A = rand([1, 4, 4, 2], 9);
    const W = rand([3, 3, 2, 1], 10);
    const { Z } = convForward(A, W, ndarray([1], [0.25]));
    const slice: number[] = [];
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 2; c++) slice.push(A.data[((1 + a) * 4 + (0 + b)) * 2 + c]!);
    expect(Z.data[1 * 2 + 0]).toBeCloseTo(convSingleStep(slice, W.data, 0.25), 12); // Z[0, 1, 0, 0]
  });

  const convCases: ConvParams[] = [
    { stride: 1, pad: 0 },
    { stride: 2, pad: 1 },
    { stride: [1, 2], pad: 'same' },
    { stride: 3, pad: { top: 2, bottom: 0, left: 1, right: 2 } },
    { dilation: 2, pad: 'same' },
    { dilation: [2, 1], pad: 1 },
  ];

  it.each(convCases)('convBackward = finite differences of convForward: %o', (params) => {
    const A = rand([2, 6, 5, 2], 11);
    const W = rand([3, 2, 2, 3], 12);
    const b = rand([3], 13);
    const { Z, cache } = convForward(A, W, b, params);
    const dZ = rand(Z.shape, 14);
    const { dAprev, dW, db } = convBackward(dZ, cache);
    expectClose(dAprev.data, numericGrad(A, () => convForward(A, W, b, params).Z, dZ));
    expectClose(dW.data, numericGrad(W, () => convForward(A, W, b, params).Z, dZ));
    expectClose(db.data, numericGrad(b, () => convForward(A, W, b, params).Z, dZ));
  });

  it.each(convCases)('depthwise and separable backward = finite differences: %o', (params) => {
    const A = rand([2, 6, 5, 2], 15);
    const W = rand([3, 2, 2, 2], 16); // multiplier 2
    const P = rand([1, 1, 4, 3], 17);
    const Z = depthwiseConvForward(A, W, params);
    const dZ = rand(Z.shape, 18);
    const { dAprev, dW } = depthwiseConvBackward(dZ, A, W, params);
    expectClose(dAprev.data, numericGrad(A, () => depthwiseConvForward(A, W, params), dZ));
    expectClose(dW.data, numericGrad(W, () => depthwiseConvForward(A, W, params), dZ));
    const S = separableConvForward(A, W, P, params);
    const dS = rand(S.shape, 19);
    const sep = separableConvBackward(dS, A, W, P, params);
    expectClose(sep.dAprev.data, numericGrad(A, () => separableConvForward(A, W, P, params), dS));
    expectClose(sep.dDepthwise.data, numericGrad(W, () => separableConvForward(A, W, P, params), dS));
    expectClose(sep.dPointwise.data, numericGrad(P, () => separableConvForward(A, W, P, params), dS));
  });

  it('depthwise with multiplier 1 is a per-channel convolution', () => {
    const A = rand([1, 5, 5, 2], 20);
    const W = rand([3, 3, 2, 1], 21);
    const Z = depthwiseConvForward(A, W, { pad: 'same' });
    for (let c = 0; c < 2; c++) {
      const Ac = ndarray([1, 5, 5, 1], A.data.filter((_, i) => i % 2 === c));
      const Wc = ndarray([3, 3, 1, 1], W.data.filter((_, i) => i % 2 === c));
      expectClose(Z.data.filter((_, i) => i % 2 === c), convForward(Ac, Wc, undefined, { pad: 'same' }).Z.data, 1e-12);
    }
  });

  it("pooling helpers: the course's mask and distributed value", () => {
    expect(createMaskFromWindow([1.62434536, -0.61175641, -0.52817175, -1.07296862, 0.86540763, -2.3015387])).toEqual([1, 0, 0, 0, 0, 0]);
    expect(createMaskFromWindow(ndarray([2, 2], [0, 3, 3, -1]))).toEqual([0, 1, 0, 0]); // ties: first maximum, as TF
    expect(distributeValue(2, [2, 2])).toEqual([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    expect(distributeValue(3, 4)).toEqual([0.75, 0.75, 0.75, 0.75]);
  });

  it("poolForward: the course's shapes; mode from params or the third argument", () => {
    const A = rand([2, 5, 5, 3], 22);
    expect(poolForward(A, { f: 3, stride: 1 }).A.shape).toEqual([2, 3, 3, 3]);
    expect(poolForward(A, { f: 3, stride: 2 }).A.shape).toEqual([2, 2, 2, 3]);
    expect(poolForward(A, { f: 2, pad: 'same' }).A.shape).toEqual([2, 3, 3, 3]);
    const avg = poolForward(A, { f: 2, mode: 'average' });
    expect(avg.cache.mode).toBe('average');
    expect(avg.A.data).toEqual(poolForward(A, { f: 2 }, 'average').A.data);
    expect(avg.A.data[0]).toBeCloseTo((A.data[0]! + A.data[3]! + A.data[15]! + A.data[18]!) / 4, 12);
    expect(() => poolForward(A, { f: 6 })).toThrow(/larger than the padded input/);
  });

  it.each([
    { f: 2, stride: 2, pad: 'valid' as const },
    { f: 3, stride: 1, pad: 'same' as const },
    { f: [3, 2] as [number, number], stride: [2, 1] as [number, number], pad: 'same' as const },
  ])('poolBackward = finite differences of poolForward: %o', (params) => {
    const A = rand([2, 5, 4, 2], 23);
    for (const mode of ['max', 'average'] as const) {
      const { A: out, cache } = poolForward(A, params, mode);
      const dA = rand(out.shape, 24);
      expectClose(poolBackward(dA, cache).data, numericGrad(A, () => poolForward(A, params, mode).A, dA));
    }
  });

  it('batchNormBackward = finite differences (batch statistics and given statistics)', () => {
    const x = rand([3, 2, 2, 3], 25);
    const gamma = ndarray([3], randomValues(3, 26, 0.5, 1.5));
    const beta = rand([3], 27);
    const stats = { mean: randomValues(3, 28), variance: randomValues(3, 29, 0.5, 2) };
    for (const given of [undefined, stats]) {
      const { y, cache } = batchNormForward(x, gamma.data, beta.data, 1e-3, given);
      const dy = rand(y.shape, 30);
      const { dx, dgamma, dbeta } = batchNormBackward(dy, cache);
      const f = () => batchNormForward(x, gamma.data, beta.data, 1e-3, given).y;
      expectClose(dx.data, numericGrad(x, f, dy), 1e-6);
      expectClose(dgamma, numericGrad(gamma, f, dy), 1e-6);
      expectClose(dbeta, numericGrad(beta, f, dy), 1e-6);
    }
    // batch statistics: each channel of y has mean β and variance γ²·σ²/(σ² + ε)
    const { y } = batchNormForward(x, [1, 1, 1], [0, 0, 0], 0);
    const c0 = y.data.filter((_, i) => i % 3 === 0);
    expect(c0.reduce((a, b) => a + b, 0) / c0.length).toBeCloseTo(0, 12);
    expect(c0.reduce((a, b) => a + b * b, 0) / c0.length).toBeCloseTo(1, 12);
  });

  it('Gram matrix: A·Aᵀ, symmetric; gramMatrixBackward = finite differences', () => {
    const A = rand([3, 2, 4], 31);
    const G = gramMatrixReference(A);
    expect(G.shape).toEqual([4, 4]);
    expect(G.data[1 * 4 + 2]).toBeCloseTo(G.data[2 * 4 + 1]!, 14);
    const dG = rand([4, 4], 32);
    expectClose(gramMatrixBackward(dG, A).data, numericGrad(A, () => gramMatrixReference(A), dG));
  });

  it('nested arrays round-trip through NDArray', () => {
    const nested = [[[[1, 2], [3, 4]]], [[[5, 6], [7, 8]]]];
    const a = fromNested(nested);
    expect(a.shape).toEqual([2, 1, 2, 2]);
    expect(toNested(a)).toEqual(nested);
    expect(toNested(zeroPad(fromNested([[[[1]]]]), 1))).toEqual([
      [
        [[0], [0], [0]],
        [[0], [1], [0]],
        [[0], [0], [0]],
      ],
    ]);
    expect(() => fromNested([[1, 2], [3]])).toThrow(/values for shape/);
  });
});
