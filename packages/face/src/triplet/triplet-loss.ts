/**
 * The triplet loss of FaceNet (Schroff et al. 2015), as the course writes it for one triplet
 *
 *     L(A, P, N) = max(‖f(A) − f(P)‖² − ‖f(A) − f(N)‖² + α, 0)
 *
 * and with the three ways of choosing triplets inside a batch that practice uses ("online mining"):
 * - 'batch-all' (Hermans, Beyer & Leibe 2017, "In Defense of the Triplet Loss"): every valid triplet
 *   (a, p, n) with label(a) = label(p), a ≠ p, label(n) ≠ label(a); the sum of their losses divided by the
 *   number of triplets whose loss is positive (> 0), so easy triplets do not dilute the mean. 0 when none is.
 * - 'batch-hard' (Hermans et al.): per anchor, its farthest positive and its closest negative; the mean over
 *   the anchors that have both.
 * - 'semi-hard' (FaceNet; TF Addons `triplet_semihard_loss`): per (anchor, positive) pair, the closest negative
 *   that is still farther from the anchor than the positive (D(a,n) > D(a,p)). When no negative is farther,
 *   TF Addons uses the anchor's *farthest* negative (`semiHardFallback: 'farthest'`, the default here);
 *   `'hardest'` uses the closest negative instead. The mean over all positive pairs (zeros included), as TF
 *   Addons divides by the number of positive pairs.
 *
 * Distances: 'squared-l2' ‖a − b‖² (FaceNet, the course), or 'cosine' 1 − a·b/(‖a‖‖b‖). On L2-normalized
 * embeddings squared-l2 = 2 · cosine, so α means twice as much under 'cosine'.
 *
 * The mining (which triplets count) is read from the distance values and is not differentiated, as in every
 * reference implementation; the loss is differentiable with respect to the embeddings through the chosen
 * distances.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, assertOneOf, assertTensor, describeValue } from '@cnn/ops';

export type TripletMining = 'batch-all' | 'batch-hard' | 'semi-hard';
export const TRIPLET_MINING: readonly TripletMining[] = ['batch-all', 'batch-hard', 'semi-hard'];
export type TripletDistance = 'squared-l2' | 'cosine';
export const TRIPLET_DISTANCES: readonly TripletDistance[] = ['squared-l2', 'cosine'];

export interface TripletLossOptions {
  /** The margin α (default 0.2, FaceNet's value for squared L2 on unit-length embeddings). */
  margin?: number;
  /** Default 'squared-l2'. */
  distance?: TripletDistance;
  /** Default 'semi-hard'. */
  mining?: TripletMining;
  /** 'semi-hard' only: the negative used when no negative is farther than the positive (default 'farthest', as TF Addons). */
  semiHardFallback?: 'farthest' | 'hardest';
}

/** What the mining found in one batch (plain numbers, read from the forward pass). */
export interface TripletStats {
  mining: TripletMining;
  /**
   * Terms the loss is made of: valid triplets ('batch-all'), anchors with a positive and a negative
   * ('batch-hard'), (anchor, positive) pairs with a negative ('semi-hard').
   */
  terms: number;
  /** Terms whose loss is > 0 (they give gradients). */
  active: number;
  /** active / terms (0 when there are no terms). */
  activeFraction: number;
  /** The loss's value (same as the returned scalar). */
  loss: number;
  /** Mean anchor-positive and anchor-negative distance over all valid pairs of the batch. */
  meanPositiveDistance: number;
  meanNegativeDistance: number;
  /** 'semi-hard' only: pairs that had no negative farther than their positive and used the fallback. */
  fallbacks?: number;
}

export interface TripletLossResult {
  /** Scalar loss, differentiable with respect to the embeddings. */
  loss: tf.Scalar;
  stats: TripletStats;
}

/** Labels as plain numbers, checked against the batch size. */
export function readLabels(labels: unknown, batch: number, argument = 'labels'): Float64Array {
  let values: ArrayLike<number>;
  if (labels instanceof tf.Tensor) {
    assertTensor(labels, argument, { rank: 1 });
    values = labels.dataSync() as ArrayLike<number>;
  } else if (Array.isArray(labels) || labels instanceof Int32Array || labels instanceof Float32Array || labels instanceof Float64Array || labels instanceof Uint32Array) {
    values = labels as ArrayLike<number>;
  } else {
    throw new InvalidArgumentError(argument, 'a rank-1 tensor or an array of numbers (one identity per embedding)', describeValue(labels));
  }
  if (values.length !== batch) throw new ShapeMismatchError(argument, `${values.length} labels for ${batch} embeddings; give one identity per row.`);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`${argument}[${i}]`, 'a finite number', describeValue(v));
    out[i] = v;
  }
  return out;
}

