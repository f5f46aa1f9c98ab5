/**
 * P×K batches (Hermans et al. 2017): each batch holds P people and K pictures of each, so every anchor has
 * K − 1 positives and (P − 1)·K negatives to mine from. Seeded: the same seed gives the same batches.
 */
import { InvalidArgumentError, describeValue, mulberry32 } from '@cnn/ops';

export interface PKSamplerOptions {
  /** P, people per batch (default 8). When fewer people have two or more pictures, all of them are used. */
  identitiesPerBatch?: number;
  /** K, pictures per person (default 4). A person with fewer pictures has some repeated. */
  imagesPerIdentity?: number;
  /** Default 0. */
  seed?: number;
}

export interface PKSampler {
  /** Row indices of the next batch, person by person (P·K of them). */
  next(): number[];
  /** P and K in use, and the people that can be drawn (those with at least two pictures). */
  readonly identitiesPerBatch: number;
  readonly imagesPerIdentity: number;
  readonly identities: readonly number[];
}

/** The first `k` of a seeded Fisher-Yates shuffle of `items` (a copy). */
function sample<T>(items: readonly T[], k: number, random: () => number): T[] {
  const a = [...items];
  const n = Math.min(k, a.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}

/** A seeded P×K sampler over `labels` (one identity per row of the data). */
export function createPKSampler(labels: ArrayLike<number>, options: PKSamplerOptions = {}): PKSampler {
  const P = options.identitiesPerBatch ?? 8;
  const K = options.imagesPerIdentity ?? 4;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(P) || P < 2) throw new InvalidArgumentError('options.identitiesPerBatch', 'an integer >= 2 (negatives need a second person)', describeValue(P));
  if (!Number.isInteger(K) || K < 2) throw new InvalidArgumentError('options.imagesPerIdentity', 'an integer >= 2 (positives need a second picture)', describeValue(K));
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('options.seed', 'an integer', describeValue(seed));
  const rows = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!Number.isFinite(l)) throw new InvalidArgumentError(`labels[${i}]`, 'a finite number', describeValue(l));
    const list = rows.get(l);
    if (list) list.push(i);
    else rows.set(l, [i]);
  }
  const identities = [...rows.keys()].filter((l) => rows.get(l)!.length >= 2);
  if (identities.length < 2) {
    throw new InvalidArgumentError('labels', 'at least two people with two or more pictures each', `${identities.length} such people among ${rows.size}`, 'Triplets need a positive pair and a negative.');
  }
  const random = mulberry32(seed);
  const p = Math.min(P, identities.length);
  return {
    identitiesPerBatch: p,
    imagesPerIdentity: K,
    identities,
    next(): number[] {
      const batch: number[] = [];
      for (const id of sample(identities, p, random)) {
        const own = rows.get(id)!;
        const picked = sample(own, K, random);
        while (picked.length < K) picked.push(own[Math.floor(random() * own.length)]!);
        batch.push(...picked);
      }
      return batch;
    },
  };
}
