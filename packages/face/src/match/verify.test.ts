import { InvalidArgumentError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { verify } from './verify.js';

/** A 128-number embedding with the given leading numbers. */
const e = (...xs: number[]) => {
  const v = new Float32Array(128);
  v.set(xs);
  return v;
};

describe('verify', () => {
  it('hand-computed distances against the default thresholds', () => {
    // (0.5, 0) vs (0.8, 0): euclidean 0.3 ≤ 0.6.
    const r = verify(e(0.5), e(0.8));
    expect(r).toMatchObject({ verified: true, threshold: 0.6, metric: 'euclidean', modelId: 'dlib-resnet34-face-api' });
    expect(r.distance).toBeCloseTo(0.3, 6);
    // (3, 4) vs (4, 3): euclidean √2 > 0.6; cosine 1 − 24/25 = 0.04 ≤ 0.0856; euclidean-l2 √0.08 = 0.283 ≤ 0.4138.
    expect(verify(e(3, 4), e(4, 3)).verified).toBe(false);
    const cos = verify(e(3, 4), e(4, 3), { metric: 'cosine' });
    expect(cos.verified).toBe(true);
    expect(cos.distance).toBeCloseTo(0.04, 6);
    const l2 = verify(e(3, 4), e(4, 3), { metric: 'euclidean-l2' });
    expect(l2.distance).toBeCloseTo(Math.sqrt(0.08), 6);
    expect(l2.verified).toBe(true);
    // (1, 0) vs (0, 1): cosine 1, not the same person.
    expect(verify(e(1), e(0, 1), { metric: 'cosine' }).verified).toBe(false);
  });

  it('is inclusive at the threshold (distance ≤ threshold), as DeepFace', () => {
    expect(verify([0], [0.5], { threshold: 0.5 }).verified).toBe(true);
    expect(verify([0], [0.5], { threshold: 0.4999 }).verified).toBe(false);
  });

  it('needs a threshold for a model without defaults, and equal-length finite embeddings', () => {
    expect(() => verify([0, 1], [1, 0], { modelId: 'my-net' })).toThrow(/no default for model "my-net"/);
    expect(verify([0, 1], [1, 0], { modelId: 'my-net', threshold: 2 })).toMatchObject({ verified: true, modelId: 'my-net' });
    expect(() => verify(e(1), new Float32Array(64))).toThrow(InvalidArgumentError);
    expect(() => verify(e(1), e(Number.POSITIVE_INFINITY))).toThrow(/finite/);
    expect(() => verify(e(1), e(1), { metric: 'l1' as never })).toThrow(/metric/);
    expect(() => verify(e(1), e(1), { threshold: Number.NaN })).toThrow(/threshold/);
  });
});
