import { InvalidArgumentError, ShapeMismatchError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { rawDistance, type DistanceMetric } from '../distance.js';
import { clusteredEmbeddings } from '../db/test-support/random-embeddings.js';
import { identificationAccuracy } from './identification.js';

// Person A: a0 (0,0), a1 (0,1), a2 (2.9,0) (a bad picture, near B); B: b0 (3,0), b1 (3,1); C: c0 (0,5), c1 (1,5).
const embeddings = [
  [0, 0],
  [0, 1],
  [2.9, 0],
  [3, 0],
  [3, 1],
  [0, 5],
  [1, 5],
];
const labels = ['A', 'A', 'A', 'B', 'B', 'C', 'C'];

describe('identificationAccuracy', () => {
  it('one-shot by hand: gallery a0, b0, c0', () => {
    const r = identificationAccuracy(embeddings, labels, { pick: 'first', ranks: [1, 2, 3] });
    // a1: A 1, B √10, C 4 → rank 1. a2: A 2.9, B 0.1 → rank 2. b1: B 1 → rank 1. c1: C 1 → rank 1.
    expect(r.gallery).toEqual([0, 3, 5]);
    expect(r.probes).toEqual([1, 2, 4, 6]);
    expect(r.probeRanks).toEqual([1, 2, 1, 1]);
    expect(r.cmc).toEqual([0.75, 1, 1]);
    expect(r.rankAccuracy).toEqual([
      { rank: 1, accuracy: 0.75 },
      { rank: 2, accuracy: 1 },
      { rank: 3, accuracy: 1 },
    ]);
    expect(r.galleryIdentities).toBe(3);
  });

  it('two enrolled per person by hand, for min, mean and centroid', () => {
    // Gallery A: a0, a1; B: b0, b1; C: c0, c1 (all of C and B: no probes). The only probe is a2 (2.9, 0):
    // min: A 2.9, B 0.1; mean: A (2.9 + √9.41)/2, B (0.1 + √1.01)/2; centroid: A (0, .5) → √8.66, B (3, .5) → √0.26.
    for (const aggregate of ['min', 'mean', 'centroid'] as const) {
      const r = identificationAccuracy(embeddings, labels, { pick: 'first', enrollPerIdentity: 2, aggregate });
      expect(r.probes).toEqual([2]);
      expect(r.probeRanks).toEqual([2]);
      expect(r.rankAccuracy[0]).toEqual({ rank: 1, accuracy: 0 });
    }
    // Where they differ: A = {(0,0), (0,2)} and its probe (0,1) between them; B = {(0,1.9), (10,10)}, probe (9,9).
    const e2 = [
      [0, 0],
      [0, 2],
      [0, 1],
      [0, 1.9],
      [10, 10],
      [9, 9],
    ];
    const l2 = ['A', 'A', 'A', 'B', 'B', 'B'];
    const ranks = (aggregate: 'min' | 'mean' | 'centroid') => identificationAccuracy(e2, l2, { pick: 'first', enrollPerIdentity: 2, aggregate }).probeRanks;
    // (0,1): min A 1 > B 0.9 → rank 2; mean A 1 < B (0.9 + √181)/2 → 1; centroid A (0,1) → 0 → 1.
    // (9,9): B's (10,10) at √2 wins for every aggregate.
    expect(ranks('min')).toEqual([2, 1]);
    expect(ranks('mean')).toEqual([1, 1]);
    expect(ranks('centroid')).toEqual([1, 1]);
  });

  it('a tie with the true identity counts against it', () => {
    const r = identificationAccuracy(
      [
        [0, 0],
        [1, 0],
        [0, 0],
      ],
      ['A', 'A', 'B'],
      { pick: 'first' },
    );
    expect(r.probeRanks).toEqual([2]);
  });

  it('equals a plain-loop ranking on 60 people × 6 pictures, random split, every metric, N = 1 and 3', () => {
    const { embeddings: xs, labels: ys } = clusteredEmbeddings(60, 6, 32, 17, 0.6, 0.2);
    for (const metric of ['euclidean', 'cosine', 'euclidean-l2'] as DistanceMetric[]) {
      for (const n of [1, 3]) {
        const r = identificationAccuracy(xs, ys, { enrollPerIdentity: n, metric, seed: 9, ranks: [1, 5] });
        // The split: N pictures of each person enrolled, the rest probes, nothing lost, nothing twice.
        expect(r.gallery.length).toBe(60 * n);
        expect([...r.gallery, ...r.probes].sort((a, b) => a - b)).toEqual(xs.map((_, i) => i));
        for (let p = 0; p < 60; p++) expect(r.gallery.filter((i) => ys[i] === p)).toHaveLength(n);
        // Ranks by plain loops over that gallery.
        const want = r.probes.map((q) => {
          const best = new Map<number, number>();
          for (const g of r.gallery) best.set(ys[g]!, Math.min(best.get(ys[g]!) ?? Infinity, rawDistance(xs[q]!, xs[g]!, metric)));
          const mine = best.get(ys[q]!)!;
          return 1 + [...best].filter(([id, d]) => id !== ys[q] && d <= mine).length;
        });
        expect(r.probeRanks).toEqual(want);
        expect(r.rankAccuracy[0]!.accuracy).toBeCloseTo(want.filter((k) => k === 1).length / want.length, 12);
        expect(r.rankAccuracy[1]!.accuracy).toBeCloseTo(want.filter((k) => k <= 5).length / want.length, 12);
        expect(r.cmc.at(-1)).toBe(1);
        // The same seed gives the same split; another seed another one.
        expect(identificationAccuracy(xs, ys, { enrollPerIdentity: n, metric, seed: 9 }).gallery).toEqual(r.gallery);
        expect(identificationAccuracy(xs, ys, { enrollPerIdentity: n, metric, seed: 10 }).gallery).not.toEqual(r.gallery);
      }
    }
    // More pictures enrolled help on these overlapping clusters.
    const one = identificationAccuracy(xs, ys, { enrollPerIdentity: 1, seed: 9 }).rankAccuracy[0]!.accuracy;
    const three = identificationAccuracy(xs, ys, { enrollPerIdentity: 3, seed: 9 }).rankAccuracy[0]!.accuracy;
    expect(three).toBeGreaterThan(one);
  });

  it('refuses inputs without probes or with mismatched lengths', () => {
    expect(() => identificationAccuracy(embeddings, labels, { enrollPerIdentity: 3 })).toThrow(/more than 3 images/);
    expect(() => identificationAccuracy(embeddings, labels.slice(1))).toThrow(ShapeMismatchError);
    expect(() => identificationAccuracy(embeddings, labels, { enrollPerIdentity: 0 })).toThrow(InvalidArgumentError);
    expect(() => identificationAccuracy(embeddings, labels, { ranks: [0] })).toThrow(/ranks/);
    expect(() => identificationAccuracy([[0, 0], [1]], ['a', 'a'])).toThrow(/length 1/);
  });
});
