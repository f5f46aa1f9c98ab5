import { InvalidArgumentError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { splitCounts, splitStratified } from './split-stratified.js';

const make = (sizes: number[]) => sizes.flatMap((n, label) => Array.from({ length: n }, (_, i) => ({ path: `${label}/${i}.png`, label })));

describe('splitCounts', () => {
  it('rounds by largest remainder and gives every split an item while there are enough (hand-checked)', () => {
    expect(splitCounts(10, [0.7, 0.15, 0.15])).toEqual([7, 2, 1]); // 7, 1.5, 1.5: the tie goes to val
    expect(splitCounts(20, [0.7, 0.15, 0.15])).toEqual([14, 3, 3]);
    expect(splitCounts(3, [0.7, 0.15, 0.15])).toEqual([1, 1, 1]); // 2.1, .45, .45 -> 2, 1, 0 -> test takes one from train
    expect(splitCounts(2, [0.7, 0.15, 0.15])).toEqual([1, 1, 0]); // too few: train, then val
    expect(splitCounts(1, [0.7, 0.15, 0.15])).toEqual([1, 0, 0]);
    expect(splitCounts(5, [0.8, 0.2, 0])).toEqual([4, 1, 0]);
    expect(splitCounts(0, [0.7, 0.15, 0.15])).toEqual([0, 0, 0]);
  });
});

describe('splitStratified', () => {
  it('splits each class with the fractions, disjoint and complete', () => {
    const items = make([10, 20, 3, 2]);
    const split = splitStratified(items, { seed: 1 });
    expect(split.counts).toEqual({ train: [7, 14, 1, 1], val: [2, 3, 1, 1], test: [1, 3, 1, 0] });
    const all = [...split.train, ...split.val, ...split.test];
    expect(all).toHaveLength(items.length);
    expect(new Set(all.map((i) => i.path)).size).toBe(items.length);
    for (const name of ['train', 'val', 'test'] as const) {
      const perClass = [0, 1, 2, 3].map((c) => split[name].filter((i) => i.label === c).length);
      expect(perClass, name).toEqual(split.counts[name]);
      // Input order is kept inside a split.
      expect(split[name].map((i) => items.indexOf(i))).toEqual([...split[name].map((i) => items.indexOf(i))].sort((a, b) => a - b));
    }
  });

  it('is deterministic by seed, and a new class leaves the other classes split as before', () => {
    const items = make([30, 30]);
    const a = splitStratified(items, { seed: 7 });
    expect(splitStratified(items, { seed: 7 })).toEqual(a);
    const b = splitStratified(items, { seed: 8 });
    expect(b.test.map((i) => i.path)).not.toEqual(a.test.map((i) => i.path));
    const more = splitStratified(make([30, 30, 12]), { seed: 7 });
    expect(more.test.filter((i) => i.label < 2).map((i) => i.path)).toEqual(a.test.map((i) => i.path));
    // Default seed 0: the same split on every run.
    expect(splitStratified(items)).toEqual(splitStratified(items, { seed: 0 }));
  });

  it('accepts two-way splits and rejects fractions that do not sum to 1', () => {
    const split = splitStratified(make([10, 5]), { train: 0.8, val: 0.2 });
    expect(split.test).toEqual([]);
    expect(split.counts.train).toEqual([8, 4]);
    expect(() => splitStratified(make([4]), { train: 0.8 })).toThrow(InvalidArgumentError);
    expect(() => splitStratified(make([4]), { train: 0.8 })).toThrow(/train \+ val \+ test = 1/);
    expect(() => splitStratified(make([4]), { train: 1.2, val: -0.2 })).toThrow(/options\.train/);
    expect(() => splitStratified([{ label: -1 }])).toThrow(/items\[0\]\.label/);
  });
});
