/**
 * Pooling forward and backward, as in the course: max pooling routes the gradient through a mask of the
 * window's maximum; average pooling distributes it evenly. Padding (if any) is excluded from the window,
 * as TensorFlow does.
 */
import { at4, ndarray, type NDArray } from './ndarray.js';
import { referenceOutputSize, referenceSamePadding, type Padding2D } from './convolution.js';

export type PoolMode = 'max' | 'average';

export interface PoolParams {
  f: number | [number, number];
  /** Default f (non-overlapping windows). */
  stride?: number | [number, number];
  pad?: 'valid' | 'same';
  /** Default 'max'; a third argument to poolForward overrides it. */
  mode?: PoolMode;
}

export interface PoolCache {
  Aprev: NDArray;
  f: [number, number];
  stride: [number, number];
  pad: Padding2D;
  /** The mode of the forward pass (poolBackward's default). */
  mode: PoolMode;
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

/**
 * Mask of the window's maximum: 1 there, 0 elsewhere (the course's create_mask_from_window, x == max(x)).
 * On ties only the first maximum (row-major) is marked, as TensorFlow's MaxPoolGrad routes the gradient.
 */
export function createMaskFromWindow(x: ArrayLike<number> | NDArray): number[] {
  const v = 'data' in x ? x.data : x;
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return Array.from(v, (_, i) => (i === best ? 1 : 0));
}

/**
 * The course's distribute_value: dz spread evenly over a window, dz / (n_H · n_W) each.
 * `shape` a count (flat result) or [n_H, n_W] (a matrix, as in the course).
 */
export function distributeValue(dz: number, shape: number): number[];
export function distributeValue(dz: number, shape: readonly [number, number]): number[][];
export function distributeValue(dz: number, shape: number | readonly [number, number]): number[] | number[][] {
  if (typeof shape === 'number') return new Array<number>(shape).fill(dz / shape);
  const [h, w] = shape;
  return Array.from({ length: h }, () => new Array<number>(w).fill(dz / (h * w)));
}

/** Rows [y0, y1) and columns [x0, x1) of the input under output (y, x)'s window, padding excluded. */
function windowBounds(stride: [number, number], f: [number, number], pad: Padding2D, y: number, x: number, hPrev: number, wPrev: number) {
  const y0 = Math.max(y * stride[0] - pad.top, 0);
  const y1 = Math.min(y * stride[0] - pad.top + f[0], hPrev);
  const x0 = Math.max(x * stride[1] - pad.left, 0);
  const x1 = Math.min(x * stride[1] - pad.left + f[1], wPrev);
  return { y0, y1, x0, x1 };
}

/** A = pool(A_prev) with n_H = ⌊(n_H_prev + p_t + p_b − f)/s⌋ + 1; mode 'max' or 'average'. */
export function poolForward(Aprev: NDArray, params: PoolParams, mode: PoolMode = params.mode ?? 'max'): { A: NDArray; cache: PoolCache } {
  const [m, hPrev, wPrev, c] = Aprev.shape as [number, number, number, number];
  const f = pair(params.f);
  const stride = pair(params.stride ?? params.f);
  let pad: Padding2D = { top: 0, bottom: 0, left: 0, right: 0 };
  if (params.pad === 'same') {
    const [top, bottom] = referenceSamePadding(hPrev, f[0], stride[0]);
    const [left, right] = referenceSamePadding(wPrev, f[1], stride[1]);
    pad = { top, bottom, left, right };
  }
  const nH = referenceOutputSize(hPrev, f[0], stride[0], 1, pad.top, pad.bottom);
  const nW = referenceOutputSize(wPrev, f[1], stride[1], 1, pad.left, pad.right);
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
  return { A, cache: { Aprev, f, stride, pad, mode } };
}

/** dA_prev from dA: max routes each gradient to its window's maximum (mask), average spreads it evenly. */
export function poolBackward(dA: NDArray, cache: PoolCache, mode: PoolMode = cache.mode): NDArray {
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
