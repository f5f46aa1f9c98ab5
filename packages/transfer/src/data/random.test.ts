import { describe, expect, it } from 'vitest';
import { mixSeed, normal, seededRandom, shuffleInPlace, toRandom } from './random.js';

describe('seeded randomness', () => {
  it('repeats by seed and differs between seeds', () => {
    const draw = (r: () => number) => Array.from({ length: 5 }, r);
    expect(draw(seededRandom(3))).toEqual(draw(seededRandom(3)));
    expect(draw(seededRandom(3))).not.toEqual(draw(seededRandom(4)));
    expect(draw(toRandom(3))).toEqual(draw(seededRandom(3)));
    expect(mixSeed(1, 0)).toBe(mixSeed(1, 0));
    expect(new Set([mixSeed(1, 0), mixSeed(1, 1), mixSeed(0, 1), mixSeed(2, 0)]).size).toBe(4);
  });

  it('shuffles to a permutation and draws normals with the right moments', () => {
    const p = shuffleInPlace(Array.from({ length: 50 }, (_, i) => i), seededRandom(1));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const r = seededRandom(9);
    const xs = Array.from({ length: 20000 }, () => normal(r, 1, 2));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(mean).toBeGreaterThan(0.95);
    expect(mean).toBeLessThan(1.05);
    expect(std).toBeGreaterThan(1.95);
    expect(std).toBeLessThan(2.05);
  });
});
