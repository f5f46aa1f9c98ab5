import { InvalidArgumentError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { distance } from '../distance.js';
import { DEFAULT_THRESHOLDS, FACE_API_DESCRIPTOR_NORM, FACE_API_MODEL_ID, defaultThreshold } from './thresholds.js';

describe('DEFAULT_THRESHOLDS', () => {
  const t = DEFAULT_THRESHOLDS[FACE_API_MODEL_ID]!;

  it("face-api's euclidean 0.6, and the cosine / euclidean-l2 values derived from it for norm 1.45", () => {
    expect(t.euclidean).toBe(0.6);
    const r = FACE_API_DESCRIPTOR_NORM;
    expect(t.cosine).toBeCloseTo(0.36 / (2 * r * r), 4);
    expect(t['euclidean-l2']).toBeCloseTo(0.6 / r, 4);
    expect(t['euclidean-l2']).toBeCloseTo(Math.sqrt(2 * t.cosine), 3);
  });

  it('the three thresholds give the same decision for vectors of norm 1.45, at the boundary and around it', () => {
    // a = r·e0, b = r·(cos θ e0 + sin θ e1): ‖a − b‖ = 2r·sin(θ/2).
    const r = FACE_API_DESCRIPTOR_NORM;
    const pair = (euclid: number) => {
      const theta = 2 * Math.asin(euclid / (2 * r));
      const a = new Float64Array(128);
      const b = new Float64Array(128);
      a[0] = r;
      b[0] = r * Math.cos(theta);
      b[1] = r * Math.sin(theta);
      return [a, b] as const;
    };
    const [a, b] = pair(0.6);
    expect(distance(a, b)).toBeCloseTo(0.6, 6);
    expect(distance(a, b, 'cosine')).toBeCloseTo(t.cosine, 4);
    expect(distance(a, b, 'euclidean-l2')).toBeCloseTo(t['euclidean-l2'], 4);
    for (const d of [0.2, 0.4, 0.55, 0.59, 0.61, 0.65, 0.8, 1.2]) {
      const [x, y] = pair(d);
      const same = d <= 0.6;
      expect(distance(x, y) <= t.euclidean).toBe(same);
      expect(distance(x, y, 'cosine') <= t.cosine).toBe(same);
      expect(distance(x, y, 'euclidean-l2') <= t['euclidean-l2']).toBe(same);
    }
  });

  it('is frozen, and a model without defaults is a typed error that says how to get a threshold', () => {
    expect(Object.isFrozen(DEFAULT_THRESHOLDS)).toBe(true);
    expect(Object.isFrozen(t)).toBe(true);
    expect(defaultThreshold(FACE_API_MODEL_ID, 'cosine')).toBe(t.cosine);
    expect(() => defaultThreshold('facenet', 'euclidean')).toThrow(InvalidArgumentError);
    expect(() => defaultThreshold('facenet', 'euclidean')).toThrow(/kFoldVerification/);
    expect(() => defaultThreshold('toString', 'euclidean')).toThrow(InvalidArgumentError);
    expect(() => defaultThreshold(FACE_API_MODEL_ID, 'manhattan' as never)).toThrow(/metric/);
    expect(defaultThreshold('mine', 'cosine', { mine: { euclidean: 1, cosine: 0.3, 'euclidean-l2': 0.7 } })).toBe(0.3);
  });
});
