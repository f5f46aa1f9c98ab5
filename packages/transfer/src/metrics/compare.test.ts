import { InvalidArgumentError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { comparePredictions, exactMcNemar } from './compare.js';

/** The same test written the slow way: C(n, i) by Pascal's triangle (exact integers for small n). */
function reference(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  let row = [1];
  for (let r = 1; r <= n; r++) row = [1, ...row.slice(1).map((v, i) => v + row[i]!), 1];
  const tail = row.slice(0, Math.min(b, c) + 1).reduce((s, v) => s + v, 0) / 2 ** n;
  return Math.min(1, 2 * tail);
}

describe('exactMcNemar', () => {
  it('matches published two-sided exact binomial values', () => {
    // 2 vs 8 disagreements: 2 · (1 + 10 + 45) / 1024 = 0.109375 (scipy.stats.binomtest(2, 10).pvalue)
    expect(exactMcNemar(2, 8)).toBeCloseTo(0.109375, 12);
    expect(exactMcNemar(8, 2)).toBeCloseTo(0.109375, 12);
    // 0 vs 6: 2 / 64
    expect(exactMcNemar(0, 6)).toBeCloseTo(0.03125, 12);
    expect(exactMcNemar(5, 5)).toBe(1);
    expect(exactMcNemar(0, 0)).toBe(1);
  });

  it('equals the Pascal-triangle reference for every split up to 40 disagreements', () => {
    for (let n = 1; n <= 40; n++) for (let b = 0; b <= n; b++) expect(exactMcNemar(b, n - b)).toBeCloseTo(reference(b, n - b), 12);
  });

  it('stays finite for thousands of disagreements', () => {
    const p = exactMcNemar(900, 1100);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-4);
  });
});

describe('comparePredictions', () => {
  it('counts the four cells picture by picture', () => {
    const yTrue = [0, 1, 2, 0, 1, 2, 0];
    const first = [0, 1, 0, 1, 1, 2, 2]; // right: 0, 1, 4, 5
    const second = [0, 0, 2, 0, 1, 2, 1]; // right: 0, 2, 3, 4, 5
    const r = comparePredictions(yTrue, first, second);
    expect(r).toMatchObject({ bothRight: 3, onlyFirstRight: 1, onlySecondRight: 2, bothWrong: 1 });
    expect(r.accuracyFirst).toBeCloseTo(4 / 7, 12);
    expect(r.accuracySecond).toBeCloseTo(5 / 7, 12);
    expect(r.pValue).toBeCloseTo(reference(1, 2), 12);
  });

  it('refuses lists of different lengths, non-integer classes and empty input', () => {
    expect(() => comparePredictions([0, 1], [0], [0, 1])).toThrow(InvalidArgumentError);
    expect(() => comparePredictions([0, 1], [0, 1], [0, 1.5])).toThrow(/class indices/);
    expect(() => comparePredictions([], [], [])).toThrow(/at least one picture/);
  });
});
