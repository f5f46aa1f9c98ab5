import { InvalidArgumentError, ShapeMismatchError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { oneShotRank1 } from './one-shot.js';

describe('oneShotRank1', () => {
  // two people on a line: A enrolled at 0, B enrolled at 10; queries at 1, 4 (A) and 6, 9, 2 (B; 2 is wrong)
  const e = [[0], [1], [4], [10], [6], [9], [2], [50]];
  const labels = [1, 1, 1, 2, 2, 2, 2, 3]; // person 3 is not enrolled: its picture is no query
  it('counts a query right when the nearest enrolled picture is its person (hand example)', () => {
    expect(oneShotRank1(e, labels, [0, 3])).toEqual({ correct: 4, queries: 5, accuracy: 0.8 });
    // enroll B's picture at 6 instead: 4 (A) is now nearer B; 2 stays nearer A
    expect(oneShotRank1(e, labels, [0, 4])).toEqual({ correct: 3, queries: 5, accuracy: 0.6 });
  });
  it('uses the chosen metric', () => {
    // cosine ignores length: [1, 0.1] is nearer [10, 0] by angle (0.005 vs 0.900) but nearer [0, 1] in
    // euclidean distance (1.345 vs 9.001); the other two queries go to [0, 1] either way.
    const v = [[10, 0], [0, 1], [1, 0.1], [0.1, 1], [5, 5.5]];
    expect(oneShotRank1(v, [1, 2, 1, 2, 2], [0, 1], 'cosine').correct).toBe(3);
    expect(oneShotRank1(v, [1, 2, 1, 2, 2], [0, 1], 'euclidean').correct).toBe(2);
  });
  it('refuses two enrolled pictures of one person, bad rows and mismatched lengths', () => {
    expect(() => oneShotRank1(e, labels, [0, 1])).toThrow(/one row per person/);
    expect(() => oneShotRank1(e, labels, [0, 99])).toThrow(InvalidArgumentError);
    expect(() => oneShotRank1(e, labels, [0])).toThrow(/two people/);
    expect(() => oneShotRank1(e, [1, 2], [0, 1])).toThrow(ShapeMismatchError);
    expect(() => oneShotRank1([[0], [1, 2]], [1, 2], [0, 1])).toThrow(ShapeMismatchError);
    expect(() => oneShotRank1(e, labels, [0, 3], 'l1' as never)).toThrow(/euclidean/);
  });
});
