import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/errors.js';
import { referenceSamePadding } from '../reference/convolution.js';
import { convOutputShape, convOutputSize, poolOutputShape, samePadding } from './conv-output-size.js';

describe('conv output size (the course shape math)', () => {
  it('⌊(n + 2p − f)/s⌋ + 1 on the course examples', () => {
    expect(convOutputSize(6, 3)).toBe(4); // 6x6 * 3x3 -> 4x4
    expect(convOutputSize(6, 3, { padding: 1 })).toBe(6); // 'same' with p = (f−1)/2
    expect(convOutputSize(7, 3, { stride: 2 })).toBe(3); // 7x7 * 3x3, s = 2 -> 3x3
    expect(convOutputSize(5, 3, { dilation: 2 })).toBe(1);
  });

  it("the course's 39x39x3 ConvNet example ends in 7x7x40 = 1960 features", () => {
    const a = convOutputShape([39, 39, 3], [3, 3, 3, 10], { strides: 1, padding: 0 });
    expect(a).toEqual([37, 37, 10]);
    const b = convOutputShape(a, [5, 5, 10, 20], { strides: 2 });
    expect(b).toEqual([17, 17, 20]);
    const c = convOutputShape(b, [5, 5, 20, 40], { strides: 2 });
    expect(c).toEqual([7, 7, 40]);
    expect(c.reduce((x, y) => x * y, 1)).toBe(1960);
    expect(poolOutputShape([1, 28, 28, 6], 2)).toEqual([1, 14, 14, 6]);
  });

  it("TF 'same' padding is asymmetric and agrees with the reference", () => {
    expect(samePadding(5, 2, 1)).toEqual([0, 1]);
    expect(samePadding(6, 3, 2)).toEqual([0, 1]);
    for (let n = 1; n <= 12; n++)
      for (let f = 1; f <= 7; f++)
        for (let s = 1; s <= 3; s++) {
          expect(samePadding(n, f, s)).toEqual(referenceSamePadding(n, f, s));
          expect(convOutputSize(n, f, { stride: s, padding: 'same' })).toBe(Math.ceil(n / s));
        }
  });

  it('rejects bad input with the argument named', () => {
    expect(() => convOutputSize(4, 7)).toThrow(InvalidArgumentError);
    expect(() => convOutputSize(4, 7)).toThrow(/'f'/);
    expect(() => convOutputSize(4, 3, { stride: 0 })).toThrow(/options.stride/);
    expect(() => convOutputSize(4, 3, { padding: -1 })).toThrow(/options.padding/);
    expect(() => convOutputShape([8, 8, 3], [3, 3, 4, 8])).toThrow(/filterShape\[2\]/);
    expect(() => convOutputShape([8, 3], [3, 3, 3, 8])).toThrow(/inputShape/);
  });
});