interface ResolvedTripletOptions {
  margin: number;
  distance: TripletDistance;
  mining: TripletMining;
  semiHardFallback: 'farthest' | 'hardest';
}

export function resolveTripletOptions(options: TripletLossOptions, argument = 'options'): ResolvedTripletOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(argument, 'an options object', describeValue(options));
  const margin = options.margin ?? 0.2;
  if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0) throw new InvalidArgumentError(`${argument}.margin`, 'a finite number >= 0', describeValue(margin));
  const distance = options.distance ?? 'squared-l2';
  assertOneOf(distance, `${argument}.distance`, TRIPLET_DISTANCES);
  const mining = options.mining ?? 'semi-hard';
  assertOneOf(mining, `${argument}.mining`, TRIPLET_MINING);
  const semiHardFallback = options.semiHardFallback ?? 'farthest';
  assertOneOf(semiHardFallback, `${argument}.semiHardFallback`, ['farthest', 'hardest'] as const);
  return { margin, distance, mining, semiHardFallback };
}

/**
 * [B, B] distances between the rows of `e` (differentiable). Squared L2 as ‖a‖² − 2a·b + ‖b‖², clamped at 0
 * (rounding can make it slightly negative); cosine as 1 − â·b̂.
 */
function pairwiseDistances(e: tf.Tensor2D, distance: TripletDistance): tf.Tensor2D {
  return tf.tidy((): tf.Tensor2D => {
    if (distance === 'cosine') {
      const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(e), 1, true), 1e-12));
      const u = tf.div(e, norm);
      return tf.sub(1, tf.matMul(u, u, false, true)) as tf.Tensor2D;
    }
    const sq = tf.sum(tf.square(e), 1, true); // [B, 1]
    const gram = tf.matMul(e, e, false, true);
    return tf.relu(tf.add(tf.sub(sq, tf.mul(gram, 2)), tf.transpose(sq))) as tf.Tensor2D;
  });
}

const f32 = Math.fround;

/**
 * The triplet loss of a batch with online mining, and what the mining found. See the module comment for the
 * three modes. `embeddings` [B, d] float32; `labels` one identity per row (any numbers; equal = same person).
 */
