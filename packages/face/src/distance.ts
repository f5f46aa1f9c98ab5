/**
 * Distances between face embeddings (plain Float32Arrays, not tensors: a database search over thousands of
 * 128-number vectors is faster in a JS loop than through tensor dispatch). DeepFace's three metrics:
 * - 'euclidean': ‖a − b‖₂ (dlib / face-api descriptors: same person below ~0.6);
 * - 'cosine': 1 − a·b / (‖a‖‖b‖), in [0, 2];
 * - 'euclidean-l2': ‖a/‖a‖ − b/‖b‖‖₂ = sqrt(2 · cosine), in [0, 2].
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';

export type DistanceMetric = 'euclidean' | 'cosine' | 'euclidean-l2';
export const DISTANCE_METRICS: readonly DistanceMetric[] = ['euclidean', 'cosine', 'euclidean-l2'];

/** An embedding: a finite vector of numbers. */
export type Embedding = Float32Array;
/** What the public functions accept as an embedding. */
export type EmbeddingLike = Float32Array | Float64Array | readonly number[];

export function assertMetric(value: unknown, argument = 'metric'): asserts value is DistanceMetric {
  if (!DISTANCE_METRICS.includes(value as DistanceMetric)) {
    throw new InvalidArgumentError(argument, `one of ${DISTANCE_METRICS.map((m) => `'${m}'`).join(', ')}`, describeValue(value));
  }
}

/** Checks and copies an embedding into a Float32Array (finite numbers, optional expected length). */
export function toEmbedding(value: unknown, argument = 'embedding', length?: number): Embedding {
  const ok = value instanceof Float32Array || value instanceof Float64Array || Array.isArray(value);
  if (!ok) throw new InvalidArgumentError(argument, 'an embedding (Float32Array or number[])', describeValue(value));
  const v = value as ArrayLike<unknown>;
  if (v.length === 0 || (length !== undefined && v.length !== length)) {
    throw new InvalidArgumentError(argument, length !== undefined ? `an embedding of ${length} numbers` : 'a non-empty embedding', `${v.length} numbers`, 'Embeddings from different models cannot be compared.');
  }
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InvalidArgumentError(`${argument}[${i}]`, 'a finite number', describeValue(x));
    out[i] = x;
  }
  return out;
}

/** a / ‖a‖ (a zero vector stays zero). */
export function l2Normalize(a: ArrayLike<number>): Embedding {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * inv;
  return out;
}

/** Distance between two equal-length vectors (no checks: the hot loop of searches). */
export function rawDistance(a: ArrayLike<number>, b: ArrayLike<number>, metric: DistanceMetric): number {
  const n = a.length;
  if (metric === 'euclidean') {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const d = a[i]! - b[i]!;
      s += d * d;
    }
    return Math.sqrt(s);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < n; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  const denom = Math.sqrt(na) * Math.sqrt(nb);
  const cos = denom > 0 ? Math.min(1, Math.max(-1, dot / denom)) : 0;
  const cosineDistance = 1 - cos;
  return metric === 'cosine' ? cosineDistance : Math.sqrt(2 * cosineDistance);
}

/** Distance between two embeddings with the chosen metric (default 'euclidean'); checks its input. */
export function distance(a: EmbeddingLike, b: EmbeddingLike, metric: DistanceMetric = 'euclidean'): number {
  assertMetric(metric);
  const x = toEmbedding(a, 'a');
  const y = toEmbedding(b, 'b', x.length);
  return rawDistance(x, y, metric);
}

/** rows × cols matrix of distances (row i = a[i] against every b[j]), row-major. */
export function distanceMatrix(a: readonly EmbeddingLike[], b: readonly EmbeddingLike[] = a, metric: DistanceMetric = 'euclidean'): Float32Array[] {
  assertMetric(metric);
  if (!Array.isArray(a) || !Array.isArray(b)) throw new InvalidArgumentError('a / b', 'arrays of embeddings', `${describeValue(a)} / ${describeValue(b)}`);
  const xs = a.map((v, i) => toEmbedding(v, `a[${i}]`));
  const len = xs[0]?.length;
  const ys = b === a ? xs : b.map((v, i) => toEmbedding(v, `b[${i}]`, len));
  for (const [i, x] of xs.entries()) if (x.length !== len) toEmbedding(x, `a[${i}]`, len);
  return xs.map((x) => Float32Array.from(ys, (y) => rawDistance(x, y, metric)));
}
