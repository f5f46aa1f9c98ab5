/**
 * Verification pairs for a folder-per-identity set: every genuine pair (two images of one person) and as many
 * impostor pairs (two people), drawn without repetition by a seeded generator, so the same labels and seed
 * always give the same list.
 */
import { InvalidArgumentError, ShapeMismatchError, describeValue } from '@cnn/ops';
import { assertMetric, rawDistance, toEmbedding, type DistanceMetric, type EmbeddingLike } from '../distance.js';
import type { LabeledDistance } from './roc.js';
import { mulberry32, shuffleInPlace } from './random.js';

/** Two image indices (a < b) and whether they show the same person. */
export interface VerificationPair {
  a: number;
  b: number;
  same: boolean;
}

export interface MakeVerificationPairsOptions {
  /** Seed of the impostor draw and the shuffle (default 0). */
  seed?: number;
  /** Shuffle the list so genuine and impostor pairs mix in every fold (default true; false: genuine first). */
  shuffle?: boolean;
}

/**
 * All genuine pairs of `labels` (one label per image, equal labels = same person) plus an equal number of
 * distinct impostor pairs drawn uniformly (all of them when there are fewer). Deterministic for a seed.
 */
export function makeVerificationPairs(labels: readonly (string | number)[], options: MakeVerificationPairsOptions = {}): VerificationPair[] {
  if (!Array.isArray(labels)) throw new InvalidArgumentError('labels', 'an array of labels (one per image)', describeValue(labels));
  for (const [i, l] of labels.entries()) {
    if (typeof l !== 'string' && !(typeof l === 'number' && Number.isFinite(l))) throw new InvalidArgumentError(`labels[${i}]`, 'a string or a finite number', describeValue(l));
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('options.seed', 'an integer', describeValue(seed));
  const n = labels.length;
  const groups = new Map<string | number, number[]>();
  for (let i = 0; i < n; i++) {
    const g = groups.get(labels[i]!);
    if (g) g.push(i);
    else groups.set(labels[i]!, [i]);
  }
  const genuine: VerificationPair[] = [];
  for (const g of groups.values()) for (let x = 0; x < g.length; x++) for (let y = x + 1; y < g.length; y++) genuine.push({ a: g[x]!, b: g[y]!, same: true });
  const totalImpostor = (n * (n - 1)) / 2 - genuine.length;
  const want = Math.min(genuine.length, totalImpostor);
  const next = mulberry32(seed);
  let impostor: VerificationPair[] = [];
  if (want > 0 && want * 2 <= totalImpostor) {
    // Rejection sampling: each draw is accepted with probability ≥ 1/2 of the impostor space left.
    const taken = new Set<number>();
    while (impostor.length < want) {
      const i = Math.floor(next() * n);
      const j = Math.floor(next() * n);
      if (i === j || labels[i] === labels[j]) continue;
      const a = Math.min(i, j);
      const b = Math.max(i, j);
      const key = a * n + b;
      if (taken.has(key)) continue;
      taken.add(key);
      impostor.push({ a, b, same: false });
    }
  } else if (want > 0) {
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (labels[a] !== labels[b]) impostor.push({ a, b, same: false });
    impostor = shuffleInPlace(impostor, next).slice(0, want);
  }
  const out = [...genuine, ...impostor];
  return options.shuffle === false ? out : shuffleInPlace(out, next);
}

/** The distance of each pair's two embeddings, labelled (input of rocCurve, kFoldVerification, …). */
export function pairDistances(embeddings: readonly EmbeddingLike[], pairs: readonly VerificationPair[], metric: DistanceMetric = 'euclidean'): LabeledDistance[] {
  assertMetric(metric);
  if (!Array.isArray(embeddings) || embeddings.length === 0) throw new InvalidArgumentError('embeddings', 'a non-empty array of embeddings', describeValue(embeddings));
  if (!Array.isArray(pairs)) throw new InvalidArgumentError('pairs', 'an array of { a, b, same }', describeValue(pairs));
  const first = toEmbedding(embeddings[0], 'embeddings[0]');
  const vectors = embeddings.map((e, i) => (i === 0 ? first : toEmbedding(e, `embeddings[${i}]`)));
  for (const [i, v] of vectors.entries()) if (v.length !== first.length) throw new ShapeMismatchError(`embeddings[${i}]`, `length ${v.length}, the first has ${first.length}.`);
  return pairs.map((p, i) => {
    const ok = p !== null && typeof p === 'object' && Number.isInteger(p.a) && Number.isInteger(p.b) && p.a >= 0 && p.b >= 0 && p.a < vectors.length && p.b < vectors.length && typeof p.same === 'boolean';
    if (!ok) throw new InvalidArgumentError(`pairs[${i}]`, `{ a, b: indices in 0..${vectors.length - 1}, same: boolean }`, describeValue(p));
    return { distance: rawDistance(vectors[p.a]!, vectors[p.b]!, metric), same: p.same };
  });
}