export function tripletLossWithStats(embeddings: tf.Tensor2D, labels: tf.Tensor1D | ArrayLike<number>, options: TripletLossOptions = {}): TripletLossResult {
  assertTensor(embeddings, 'embeddings', { rank: 2, dtype: 'float32' });
  const o = resolveTripletOptions(options);
  const b = embeddings.shape[0];
  if (b < 2) throw new InvalidArgumentError('embeddings', 'at least 2 rows (a batch with positives and negatives)', describeValue(embeddings));
  const y = readLabels(labels, b);
  let stats: TripletStats | undefined;
  const loss = tf.tidy(() => {
    const d = pairwiseDistances(embeddings, o.distance);
    const dv = d.dataSync() as Float32Array; // mining reads the forward values; not differentiated
    const alpha = f32(o.margin);
    let posSum = 0;
    let posCount = 0;
    let negSum = 0;
    let negCount = 0;
    for (let a = 0; a < b; a++) {
      for (let j = 0; j < b; j++) {
        if (j === a) continue;
        if (y[a] === y[j]) {
          posSum += dv[a * b + j]!;
          posCount++;
        } else {
          negSum += dv[a * b + j]!;
          negCount++;
        }
      }
    }
    const common = { mining: o.mining, meanPositiveDistance: posCount ? posSum / posCount : 0, meanNegativeDistance: negCount ? negSum / negCount : 0 };

    if (o.mining === 'batch-all') {
      // mask[a, p, n] = 1 for valid triplets; the loss tensor is [B, B, B] (fine for batches of ~100).
      const mask = new Float32Array(b * b * b);
      let terms = 0;
      let active = 0;
      for (let a = 0; a < b; a++) {
        for (let p = 0; p < b; p++) {
          if (p === a || y[p] !== y[a]) continue;
          const dap = dv[a * b + p]!;
          for (let n = 0; n < b; n++) {
            if (y[n] === y[a]) continue;
            mask[(a * b + p) * b + n] = 1;
            terms++;
            // the same float32 arithmetic as the tensor expression below: (d_ap − d_an) + α
            if (f32(f32(dap - dv[a * b + n]!) + alpha) > 0) active++;
          }
        }
      }
      const all = tf.relu(tf.add(tf.sub(tf.expandDims(d, 2), tf.expandDims(d, 1)), alpha));
      const total = tf.sum(tf.mul(all, tf.tensor3d(mask, [b, b, b])));
      const value = active > 0 ? tf.div(total, active) : tf.mul(total, 0);
      stats = { ...common, terms, active, activeFraction: terms ? active / terms : 0, loss: 0 };
      return value as tf.Scalar;
    }

    const apIndex: number[] = [];
    const anIndex: number[] = [];
    let fallbacks = 0;
    for (let a = 0; a < b; a++) {
      if (o.mining === 'batch-hard') {
        let p = -1;
        let n = -1;
        for (let j = 0; j < b; j++) {
          if (j === a) continue;
          const v = dv[a * b + j]!;
          if (y[j] === y[a]) {
            if (p < 0 || v > dv[a * b + p]!) p = j;
          } else if (n < 0 || v < dv[a * b + n]!) n = j;
        }
        if (p >= 0 && n >= 0) {
          apIndex.push(a * b + p);
          anIndex.push(a * b + n);
        }
        continue;
      }
      // semi-hard: per positive pair
      let farthest = -1;
      let closest = -1;
      for (let j = 0; j < b; j++) {
        if (y[j] === y[a]) continue;
        const v = dv[a * b + j]!;
        if (farthest < 0 || v > dv[a * b + farthest]!) farthest = j;
        if (closest < 0 || v < dv[a * b + closest]!) closest = j;
      }
      if (farthest < 0) continue; // no negative for this anchor
      for (let p = 0; p < b; p++) {
        if (p === a || y[p] !== y[a]) continue;
        const dap = dv[a * b + p]!;
        let n = -1;
        for (let j = 0; j < b; j++) {
          if (y[j] === y[a]) continue;
          const v = dv[a * b + j]!;
          if (v > dap && (n < 0 || v < dv[a * b + n]!)) n = j;
        }
        if (n < 0) {
          fallbacks++;
          n = o.semiHardFallback === 'farthest' ? farthest : closest;
        }
        apIndex.push(a * b + p);
        anIndex.push(a * b + n);
      }
    }
    const terms = apIndex.length;
    let active = 0;
    for (let i = 0; i < terms; i++) if (f32(f32(dv[apIndex[i]!]! - dv[anIndex[i]!]!) + alpha) > 0) active++;
    stats = { ...common, terms, active, activeFraction: terms ? active / terms : 0, loss: 0, ...(o.mining === 'semi-hard' ? { fallbacks } : {}) };
    if (terms === 0) return tf.mul(tf.sum(d), 0) as tf.Scalar; // no positive pair or no negative: 0, still connected to the input
    const flat = tf.reshape(d, [b * b]);
    const dap = tf.gather(flat, tf.tensor1d(apIndex, 'int32'));
    const dan = tf.gather(flat, tf.tensor1d(anIndex, 'int32'));
    return tf.mean(tf.relu(tf.add(tf.sub(dap, dan), alpha))) as tf.Scalar;
  });
  const s = stats!;
  s.loss = loss.dataSync()[0]!;
  return { loss, stats: s };
}

/**
 * The triplet loss of a batch with online mining (see the module comment): a scalar, differentiable with
 * respect to `embeddings`. `tripletLossWithStats` also says how many triplets were active.
 *
 *     const loss = tripletLoss(model.apply(x) as tf.Tensor2D, labels, { mining: 'batch-hard', margin: 0.2 });
 */
export function tripletLoss(embeddings: tf.Tensor2D, labels: tf.Tensor1D | ArrayLike<number>, options: TripletLossOptions = {}): tf.Scalar {
  return tripletLossWithStats(embeddings, labels, options).loss;
}

/**
 * The course's loss over given triplets: J = Σᵢ max(‖aᵢ − pᵢ‖² − ‖aᵢ − nᵢ‖² + α, 0), a sum (not a mean) over
 * the rows of [m, d] tensors (a single [d] triplet works too). Default α = 0.2.
 */
export function tripletLossFromTriplets(anchor: tf.Tensor, positive: tf.Tensor, negative: tf.Tensor, margin = 0.2): tf.Scalar {
  assertTensor(anchor, 'anchor', { rank: [1, 2], dtype: 'float32' });
  assertTensor(positive, 'positive', { rank: [1, 2], dtype: 'float32' });
  assertTensor(negative, 'negative', { rank: [1, 2], dtype: 'float32' });
  for (const [t, name] of [
    [positive, 'positive'],
    [negative, 'negative'],
  ] as const) {
    if (t.shape.join() !== anchor.shape.join()) throw new ShapeMismatchError(name, `[${t.shape.join(', ')}] does not match the anchor's [${anchor.shape.join(', ')}].`);
  }
  if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0) throw new InvalidArgumentError('margin', 'a finite number >= 0', describeValue(margin));
  return tf.tidy(() => {
    const axis = anchor.rank - 1;
    const pos = tf.sum(tf.square(tf.sub(anchor, positive)), axis);
    const neg = tf.sum(tf.square(tf.sub(anchor, negative)), axis);
    return tf.sum(tf.relu(tf.add(tf.sub(pos, neg), margin))) as tf.Scalar;
  });
}
