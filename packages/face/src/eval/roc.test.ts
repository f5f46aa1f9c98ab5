import { gaussian, InvalidArgumentError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from './random.js';
import { accuracyAt, bestAccuracyThreshold, equalErrorRate, rocAuc, rocCurve, tarAtFar, verificationMetrics, type LabeledDistance } from './roc.js';

const pairs = (genuine: number[], impostor: number[]): LabeledDistance[] => [
  ...genuine.map((distance) => ({ distance, same: true })),
  ...impostor.map((distance) => ({ distance, same: false })),
];

/** Mann–Whitney: P(impostor distance > genuine distance) + ½ P(equal), by a plain double loop. */
function mannWhitney(ps: LabeledDistance[]): number {
  const g = ps.filter((p) => p.same).map((p) => p.distance);
  const i = ps.filter((p) => !p.same).map((p) => p.distance);
  let u = 0;
  for (const x of g) for (const y of i) u += y > x ? 1 : y === x ? 0.5 : 0;
  return u / (g.length * i.length);
}

/** FAR and TAR of "distance ≤ t", by a plain loop. */
function ratesAt(ps: LabeledDistance[], t: number) {
  const g = ps.filter((p) => p.same);
  const i = ps.filter((p) => !p.same);
  return { tar: g.filter((p) => p.distance <= t).length / g.length, far: i.filter((p) => p.distance <= t).length / i.length };
}

/** Random labelled distances: genuine ~ N(0.5, 0.15), impostor ~ N(0.9, 0.15), rounded to 2 decimals (ties). */
function randomPairs(n: number, seed: number): LabeledDistance[] {
  const r = mulberry32(seed);
  const normal = gaussian(r);
  return Array.from({ length: n }, (_, k) => {
    const same = k % 3 !== 0;
    return { distance: Math.round((same ? 0.5 : 0.9) * 100 + normal() * 15) / 100, same };
  });
}

describe('ROC metrics', () => {
  it('a tiny case by hand: genuine {0.1, 0.3}, impostor {0.2, 0.4}', () => {
    const ps = pairs([0.1, 0.3], [0.2, 0.4]);
    const roc = rocCurve(ps);
    expect(roc.points.map((p) => [p.threshold, p.far, p.tar])).toEqual([
      [-Infinity, 0, 0],
      [0.1, 0, 0.5],
      [0.2, 0.5, 0.5],
      [0.3, 0.5, 1],
      [0.4, 1, 1],
    ]);
    // Trapezoids: 0.5 · 0.5 (FAR 0 → 0.5 at TAR 0.5) + 0.5 · 1 (FAR 0.5 → 1 at TAR 1) = 0.75; Mann–Whitney 3 of 4.
    expect(rocAuc(roc)).toBe(0.75);
    expect(mannWhitney(ps)).toBe(0.75);
    // FAR = FRR = 0.5 at the point t = 0.2.
    expect(equalErrorRate(roc)).toEqual({ eer: 0.5, threshold: 0.2 });
    // Right at t ≤ 0.1: 0.1 accepted, 0.2 and 0.4 rejected, 0.3 wrongly rejected: 3 of 4, threshold midway to 0.2.
    expect(bestAccuracyThreshold(roc)).toEqual({ accuracy: 0.75, threshold: 0.15000000000000002 });
    expect(tarAtFar(roc, 0)).toEqual({ far: 0, tar: 0.5, threshold: 0.1, achievedFar: 0 });
    expect(tarAtFar(roc, 0.49)).toEqual({ far: 0.49, tar: 0.5, threshold: 0.1, achievedFar: 0 });
    expect(tarAtFar(roc, 0.5)).toEqual({ far: 0.5, tar: 1, threshold: 0.3, achievedFar: 0.5 });
  });

  it('ties between a genuine and an impostor pair move both rates at once; the EER is interpolated', () => {
    // genuine {1, 2}, impostor {2, 3}: points (0,0) (0,½) at 1, (½,1) at 2, (1,1) at 3.
    const roc = rocCurve(pairs([1, 2], [2, 3]));
    expect(roc.points.map((p) => [p.far, p.tar])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    // AUC = ½ · (½ + 1)/2 + ½ · 1 = 0.875 = Mann–Whitney (1 + 1 + ½ + 1) / 4.
    expect(rocAuc(roc)).toBe(0.875);
    expect(mannWhitney(pairs([1, 2], [2, 3]))).toBe(0.875);
    // FAR − FRR: −½ at t = 1, +½ at t = 2: crossing halfway, FAR = FRR = ¼ at t = 1.5.
    expect(equalErrorRate(roc)).toEqual({ eer: 0.25, threshold: 1.5 });
  });

  it('EER of a symmetric case: impostor distances mirror the genuine ones around 0.6', () => {
    const r = mulberry32(4);
    const g = Array.from({ length: 200 }, () => 0.2 + 0.8 * r());
    const { eer, threshold } = equalErrorRate(rocCurve(pairs(g, g.map((x) => 1.2 - x))));
    // At t = 0.6 FAR = #{impostor ≤ 0.6}/n = #{g ≥ 0.6}/n and FRR = #{g > 0.6}/n: equal (no g is exactly 0.6).
    expect(eer).toBe(g.filter((x) => x > 0.6).length / 200);
    expect(Math.abs(threshold - 0.6)).toBeLessThan(0.02);
  });

  it('matches plain loops on 3,000 random pairs with ties: ROC points, AUC = Mann–Whitney, TAR@FAR, best accuracy', () => {
    const ps = randomPairs(3_000, 1);
    const roc = rocCurve(ps);
    const distinct = [...new Set(ps.map((p) => p.distance))].sort((a, b) => a - b);
    expect(distinct.length).toBeLessThan(ps.length); // there are ties
    expect(roc.points.length).toBe(distinct.length + 1);
    for (const [k, t] of distinct.entries()) {
      const want = ratesAt(ps, t);
      expect(roc.points[k + 1]!.threshold).toBe(t);
      expect(roc.points[k + 1]!.far).toBeCloseTo(want.far, 12);
      expect(roc.points[k + 1]!.tar).toBeCloseTo(want.tar, 12);
    }
    expect(rocAuc(roc)).toBeCloseTo(mannWhitney(ps), 12);
    for (const far of [1e-3, 1e-2, 1e-1, 0.3]) {
      let best = 0;
      for (const t of distinct) {
        const r = ratesAt(ps, t);
        if (r.far <= far && r.tar > best) best = r.tar;
      }
      const got = tarAtFar(roc, far);
      expect(got.tar).toBeCloseTo(best, 12);
      expect(got.achievedFar).toBeLessThanOrEqual(far);
      expect(ratesAt(ps, got.threshold).tar).toBeCloseTo(got.tar, 12);
    }
    let bestAcc = 0;
    for (const t of [-Infinity, ...distinct]) bestAcc = Math.max(bestAcc, accuracyAt(ps, t));
    const best = bestAccuracyThreshold(roc);
    expect(best.accuracy).toBeCloseTo(bestAcc, 12);
    expect(accuracyAt(ps, best.threshold)).toBeCloseTo(bestAcc, 12);
    // EER by a plain scan: the first distance where FAR ≥ FRR, interpolated linearly from the one before it.
    let prev = { t: -Infinity, far: 0, frr: 1 };
    let want = { eer: Number.NaN, threshold: Number.NaN };
    for (const t of distinct) {
      const r = ratesAt(ps, t);
      const cur = { t, far: r.far, frr: 1 - r.tar };
      if (cur.far >= cur.frr) {
        const s = (prev.frr - prev.far) / (cur.far - prev.far - (cur.frr - prev.frr));
        want = { eer: prev.far + s * (cur.far - prev.far), threshold: Number.isFinite(prev.t) ? prev.t + s * (t - prev.t) : t };
        break;
      }
      prev = cur;
    }
    const eer = equalErrorRate(roc);
    expect(eer.eer).toBeCloseTo(want.eer, 12);
    expect(eer.threshold).toBeCloseTo(want.threshold, 12);
  });

  it('verificationMetrics gathers them; separable distances are perfect', () => {
    const m = verificationMetrics(pairs([0.1, 0.2, 0.3], [0.5, 0.6]));
    expect(m).toMatchObject({ genuinePairs: 3, impostorPairs: 2, auc: 1, eer: 0, bestAccuracy: 1, bestThreshold: 0.4 });
    expect(m.tarAtFar.map((t) => [t.far, t.tar])).toEqual([
      [1e-3, 1],
      [1e-2, 1],
      [1e-1, 1],
    ]);
    expect(verificationMetrics(pairs([0.5], [0.1]), { farTargets: [0.5] })).toMatchObject({ auc: 0, eer: 1, bestAccuracy: 0.5 });
  });

  it('refuses input without both kinds of pairs or with non-finite distances', () => {
    expect(() => rocCurve(pairs([0.1, 0.2], []))).toThrow(/genuine .* and impostor/);
    expect(() => rocCurve(pairs([], [0.1]))).toThrow(InvalidArgumentError);
    expect(() => rocCurve(pairs([0.1, Number.NaN], [0.3]))).toThrow(/pairs\[1\]/);
    expect(() => rocCurve([{ distance: 0.1, same: 1 }] as never)).toThrow(InvalidArgumentError);
    expect(() => tarAtFar(rocCurve(pairs([0.1], [0.2])), 2)).toThrow(/far/);
  });
});
