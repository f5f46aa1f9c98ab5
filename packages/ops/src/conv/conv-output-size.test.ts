import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ShapeMismatchError } from '../errors/errors.js';
import { ready } from '../backend/backend.js';
import { expectNoLeaks } from '../testing/index.js';
import { referenceSamePadding } from '../reference/convolution.js';
import { convOutputShape, convOutputSize, poolOutputShape, resolvePadding2D, samePadding } from './conv-output-size.js';

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
    // LeNet-5: 32x32x1 -> conv 5x5 x6 -> 28x28x6 -> pool 2 -> 14x14x6 -> conv 5x5 x16 -> 10x10x16 -> pool 2 -> 5x5x16
    const lenet = poolOutputShape(convOutputShape(poolOutputShape(convOutputShape([32, 32, 1], [5, 5, 1, 6]), 2), [5, 5, 6, 16]), 2);
    expect(lenet).toEqual([5, 5, 16]);
    expect(poolOutputShape([7, 7, 3], 3, { strides: 2, padding: 'same' })).toEqual([4, 4, 3]);
  });

  it("'same' with p = (f − 1)/2 keeps the size for odd f at stride 1; dilation widens the filter to d(f−1)+1", () => {
    for (const f of [1, 3, 5, 7]) {
      expect(samePadding(10, f)).toEqual([(f - 1) / 2, (f - 1) / 2]);
      expect(convOutputSize(10, f, { padding: (f - 1) / 2 })).toBe(10);
    }
    expect(convOutputSize(10, 3, { dilation: 2 })).toBe(6); // effective 5
    expect(samePadding(10, 3, 1, 2)).toEqual([2, 2]);
    expect(convOutputShape([1, 9, 9, 2], [3, 3, 2, 4], { dilations: [2, 3], padding: 'same' })).toEqual([1, 9, 9, 4]);
    expect(convOutputShape([10, 8, 1], [3, 2, 1, 1], { strides: [2, 3], padding: [[1, 0], [0, 2]] })).toEqual([5, 3, 1]);
    expect(resolvePadding2D('same', [5, 6], [2, 3], [1, 2])).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(resolvePadding2D(2, [5, 6], [3, 3])).toEqual([
      [2, 2],
      [2, 2],
    ]);
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

  it('rejects bad input with typed errors naming the argument', () => {
    const bad = (fn: () => unknown, type: typeof InvalidArgumentError | typeof ShapeMismatchError, message: RegExp) => {
      expect(fn).toThrow(type);
      expect(fn).toThrow(message);
    };
    bad(() => convOutputSize(4, 7), InvalidArgumentError, /'f'.*no larger than the padded input \(4\)/);
    bad(() => convOutputSize(4, 3, { dilation: 2 }), InvalidArgumentError, /'f'.*effective 5/);
    bad(() => convOutputSize(0, 3), InvalidArgumentError, /'n'/);
    bad(() => convOutputSize(4, 3, { stride: 0 }), InvalidArgumentError, /'options.stride'/);
    bad(() => convOutputSize(4, 3, { padding: -1 }), InvalidArgumentError, /'options.padding'/);
    bad(() => samePadding(4, 3, 0), InvalidArgumentError, /'stride'/);
    bad(() => convOutputShape([8, 8, 3], [3, 3, 4, 8]), InvalidArgumentError, /'filterShape\[2\]'/);
    bad(() => convOutputShape([8, 3], [3, 3, 3, 8]), InvalidArgumentError, /'inputShape'/);
    bad(() => convOutputShape([8, 0, 3], [3, 3, 3, 8]), InvalidArgumentError, /'inputShape\[1\]'/);
    bad(() => convOutputShape([8, 8, 3], [3, 3, 3]), InvalidArgumentError, /'filterShape'/);
    bad(() => convOutputShape([4, 4, 3], [5, 5, 3, 8]), ShapeMismatchError, /'filterShape'.*5×5 filter is larger than the padded input 4×4/);
    bad(() => convOutputShape([8, 8, 3], [3, 3, 3, 8], { strides: 1.5 }), InvalidArgumentError, /'options.strides'/);
    bad(() => convOutputShape([8, 8, 3], [3, 3, 3, 8], { padding: 'full' as never }), InvalidArgumentError, /'options.padding'/);
    bad(() => poolOutputShape([4, 4, 3], 5), ShapeMismatchError, /'poolSize'.*5×5 window is larger/);
    bad(() => poolOutputShape([4, 4, 3], 2, { padding: 1 as never }), InvalidArgumentError, /'options.padding'/);
    bad(() => poolOutputShape([4, 4, 3], 0), InvalidArgumentError, /'poolSize'/);
  });

  it('creates no tensors', async () => {
    await ready({ backend: 'cpu' }); // tf.memory() needs a backend
    await expectNoLeaks(() => {
      convOutputSize(10, 3, { stride: 2, padding: 'same' });
      convOutputShape([1, 8, 8, 3], [3, 3, 3, 4], { padding: [[1, 0], [0, 1]] });
      poolOutputShape([8, 8, 3], 2);
      samePadding(7, 3, 2);
      resolvePadding2D('same', [7, 7], [3, 3]);
    });
  });
});
