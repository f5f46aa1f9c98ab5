import { InvalidArgumentError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { distance, distanceMatrix, l2Normalize } from './distance.js';

describe('distance', () => {
  const a = [3, 4, 0];
  const b = [0, 4, 3];
  it('euclidean, cosine and euclidean-l2 by hand', () => {
    expect(distance(a, b)).toBeCloseTo(Math.sqrt(18), 6);
    // a·b = 16, |a| = |b| = 5: cosine distance 1 − 16/25 = 0.36; l2 of the unit vectors = sqrt(2 · 0.36)
    expect(distance(a, b, 'cosine')).toBeCloseTo(0.36, 6);
    expect(distance(a, b, 'euclidean-l2')).toBeCloseTo(Math.sqrt(0.72), 6);
    expect(distance(l2Normalize(a), l2Normalize(b))).toBeCloseTo(distance(a, b, 'euclidean-l2'), 6);
    expect(distance(a, a, 'cosine')).toBeCloseTo(0, 6);
    expect(distance(a, [-3, -4, 0], 'cosine')).toBeCloseTo(2, 6);
  });
  it('a distance matrix is symmetric with a zero diagonal', () => {
    const m = distanceMatrix([a, b, [1, 1, 1]]);
    expect(m.length).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect(m[i]![i]).toBeCloseTo(0, 6);
      for (let j = 0; j < 3; j++) expect(m[i]![j]).toBeCloseTo(m[j]![i]!, 6);
    }
    expect(m[0]![1]).toBeCloseTo(Math.sqrt(18), 5);
  });
  it('refuses mismatched lengths, non-finite numbers and unknown metrics', () => {
    expect(() => distance(a, [1, 2])).toThrow(InvalidArgumentError);
    expect(() => distance(a, [1, 2, Number.NaN])).toThrow(/finite/);
    expect(() => distance(a, b, 'manhattan' as never)).toThrow(/euclidean/);
    expect(() => distanceMatrix([a], [[1, 2]])).toThrow(InvalidArgumentError);
  });
});
