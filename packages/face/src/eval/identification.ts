/**
 * Closed-set identification accuracy (rank-1, rank-k, the CMC curve) with N enrolled images per person
 * (N = 1: one-shot). Per person, N images form the gallery and the others are probes; a probe is right at rank k
 * when its person is among the k gallery identities nearest to it. Identities are ranked as in FaceDatabase:
 * 'min' (nearest enrolled image), 'mean' (mean distance to the enrolled images) or 'centroid' (distance to the
 * mean enrolled embedding; of the L2-normalised embeddings for 'cosine' / 'euclidean-l2').
 */
import { InvalidArgumentError, ShapeMismatchError, describeValue } from '@cnn/ops';
import { assertMetric, l2Normalize, rawDistance, toEmbedding, type DistanceMetric, type Embedding, type EmbeddingLike } from '../distance.js';
import { IDENTITY_AGGREGATES, type IdentityAggregate } from '../match/identify-result.js';
import { mulberry32, shuffleInPlace } from './random.js';

export interface IdentificationOptions {
  /** Images enrolled per person (default 1: one-shot). People with ≤ N images are all enrolled: distractors without probes. */
  enrollPerIdentity?: number;
  /** The ranks to report (default [1, 5]). */
  ranks?: readonly number[];
  /** Default 'euclidean'. */
  metric?: DistanceMetric;
  /** Default 'min'. */
  aggregate?: IdentityAggregate;
  /** Which images are enrolled: 'random' (seeded, default) or 'first' (the first N of each person, in input order). */
  pick?: 'random' | 'first';
  /** Seed for pick 'random' (default 0). */
  seed?: number;
}

export interface IdentificationResult {
  /** The accuracy at each requested rank. */
  rankAccuracy: { rank: number; accuracy: number }[];
  /** cmc[r − 1] = fraction of probes whose person is within the r nearest identities, r = 1 … gallery size. */
  cmc: number[];
  /** The rank of each probe's true identity (1 = nearest), in probe order. */
  probeRanks: number[];
  /** The probes' image indices. */
  probes: number[];
  /** The enrolled image indices. */
  gallery: number[];
  galleryIdentities: number;
  enrollPerIdentity: number;
}

/**
 * Rank-k identification accuracy of embeddings with labels. A tie with the true identity counts against it
 * (rank = 1 + the number of other identities at a distance ≤ the true one's).
 */
export function identificationAccuracy(embeddings: readonly EmbeddingLike[], labels: readonly (string | number)[], options: IdentificationOptions = {}): IdentificationResult {
  if (!Array.isArray(embeddings) || embeddings.length === 0) throw new InvalidArgumentError('embeddings', 'a non-empty array of embeddings', describeValue(embeddings));
  if (!Array.isArray(labels) || labels.length !== embeddings.length) {
    throw new ShapeMismatchError('labels', `${Array.isArray(labels) ? labels.length : describeValue(labels)} labels for ${embeddings.length} embeddings.`);
  }
  const n = options.enrollPerIdentity ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('options.enrollPerIdentity', 'an integer >= 1', describeValue(n));
  const metric = options.metric ?? 'euclidean';
  assertMetric(metric, 'options.metric');
  const aggregate = options.aggregate ?? 'min';
  if (!IDENTITY_AGGREGATES.includes(aggregate)) throw new InvalidArgumentError('options.aggregate', IDENTITY_AGGREGATES.map((a) => `'${a}'`).join(', '), describeValue(aggregate));
  const pick = options.pick ?? 'random';
  if (pick !== 'random' && pick !== 'first') throw new InvalidArgumentError('options.pick', "'random' or 'first'", describeValue(pick));
  const ranks = options.ranks ?? [1, 5];
  for (const r of ranks) if (!Number.isInteger(r) || r < 1) throw new InvalidArgumentError('options.ranks', 'integers >= 1', describeValue(r));

  const vectors = embeddings.map((e, i) => toEmbedding(e, `embeddings[${i}]`));
  const dim = vectors[0]!.length;
  for (const [i, v] of vectors.entries()) if (v.length !== dim) throw new ShapeMismatchError(`embeddings[${i}]`, `length ${v.length}, the first has ${dim}.`);

  const byLabel = new Map<string | number, number[]>();
  for (const [i, l] of labels.entries()) {
    if (typeof l !== 'string' && typeof l !== 'number') throw new InvalidArgumentError(`labels[${i}]`, 'a string or a number', describeValue(l));
    const g = byLabel.get(l);
    if (g) g.push(i);
    else byLabel.set(l, [i]);
  }
  const next = mulberry32(options.seed ?? 0);
  const identityGallery: number[][] = [];
  const identityOfLabel = new Map<string | number, number>();
  const gallery: number[] = [];
  const probes: number[] = [];
  for (const [label, images] of byLabel) {
    const order = pick === 'random' ? shuffleInPlace([...images], next) : images;
    const enrolled = order.slice(0, n).sort((a, b) => a - b);
    identityOfLabel.set(label, identityGallery.length);
    identityGallery.push(enrolled);
    gallery.push(...enrolled);
    probes.push(...order.slice(n));
  }
  if (probes.length === 0) throw new InvalidArgumentError('labels', `someone with more than ${n} images (to have probes)`, 'nobody', 'Lower enrollPerIdentity.');
  probes.sort((a, b) => a - b);
  gallery.sort((a, b) => a - b);

  const angular = metric !== 'euclidean';
  const centroids =
    aggregate === 'centroid'
      ? identityGallery.map((ids) => {
          const c = new Float64Array(dim);
          for (const i of ids) {
            const x = angular ? l2Normalize(vectors[i]!) : vectors[i]!;
            for (let j = 0; j < dim; j++) c[j]! += x[j]!;
          }
          return Float32Array.from(c, (s) => s / ids.length) as Embedding;
        })
      : undefined;

  const m = identityGallery.length;
  const hits = new Array<number>(m).fill(0);
  const probeRanks: number[] = [];
  const d = new Float64Array(m);
  for (const p of probes) {
    const q = vectors[p]!;
    for (let g = 0; g < m; g++) {
      if (centroids) d[g] = rawDistance(q, centroids[g]!, metric);
      else {
        let best = Infinity;
        let sum = 0;
        for (const i of identityGallery[g]!) {
          const x = rawDistance(q, vectors[i]!, metric);
          if (x < best) best = x;
          sum += x;
        }
        d[g] = aggregate === 'min' ? best : sum / identityGallery[g]!.length;
      }
    }
    const truth = identityOfLabel.get(labels[p]!)!;
    let rank = 1;
    for (let g = 0; g < m; g++) if (g !== truth && d[g]! <= d[truth]!) rank++;
    probeRanks.push(rank);
    hits[rank - 1]!++;
  }
  const cmc: number[] = [];
  let acc = 0;
  for (let r = 0; r < m; r++) {
    acc += hits[r]!;
    cmc.push(acc / probes.length);
  }
  return {
    rankAccuracy: ranks.map((rank) => ({ rank, accuracy: cmc[Math.min(rank, m) - 1]! })),
    cmc,
    probeRanks,
    probes,
    gallery,
    galleryIdentities: m,
    enrollPerIdentity: n,
  };
}
