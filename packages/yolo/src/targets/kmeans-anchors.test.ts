import { InvalidArgumentError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { kmeansAnchors } from './kmeans-anchors.js';
import { mulberry32 } from './prng.js';

/** `perCluster` boxes around each centre, width and height jittered by up to ±`jitter` (relative). */
function clustered(centres: [number, number][], perCluster: number, jitter: number, seed: number): [number, number][] {
  const random = mulberry32(seed);
  const out: [number, number][] = [];
  for (let i = 0; i < perCluster; i++) {
    for (const [w, h] of centres) out.push([w * (1 + jitter * (2 * random() - 1)), h * (1 + jitter * (2 * random() - 1))]);
  }
  return out;
}

describe('kmeansAnchors', () => {
  it('hand case: one cluster of [1, 1] and [2, 2] has the mean shape [1.5, 1.5] and mean IoU (1/2.25 + 2.25/4) / 2', () => {
    const r = kmeansAnchors([[1, 1], [2, 2]], 1);
    expect(r.anchors).toEqual([[1.5, 1.5]]);
    expect(r.meanIou).toBeCloseTo((1 / 2.25 + 2.25 / 4) / 2, 12); // 0.50347...
    expect(r.assignments).toEqual([0, 0]);
    expect(r.converged).toBe(true);
  });

  it('hand case: two exact shapes give themselves, sorted by area, with mean IoU 1', () => {
    const r = kmeansAnchors([[10, 10], [1, 3], [10, 10], [1, 3], [1, 3]], 2, { seed: 3 });
    expect(r.anchors).toEqual([[1, 3], [10, 10]]);
    expect(r.meanIou).toBe(1);
    expect(r.assignments).toEqual([1, 0, 1, 0, 0]);
  });

  it('hand case: 1 − IoU (not Euclidean) decides the clusters', () => {
    // [1, 4] and [4, 1] are far apart under IoU (IoU 1/7) though equally large; [1, 3.5] joins [1, 4].
    const r = kmeansAnchors([[1, 4], [4, 1], [1, 3.5]], 2, { seed: 0 });
    expect(r.assignments[0]).toBe(r.assignments[2]);
    expect(r.assignments[0]).not.toBe(r.assignments[1]);
    const tall = r.anchors[r.assignments[0]!]!;
    expect(tall[0]).toBeCloseTo(1, 12);
    expect(tall[1]).toBeCloseTo(3.75, 12);
  });

  it('recovers the sizes of clustered synthetic boxes (5 clusters, ±10% jitter), for several seeds', () => {
    const centres: [number, number][] = [[0.5, 0.6], [2.6, 1.1], [1.2, 2.5], [3.5, 4.0], [7.0, 6.0]];
    const boxes = clustered(centres, 60, 0.1, 11);
    for (const seed of [0, 1, 2]) {
      const r = kmeansAnchors(boxes, 5, { seed });
      // Sorted by area, as the centres are (areas 0.3, 2.86, 3, 14, 42).
      r.anchors.forEach(([w, h], j) => {
        expect(Math.abs(w / centres[j]![0] - 1), `anchor ${j} width (seed ${seed})`).toBeLessThan(0.03);
        expect(Math.abs(h / centres[j]![1] - 1), `anchor ${j} height (seed ${seed})`).toBeLessThan(0.03);
      });
      // Each box's nearest anchor is its own cluster's.
      boxes.forEach((_, i) => expect(r.assignments[i]).toBe(i % 5));
      expect(r.meanIou).toBeGreaterThan(0.85);
      expect(r.converged).toBe(true);
    }
    // One run alone can miss (seed 0: two seeds in the smallest cluster); restarts keep the better run.
    const single = kmeansAnchors(boxes, 5, { seed: 0, restarts: 1 });
    const best = kmeansAnchors(boxes, 5, { seed: 0 });
    expect(single.meanIou).toBeLessThan(best.meanIou - 0.05);
  });

  it('is deterministic for a seed, and the median centroid is robust to an outlier', () => {
    const boxes = clustered([[1, 1], [4, 2]], 20, 0.2, 5);
    expect(kmeansAnchors(boxes, 2, { seed: 9 })).toEqual(kmeansAnchors(boxes, 2, { seed: 9 }));
    const withOutlier: [number, number][] = [[1, 1], [1, 1], [1, 1], [1.1, 1.1], [1.4, 1.4]];
    expect(kmeansAnchors(withOutlier, 1, { centroid: 'median' }).anchors).toEqual([[1, 1]]);
    expect(kmeansAnchors(withOutlier, 1, { centroid: 'mean' }).anchors[0]![0]).toBeCloseTo(1.1, 12);
  });

  it('ends when every box is the same shape (k > distinct shapes: an emptied cluster is re-seeded)', () => {
    const r = kmeansAnchors([[2, 3], [2, 3], [2, 3], [2, 3]], 3, { maxIterations: 50 });
    expect(r.anchors).toEqual([[2, 3], [2, 3], [2, 3]]);
    expect(r.meanIou).toBe(1);
    expect(r.iterations).toBeLessThan(50);
  });

  it('rejects bad input with typed errors', () => {
    const bad: [() => unknown, string][] = [
      [() => kmeansAnchors([], 1), 'boxesWH'],
      [() => kmeansAnchors([[1, 0]], 1), 'boxesWH[0]'],
      [() => kmeansAnchors([[1, Number.NaN]], 1), 'boxesWH[0]'],
      [() => kmeansAnchors([[1, 1], [2]] as never, 1), 'boxesWH[1]'],
      [() => kmeansAnchors([[1, 1]], 2), 'k'],
      [() => kmeansAnchors([[1, 1]], 0), 'k'],
      [() => kmeansAnchors([[1, 1]], 1, { seed: 0.5 }), 'options.seed'],
      [() => kmeansAnchors([[1, 1]], 1, { maxIterations: 0 }), 'options.maxIterations'],
      [() => kmeansAnchors([[1, 1]], 1, { restarts: 0 }), 'options.restarts'],
      [() => kmeansAnchors([[1, 1]], 1, { centroid: 'mode' as 'mean' }), 'options.centroid'],
    ];
    for (const [call, argument] of bad) {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error, argument).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe(argument);
    }
  });
});
