/**
 * Standard normal draws from a uniform generator (Box-Muller, the cosine half): each draw takes two uniforms u, v
 * in [0, 1) and returns √(−2 ln(1 − u)) · cos(2π v). `1 − u` lies in (0, 1], so the logarithm stays finite.
 * With `mulberry32(seed)` the draws are the same on every backend and in browsers.
 */
export function gaussian(next: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}
