import { InvalidArgumentError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { makeVerificationPairs, pairDistances, type VerificationPair } from './pairs.js';

const key = (p: VerificationPair) => `${p.a}-${p.b}`;

/** Checks the invariants every pair list must satisfy, and returns the genuine / impostor lists. */
function check(labels: readonly (string | number)[], pairs: VerificationPair[]) {
  for (const p of pairs) {
    expect(p.a).toBeLessThan(p.b);
    expect(p.same).toBe(labels[p.a] === labels[p.b]);
  }
  expect(new Set(pairs.map(key)).size).toBe(pairs.length); // no pair twice
  return { genuine: pairs.filter((p) => p.same), impostor: pairs.filter((p) => !p.same) };
}

describe('makeVerificationPairs', () => {
  it('every genuine pair plus as many distinct impostor pairs, deterministic for a seed', () => {
    const labels = ['a', 'a', 'b', 'b', 'b', 'c'];
    const pairs = makeVerificationPairs(labels, { seed: 1 });
    const { genuine, impostor } = check(labels, pairs);
    // a: (0,1); b: (2,3) (2,4) (3,4).
    expect(genuine.map(key).sort()).toEqual(['0-1', '2-3', '2-4', '3-4']);
    expect(impostor).toHaveLength(4);
    expect(makeVerificationPairs(labels, { seed: 1 })).toEqual(pairs);
    expect(makeVerificationPairs(labels, { seed: 2 })).not.toEqual(pairs);
    // shuffle: false keeps the genuine pairs first, in label then index order.
    expect(makeVerificationPairs(labels, { seed: 1, shuffle: false }).slice(0, 4).map(key)).toEqual(['0-1', '2-3', '2-4', '3-4']);
  });

  it('draws all impostor pairs when there are not more of them than genuine ones', () => {
    // 3 genuine pairs, 3 impostor pairs in all (the enumeration branch).
    const few = makeVerificationPairs([1, 1, 1, 2], { seed: 5 });
    expect(check([1, 1, 1, 2], few).impostor.map(key).sort()).toEqual(['0-3', '1-3', '2-3']);
    // 6 genuine pairs, only 4 impostor pairs: all 4.
    const fewer = makeVerificationPairs([1, 1, 1, 1, 2]);
    expect(check([1, 1, 1, 1, 2], fewer)).toMatchObject({ genuine: expect.any(Array) });
    expect(fewer.filter((p) => !p.same)).toHaveLength(4);
    expect(fewer.filter((p) => p.same)).toHaveLength(6);
    // One person: only genuine pairs. No repeated person: nothing.
    expect(makeVerificationPairs(['x', 'x', 'x']).every((p) => p.same)).toBe(true);
    expect(makeVerificationPairs([1, 2, 3])).toEqual([]);
  });

  it('a 40 × 10 set: 1,800 genuine and 1,800 distinct impostor pairs, mixed by the shuffle', () => {
    const labels = Array.from({ length: 400 }, (_, i) => Math.floor(i / 10));
    const pairs = makeVerificationPairs(labels, { seed: 3 });
    const { genuine, impostor } = check(labels, pairs);
    expect(genuine).toHaveLength(40 * 45);
    expect(impostor).toHaveLength(1_800);
    // Each tenth of the list holds both kinds (what k-fold needs).
    for (let f = 0; f < 10; f++) {
      const part = pairs.slice(f * 360, (f + 1) * 360);
      expect(part.filter((p) => p.same).length).toBeGreaterThan(120);
      expect(part.filter((p) => !p.same).length).toBeGreaterThan(120);
    }
  });

  it('refuses bad labels and seeds', () => {
    expect(() => makeVerificationPairs('abc' as never)).toThrow(InvalidArgumentError);
    expect(() => makeVerificationPairs([1, null] as never)).toThrow(/labels\[1\]/);
    expect(() => makeVerificationPairs([1, 1], { seed: 0.5 })).toThrow(/seed/);
  });
});

describe('pairDistances', () => {
  it('labelled distances by hand', () => {
    const embeddings = [
      [0, 0],
      [3, 4],
      [0, 1],
    ];
    const pairs = [
      { a: 0, b: 1, same: false },
      { a: 1, b: 2, same: true },
    ];
    expect(pairDistances(embeddings, pairs)).toEqual([
      { distance: 5, same: false },
      { distance: Math.sqrt(18), same: true },
    ]);
    // cosine of (3, 4) and (0, 1): 1 − 4/5.
    expect(pairDistances(embeddings, pairs, 'cosine')[1]!.distance).toBeCloseTo(0.2, 6);
    expect(() => pairDistances(embeddings, [{ a: 0, b: 3, same: true }])).toThrow(/pairs\[0\]/);
    expect(() => pairDistances([[0, 0], [1]], pairs)).toThrow(/length 1/);
  });
});
