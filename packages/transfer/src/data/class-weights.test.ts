import { InvalidArgumentError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { classWeights } from './class-weights.js';

describe('classWeights', () => {
  it("gives sklearn's 'balanced' weights n / (C * count) (hand-checked)", () => {
    // counts 6, 3, 1 of n = 10: 10/18, 10/9, 10/3.
    const labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 2];
    const w = classWeights(labels.map((label) => ({ label })), 3);
    expect(w[0]).toBeCloseTo(0.5555556, 6);
    expect(w[1]).toBeCloseTo(1.1111111, 6);
    expect(w[2]).toBeCloseTo(3.3333333, 6);
    expect(classWeights(labels, 3, { mode: 'balanced' })).toEqual(w);
    // Each class then carries n / C of the total weight.
    [6, 3, 1].forEach((count, c) => expect(w[c]! * count).toBeCloseTo(10 / 3, 10));
    expect(classWeights([0, 1, 0, 1], 2)).toEqual([1, 1]);
  });

  it('rejects missing classes and out-of-range labels', () => {
    expect(() => classWeights([0, 0, 2], 3)).toThrow(InvalidArgumentError);
    expect(() => classWeights([0, 0, 2], 3)).toThrow(/no item of class 1/);
    expect(() => classWeights([0, 3], 3)).toThrow(/items\[1\]/);
    expect(() => classWeights([], 3)).toThrow(/items/);
    expect(() => classWeights([0], 0)).toThrow(/numClasses/);
  });
});
