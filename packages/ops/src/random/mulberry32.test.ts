import { describe, expect, it } from 'vitest';
import { mulberry32 } from './mulberry32.js';

const M = 0xffffffffn;

/** mulberry32 again, in BigInt arithmetic modulo 2³² (no Math.imul, no int32 wrap-around): the independent reference. */
function mulberry32BigInt(seed: number): () => number {
  let a = BigInt(seed >>> 0);
  return () => {
    a = (a + 0x6d2b79f5n) & M;
    let t = a;
    t = ((t ^ (t >> 15n)) * (t | 1n)) & M;
    t = (t ^ ((t + (((t ^ (t >> 7n)) * (t | 61n)) & M)) & M)) & M;
    return Number(t ^ (t >> 14n)) / 2 ** 32;
  };
}

const draws = (next: () => number, n: number) => Array.from({ length: n }, next);

describe('mulberry32', () => {
  it('seed 0, first draw worked by hand', () => {
    // a = 0 + 0x6d2b79f5; t ^ (t >>> 15) = 0x6d2ba3a3; · (t | 1) mod 2³² = 0xfe7ca5ff;
    // t ^= t + (t ^ (t >>> 7))·(t | 61) gives 0x4435a4b4; t ^ (t >>> 14) = 0x4434b462 = 1144304738.
    expect(mulberry32(0)()).toBe(0x4434b462 / 2 ** 32);
    expect(mulberry32(0)()).toBe(0.26642920868471265);
  });

  it('matches a BigInt reference bit for bit, 2000 draws per seed', () => {
    for (const seed of [0, 1, 7, 42, 123456789, 0x7fffffff, 0x80000000, 0xffffffff]) {
      expect(draws(mulberry32(seed), 2000)).toEqual(draws(mulberry32BigInt(seed), 2000));
    }
  });

  it('gives exactly the sequences the copies it replaced gave (pinned)', () => {
    expect(draws(mulberry32(0), 5)).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111, 0.46732782293111086]);
    expect(draws(mulberry32(1), 5)).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522, 0.9810509674716741, 0.9683778982143849]);
    expect(draws(mulberry32(42), 5)).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693, 0.17481389874592423]);
    expect(draws(mulberry32(0xffffffff), 5)).toEqual([0.8964226141106337, 0.189478256739676, 0.7156526781618595, 0.9440599093213677, 0.8452364315744489]);
    expect(draws(mulberry32(0), 3).map((x) => x * 2 ** 32)).toEqual([1144304738, 1416247, 958946056]);
  });

  it('takes the seed as seed >>> 0', () => {
    const first = (seed: number) => draws(mulberry32(seed), 4);
    expect(first(-1)).toEqual(first(0xffffffff));
    expect(first(2 ** 32 + 5)).toEqual(first(5));
    expect(first(1.9)).toEqual(first(1));
    expect(first(Number.NaN)).toEqual(first(0));
    expect(first(Number.POSITIVE_INFINITY)).toEqual(first(0));
  });

  it('draws multiples of 2⁻³² in [0, 1); generators with the same seed are independent and equal', () => {
    const a = mulberry32(3);
    const b = mulberry32(3);
    const xs = draws(a, 10_000);
    expect(xs.every((x) => x >= 0 && x < 1 && Number.isInteger(x * 2 ** 32))).toBe(true);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.02);
    expect(draws(b, 10_000)).toEqual(xs);
  });
});
