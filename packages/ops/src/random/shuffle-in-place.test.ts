import { describe, expect, it } from 'vitest';
import { mulberry32 } from './mulberry32.js';
import { shuffleInPlace } from './shuffle-in-place.js';

describe('shuffleInPlace', () => {
  it('is Fisher-Yates from the end: pinned order for mulberry32(7), the same array returned', () => {
    const items = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(shuffleInPlace(items, mulberry32(7))).toBe(items);
    expect(items).toEqual([6, 5, 8, 1, 2, 3, 4, 7, 9, 0]);
  });

  it('swaps item i with item ⌊random()·(i + 1)⌋, drawing n − 1 numbers', () => {
    const values = [0.99, 0, 0.5];
    let k = 0;
    const random = () => values[k++]!;
    // i = 3: j = ⌊0.99·4⌋ = 3 (stays); i = 2: j = 0 → [c, b, a, d]; i = 1: j = ⌊0.5·2⌋ = 1 (stays).
    expect(shuffleInPlace(['a', 'b', 'c', 'd'], random)).toEqual(['c', 'b', 'a', 'd']);
    expect(k).toBe(3);
  });

  it('keeps every item; empty and one-item arrays draw nothing', () => {
    const shuffled = shuffleInPlace(Array.from({ length: 100 }, (_, i) => i), mulberry32(1));
    expect([...shuffled].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const never = () => {
      throw new Error('drew');
    };
    expect(shuffleInPlace([], never)).toEqual([]);
    expect(shuffleInPlace(['x'], never)).toEqual(['x']);
  });
});
