import { describe, expect, it } from 'vitest';
import { gaussian } from './gaussian.js';
import { mulberry32 } from './mulberry32.js';

describe('gaussian', () => {
  it('is Box-Muller on consecutive uniforms: the first draw equals the formula on the first two', () => {
    const u = mulberry32(3);
    const [a, b] = [u(), u()];
    expect(gaussian(mulberry32(3))()).toBe(Math.sqrt(-2 * Math.log(1 - a)) * Math.cos(2 * Math.PI * b));
  });

  it('draws mean 0 and variance 1 (100,000 draws, within 4 standard errors), finite even when a uniform is 0', () => {
    const g = gaussian(mulberry32(11));
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const x = g();
      sum += x;
      sq += x * x;
    }
    const mean = sum / n;
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(sq / n - mean * mean - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    expect(Number.isFinite(gaussian(() => 0)())).toBe(true);
  });

  it('is reproducible: the same seed gives the same draws', () => {
    const a = gaussian(mulberry32(5));
    const b = gaussian(mulberry32(5));
    expect(Array.from({ length: 8 }, a)).toEqual(Array.from({ length: 8 }, b));
  });
});
