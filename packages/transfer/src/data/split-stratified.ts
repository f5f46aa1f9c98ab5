/**
 * Stratified train/val/test split: each class is split on its own with the same fractions, so every split
 * keeps the class balance of the whole set (sklearn's `train_test_split(stratify=y)`, three ways).
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { mixSeed, seededRandom, shuffleInPlace } from './random.js';

export interface SplitStratifiedOptions {
  /** Fractions of each class; they must sum to 1. Default 0.7 / 0.15 / 0.15; when any is given, missing ones are 0. */
  train?: number;
  val?: number;
  test?: number;
  /** Seed of the per-class shuffles (default 0: the same split on every run). */
  seed?: number;
}

export interface StratifiedSplit<T> {
  train: T[];
  val: T[];
  test: T[];
  /** Items per class in each split: counts.train[label]. */
  counts: { train: number[]; val: number[]; test: number[] };
}

const SPLITS = ['train', 'val', 'test'] as const;

/**
 * How many of `n` items each split gets: largest remainder on n * fraction, then every split with a
 * fraction > 0 gets at least one item while n allows it (taken from the largest split).
 */
export function splitCounts(n: number, fractions: readonly number[]): number[] {
  const ideal = fractions.map((f) => f * n);
  const counts = ideal.map((x) => Math.floor(x + 1e-9));
  let left = n - counts.reduce((a, b) => a + b, 0);
  const byRemainder = ideal.map((x, i) => ({ i, r: x - counts[i]! })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % byRemainder.length) {
    const { i } = byRemainder[k]!;
    if (fractions[i]! > 0) {
      counts[i]!++;
      left--;
    }
  }
  for (let i = 0; i < counts.length; i++) {
    if (fractions[i]! <= 0 || counts[i]! > 0) continue;
    let donor = -1;
    for (let j = 0; j < counts.length; j++) if (counts[j]! > 1 && (donor < 0 || counts[j]! > counts[donor]!)) donor = j;
    if (donor < 0) break; // fewer items than splits: earlier splits (train, then val) keep theirs
    counts[donor]!--;
    counts[i]!++;
  }
  return counts;
}

/**
 * Splits items ({ label } objects, e.g. from readImageFolder) into train/val/test per class. Deterministic:
 * class c is shuffled with a stream seeded by (seed, c), so the same seed gives the same split, and adding a
 * class leaves the other classes' splits unchanged. Every class is in every split with a fraction > 0 when it
 * has at least as many items as there are such splits. Items keep their input order within each split.
 */
export function splitStratified<T extends { label: number }>(items: readonly T[], options: SplitStratifiedOptions = {}): StratifiedSplit<T> {
  if (!Array.isArray(items)) throw new InvalidArgumentError('items', 'an array of { label } items', describeValue(items));
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { train?, val?, test?, seed? }', describeValue(options));
  const anyGiven = SPLITS.some((s) => options[s] !== undefined);
  const fractions = SPLITS.map((s) => {
    const f = options[s] ?? (anyGiven ? 0 : s === 'train' ? 0.7 : 0.15);
    if (typeof f !== 'number' || !Number.isFinite(f) || f < 0 || f > 1) throw new InvalidArgumentError(`options.${s}`, 'a fraction in [0, 1]', describeValue(f));
    return f;
  });
  const total = fractions.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-6) {
    throw new InvalidArgumentError('options', 'train + val + test = 1', `${fractions.join(' + ')} = ${total}`);
  }
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new InvalidArgumentError('options.seed', 'a finite number', describeValue(seed));

  const byClass: number[][] = [];
  items.forEach((item, i) => {
    const label = (item as { label?: unknown } | null)?.label;
    if (typeof label !== 'number' || !Number.isInteger(label) || label < 0) {
      throw new InvalidArgumentError(`items[${i}].label`, 'an integer >= 0', describeValue(label));
    }
    (byClass[label] ??= []).push(i);
  });

  const assigned = new Int8Array(items.length);
  const counts = { train: [] as number[], val: [] as number[], test: [] as number[] };
  for (let label = 0; label < byClass.length; label++) {
    const indices = byClass[label] ?? [];
    const perSplit = splitCounts(indices.length, fractions);
    shuffleInPlace(indices, seededRandom(mixSeed(seed, label)));
    let start = 0;
    perSplit.forEach((count, s) => {
      for (let k = start; k < start + count; k++) assigned[indices[k]!] = s;
      start += count;
      counts[SPLITS[s]!].push(count);
    });
  }
  const out: StratifiedSplit<T> = { train: [], val: [], test: [], counts };
  items.forEach((item, i) => out[SPLITS[assigned[i]!]!].push(item));
  return out;
}
