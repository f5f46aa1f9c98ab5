/** The pooling sweep shared by the pool-gradient kernel tests. */
export type PoolPad = 'same' | 'valid';

export interface PoolCase {
  k: [number, number];
  s: [number, number];
  pad: PoolPad;
  n: number;
}

export function poolSweep(): PoolCase[] {
  const cases: PoolCase[] = [];
  for (const k of [1, 2, 3, 4, 5, 7]) for (const s of [1, 2, 3]) for (const pad of ['same', 'valid'] as PoolPad[]) cases.push({ k: [k, k], s: [s, s], pad, n: k === 2 ? 2 : 1 });
  cases.push({ k: [2, 3], s: [1, 2], pad: 'same', n: 2 }, { k: [3, 1], s: [3, 1], pad: 'valid', n: 1 }, { k: [3, 3], s: [2, 2], pad: 'same', n: 3 });
  return cases;
}

/** Values in [-1, 1): many windows are all-negative, the case stock wasm's MaxPoolGrad gets wrong. */
export function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
