import { InvalidArgumentError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { kFoldVerification } from './k-fold.js';
import { mulberry32 } from './random.js';
import type { LabeledDistance } from './roc.js';

const p = (distance: number, same: boolean): LabeledDistance => ({ distance, same });

/** The protocol by plain loops: candidates "accept nothing" and every distinct training distance, first best kept, midpoint threshold. */
function reference(pairs: LabeledDistance[], k: number) {
  const n = pairs.length;
  const folds: { threshold: number; accuracy: number }[] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    const test = pairs.slice(start, start + size);
    const train = pairs.filter((_, i) => i < start || i >= start + size);
    start += size;
    const ds = [...new Set(train.map((x) => x.distance))].sort((a, b) => a - b);
    const acc = (set: LabeledDistance[], t: number) => set.filter((x) => (x.distance <= t) === x.same).length / set.length;
    let bestT = -Infinity;
    let best = acc(train, -Infinity);
    let bestIndex = -1;
    ds.forEach((t, i) => {
      const a = acc(train, t);
      if (a > best) {
        best = a;
        bestT = t;
        bestIndex = i;
      }
    });
    const threshold = bestIndex < 0 ? -Infinity : bestIndex === ds.length - 1 ? bestT : (bestT + ds[bestIndex + 1]!) / 2;
    folds.push({ threshold, accuracy: acc(test, threshold) });
  }
  return folds;
}

describe('kFoldVerification', () => {
  it('2 folds of 4 pairs by hand', () => {
    const pairs = [p(0.1, true), p(0.5, false), p(0.3, true), p(0.4, false), p(0.2, true), p(0.6, false), p(0.45, true), p(0.35, false)];
    const r = kFoldVerification(pairs, 2);
    // Fold 0 held out: on fold 1 (0.2 g, 0.35 i, 0.45 g, 0.6 i) the best is to accept ≤ 0.2 (3 of 4), threshold
    // midway to 0.35 = 0.275; on fold 0 that accepts 0.1 and rejects 0.5, 0.3 (wrongly) and 0.4: 3 of 4.
    // Fold 1 held out: on fold 0 (0.1 g, 0.3 g, 0.4 i, 0.5 i) accepting ≤ 0.3 is perfect, threshold 0.35; on fold 1
    // it accepts 0.2 and 0.35 (wrongly), rejects 0.6 and 0.45 (wrongly): 2 of 4.
    expect(r.folds).toEqual([
      { size: 4, threshold: 0.275, trainAccuracy: 0.75, accuracy: 0.75 },
      { size: 4, threshold: 0.35, trainAccuracy: 1, accuracy: 0.5 },
    ]);
    expect(r.meanAccuracy).toBe(0.625);
    expect(r.stdAccuracy).toBe(0.125);
    expect(r.meanThreshold).toBeCloseTo(0.3125, 15);
  });

  it('equals the plain-loop protocol on 607 random pairs in 10 folds (uneven fold sizes)', () => {
    const r = mulberry32(8);
    const pairs = Array.from({ length: 607 }, () => {
      const same = r() < 0.5;
      return p(Math.round(((same ? 0.45 : 0.75) + (r() - 0.5) * 0.6) * 200) / 200, same);
    });
    const got = kFoldVerification(pairs, 10);
    const want = reference(pairs, 10);
    expect(got.folds.map((f) => f.size)).toEqual([61, 61, 61, 61, 61, 61, 61, 60, 60, 60]);
    expect(got.folds.map((f) => ({ threshold: f.threshold, accuracy: f.accuracy }))).toEqual(want);
    const mean = want.reduce((s, f) => s + f.accuracy, 0) / 10;
    expect(got.meanAccuracy).toBeCloseTo(mean, 12);
    expect(got.stdAccuracy).toBeCloseTo(Math.sqrt(want.reduce((s, f) => s + (f.accuracy - mean) ** 2, 0) / 10), 12);
    expect(got.meanAccuracy).toBeGreaterThan(0.7);
  });

  it('refuses a bad k and folds whose training part lacks a kind of pair', () => {
    const pairs = [p(0.1, true), p(0.2, true), p(0.7, false), p(0.8, false)];
    expect(() => kFoldVerification(pairs, 1)).toThrow(InvalidArgumentError);
    expect(() => kFoldVerification(pairs, 5)).toThrow(/\[2, 4\]/);
    expect(() => kFoldVerification(pairs, 2)).toThrow(/Shuffle the pairs/);
    expect(kFoldVerification([pairs[0]!, pairs[2]!, pairs[1]!, pairs[3]!], 2).meanAccuracy).toBe(1);
  });
});
