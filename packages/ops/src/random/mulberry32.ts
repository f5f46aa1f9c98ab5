/**
 * mulberry32 (Tommy Ettinger, 2017): a tiny, fast seeded generator of uniform floats in [0, 1). Every seeded
 * draw in CNN for All (data splits, shuffles, synthetic scenes, k-means++ anchors, test data) comes from it, so
 * a seed gives the same numbers on every backend, in Node and in browsers, run after run.
 *
 * The seed is taken as `seed >>> 0` (an unsigned 32-bit integer: -1 and 2³² − 1 are the same seed, fractions
 * are truncated, NaN and ±Infinity give 0). Each draw advances a 32-bit state by 0x6d2b79f5, mixes it, and
 * divides the 32-bit result by 2³², so the values are multiples of 2⁻³² in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
