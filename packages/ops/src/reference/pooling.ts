/**
 * Pooling forward and backward, as in the course: max pooling routes the gradient through a mask of the
 * window's maximum; average pooling distributes it evenly. Padding (if any) is excluded from the window,
 * as TensorFlow does.
 */
import { at4, ndarray, type NDArray } from './ndarray.js';
import { referenceSamePadding, type Padding2D } from './convolution.js';

export type PoolMode = 'max' | 'average';

export interface PoolParams {
  f: number | [number, number];
  stride?: number | [number, number];
  pad?: 'valid' | 'same';
}

export interface PoolCache {
  Aprev: NDArray;
  f: [number, number];
  stride: [number, number];
  pad: Padding2D;
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

/** Mask of the window's (first) maximum: 1 there, 0 elsewhere. */
export function createMaskFromWindow(x: ArrayLike<number>): number[] {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return Array.from(x, (_, i) => (i === best ? 1 : 0));
}

/** dz spread evenly over a window of `count` values. */
export function distributeValue(dz: number, count: number): number[] {
  return new Array<number>(count).fill(dz / count);
}

/** Rows [y0, y1) and columns [x0, x1) of the input under output (y, x)'s window, padding excluded. */
function windowBounds(stride: [number, number], f: [number, number], pad: Padding2D, y: number, x: number, hPrev: number, wPrev: number) {
  const y0 = Math.max(y * stride[0] - pad.top, 0);
  const y1 = Math.min(y * stride[0] - pad.top + f[0], hPrev);
  const x0 = Math.max(x * stride[1] - pad.left, 0);
  const x1 = Math.min(x * stride[1] - pad.left + f[1], wPrev);
  return { y0, y1, x0, x1 };
}

export function poolForward(Aprev: NDArray, params: PoolParams, mode: PoolMode = 'max'): { A: NDArray; cache: PoolCache } {
  const [m, hPrev, wPrev, c] = Aprev.shape as [number, number, number, number];
  const f = pair(params.f);
  const stride = pair(params.stride ?? params.f);
  let pad: Padding2D = { top: 0, bottom: 0, left: 0, right: 0 };
  if (params.pad === 'same') {
    const [top, bottom] = referenceSamePadding(hPrev, f[0], stride[0]);
    const [left, right] = referenceSamePadding(wPrev, f[1], stride[1]);
    pad = { top, bottom, left, right };
  }
  const nH = Math.floor((hPrev + pad.top + pad.bottom - f[0]) / stride[0]) + 1;
  const nW = Math.floor((wPrev + pad.left + pad.right - f[1]) / stride[1]) + 1;
  const A = ndarray([m, nH, nW, c]);
  for (let i = 0; i < m; i++)
    for (let h = 0; h < nH; h++)
      for (let w = 0; w < nW; w++) {
        const { y0, y1, x0, x1 } = windowBounds(stride, f, pad, h, w, hPrev, wPrev);
        for (let k = 0; k < c; k++) {
          const vals: number[] = [];
          for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) vals.push(Aprev.data[at4(Aprev, i, y, x, k)]!);
          A.data[at4(A, i, h, w, k)] = mode === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0) / vals.length;
        }
      }
  return { A, cache: { Aprev, f, stride, pad } };
}

export function poolBackward(dA: NDArray, cache: PoolCache, mode: PoolMode = 'max'): NDArray {
  const { Aprev, f, stride, pad } = cache;
  const [m, hPrev, wPrev, c] = Aprev.shape as [number, number, number, number];
  const [, nH, nW] = dA.shape as [number, number, number, number];
  const dAprev = ndarray(Aprev.shape);
  for (let i = 0; i < m; i++)
    for (let h = 0; h < nH; h++)
      for (let w = 0; w < nW; w++) {
        const { y0, y1, x0, x1 } = windowBounds(stride, f, pad, h, w, hPrev, wPrev);
        for (let k = 0; k < c; k++) {
          const idx: number[] = [];
          for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) idx.push(at4(Aprev, i, y, x, k));
          const g = dA.data[at4(dA, i, h, w, k)]!;
          const share = mode === 'max' ? createMaskFromWindow(idx.map((j) => Aprev.data[j]!)).map((v) => v * g) : distributeValue(g, idx.length);
          idx.forEach((j, t) => (dAprev.data[j] = dAprev.data[j]! + share[t]!));
        }
      }
  return dAprev;
}
