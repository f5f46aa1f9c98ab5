/** The convolution sweep shared by the conv-gradient kernel tests: kernels 1-7, strides 1-3 (and asymmetric), three paddings, batch 1 and more. */
import { EXPLICIT, type Pad } from './kernel-test-utils.js';

export interface ConvCase {
  k: [number, number];
  s: [number, number];
  pad: Pad;
  n: number;
}

export function convSweep(): ConvCase[] {
  const cases: ConvCase[] = [];
  for (const k of [1, 2, 3, 4, 5, 6, 7]) {
    for (const s of [1, 2, 3]) {
      for (const pad of ['same', 'valid', EXPLICIT] as Pad[]) cases.push({ k: [k, k], s: [s, s], pad, n: (k + s) % 2 === 0 ? 2 : 1 });
    }
  }
  cases.push(
    { k: [3, 5], s: [1, 2], pad: 'same', n: 2 },
    { k: [5, 2], s: [3, 1], pad: 'valid', n: 3 },
    { k: [2, 3], s: [2, 3], pad: EXPLICIT, n: 1 },
    { k: [7, 1], s: [1, 3], pad: 'same', n: 2 },
    { k: [1, 4], s: [3, 1], pad: 'same', n: 1 },
    { k: [4, 4], s: [3, 2], pad: EXPLICIT, n: 2 },
    // 1×1 with padding only after (bottom/right pixels read zeros)
    {
      k: [1, 1],
      s: [2, 2],
      pad: [
        [0, 0],
        [0, 2],
        [0, 3],
        [0, 0],
      ],
      n: 2,
    },
  );
  return cases;
}

export interface DepthwiseCase extends ConvCase {
  /** Channel multiplier. */
  m: number;
}

/** The depthwise sweep: the conv sweep with channel multipliers 1-3. */
export function depthwiseSweep(): DepthwiseCase[] {
  return convSweep().map((c, i) => ({ ...c, m: (i % 3) + 1 }));
}

/**
 * W [k, k, C, m] with d−1 zeros between taps: conv(x, W, dilation d) = conv(x, W_d, dilation 1). tfjs-cpu's
 * depthwise gradient kernels ignore dilations, so dilated cases are checked against this identity.
 */
export function dilateFilter(f: Float32Array, k: number, c: number, m: number, d: number): { values: Float32Array; size: number } {
  const size = d * (k - 1) + 1;
  const values = new Float32Array(size * size * c * m);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++)
      for (let ch = 0; ch < c * m; ch++) values[((i * d * size + j * d) * c * m) + ch] = f[(i * k + j) * c * m + ch]!;
  return { values, size };
}
