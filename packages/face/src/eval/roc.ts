/**
 * Verification metrics from labelled distances: a pair of faces is accepted as "same person" when its distance
 * is ≤ the threshold t (DeepFace's rule), so for every t
 *   TAR(t) = accepted genuine pairs / genuine pairs      (true accept rate, = 1 − FRR)
 *   FAR(t) = accepted impostor pairs / impostor pairs    (false accept rate)
 * The ROC curve has one point per distinct distance (ties between genuine and impostor pairs move both rates
 * in one step) plus the point (0, 0) for "accept nothing" (threshold −Infinity). With that, the trapezoid AUC
 * equals the Mann–Whitney statistic P(impostor distance > genuine distance) + ½ P(equal).
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';

/** One pair's distance and whether its two faces are of the same person. */
export interface LabeledDistance {
  distance: number;
  same: boolean;
}

export interface RocPoint {
  /** Accept pairs with distance ≤ threshold (−Infinity: accept nothing). */
  threshold: number;
  far: number;
  tar: number;
  /** Accepted genuine pairs (true accepts). */
  acceptedGenuine: number;
  /** Accepted impostor pairs (false accepts). */
  acceptedImpostor: number;
}

export interface RocCurve {
  /** By increasing threshold; first (−Infinity, FAR 0, TAR 0), last (largest distance, FAR 1, TAR 1). */
  points: RocPoint[];
  genuinePairs: number;
  impostorPairs: number;
}

export interface EqualErrorRate {
  /** The rate where FAR = FRR, linearly interpolated between the two ROC points around the crossing. */
  eer: number;
  /** The threshold interpolated the same way (the finite one of the two when the other is −Infinity). */
  threshold: number;
}

export interface TarAtFar {
  /** The FAR asked for. */
  far: number;
  /** The highest TAR whose FAR is ≤ the target (no interpolation). */
  tar: number;
  /** Its threshold. */
  threshold: number;
  /** The FAR actually reached there (≤ target). With n impostor pairs FAR moves in steps of 1/n. */
  achievedFar: number;
}

export interface BestAccuracy {
  /** Fraction of pairs classified right at `threshold`. */
  accuracy: number;
  /**
   * Midway between the distance of the best ROC point and the next larger distance (the largest distance when
   * the best is to accept everything, −Infinity when it is to accept nothing), so that it classifies these
   * pairs exactly as the ROC point does and sits in the gap for new pairs. Ties: the smallest threshold.
   */
  threshold: number;
}

export interface VerificationMetrics {
  genuinePairs: number;
  impostorPairs: number;
  auc: number;
  eer: number;
  eerThreshold: number;
  bestAccuracy: number;
  bestThreshold: number;
  tarAtFar: TarAtFar[];
  roc: RocCurve;
}

/** Checks labelled distances: an array of { distance: finite number, same: boolean } with both kinds. */
export function checkLabeledDistances(pairs: unknown, argument = 'pairs'): asserts pairs is readonly LabeledDistance[] {
  if (!Array.isArray(pairs)) throw new InvalidArgumentError(argument, 'an array of { distance, same }', describeValue(pairs));
  let genuine = 0;
  for (const [i, p] of pairs.entries()) {
    const ok = p !== null && typeof p === 'object' && typeof p.distance === 'number' && Number.isFinite(p.distance) && typeof p.same === 'boolean';
    if (!ok) throw new InvalidArgumentError(`${argument}[${i}]`, '{ distance: finite number, same: boolean }', describeValue(p));
    if (p.same) genuine++;
  }
  if (genuine === 0 || genuine === pairs.length) {
    throw new InvalidArgumentError(argument, 'genuine (same: true) and impostor (same: false) pairs', `${genuine} genuine and ${pairs.length - genuine} impostor pairs`);
  }
}

/** The ROC curve (FAR and TAR at every distinct distance). */
export function rocCurve(pairs: readonly LabeledDistance[]): RocCurve {
  checkLabeledDistances(pairs);
  const sorted = [...pairs].sort((a, b) => a.distance - b.distance);
  let genuinePairs = 0;
  for (const p of sorted) if (p.same) genuinePairs++;
  const impostorPairs = sorted.length - genuinePairs;
  const points: RocPoint[] = [{ threshold: -Infinity, far: 0, tar: 0, acceptedGenuine: 0, acceptedImpostor: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length; ) {
    const d = sorted[i]!.distance;
    for (; i < sorted.length && sorted[i]!.distance === d; i++) {
      if (sorted[i]!.same) tp++;
      else fp++;
    }
    points.push({ threshold: d, far: fp / impostorPairs, tar: tp / genuinePairs, acceptedGenuine: tp, acceptedImpostor: fp });
  }
  return { points, genuinePairs, impostorPairs };
}

/** Area under the ROC curve (trapezoid rule over FAR). */
export function rocAuc(curve: RocCurve): number {
  const p = curve.points;
  let area = 0;
  for (let i = 1; i < p.length; i++) area += (p[i]!.far - p[i - 1]!.far) * (p[i]!.tar + p[i - 1]!.tar) * 0.5;
  return area;
}

/** The equal error rate: where FAR = FRR (= 1 − TAR), interpolated between ROC points. */
export function equalErrorRate(curve: RocCurve): EqualErrorRate {
  const p = curve.points;
  // FAR − FRR goes from −1 (accept nothing) to +1 (accept everything) and never decreases.
  for (let i = 1; i < p.length; i++) {
    const a = p[i - 1]!;
    const b = p[i]!;
    const fa = a.far - (1 - a.tar);
    const fb = b.far - (1 - b.tar);
    if (fb < 0) continue;
    const s = fb === fa ? 1 : -fa / (fb - fa);
    const eer = a.far + s * (b.far - a.far);
    const threshold = Number.isFinite(a.threshold) ? a.threshold + s * (b.threshold - a.threshold) : b.threshold;
    return { eer, threshold };
  }
  const last = p[p.length - 1]!;
  return { eer: last.far, threshold: last.threshold };
}

/** The highest TAR at FAR ≤ `far` (a ROC point, not interpolated). */
export function tarAtFar(curve: RocCurve, far: number): TarAtFar {
  if (typeof far !== 'number' || !(far >= 0 && far <= 1)) throw new InvalidArgumentError('far', 'a number in [0, 1]', describeValue(far));
  // Compare counts, not rounded rates: FAR ≤ far  ⇔  false accepts ≤ far · impostor pairs.
  const allowed = Math.floor(far * curve.impostorPairs + 1e-9);
  let best = curve.points[0]!;
  for (const q of curve.points) if (q.acceptedImpostor <= allowed && q.tar >= best.tar) best = q;
  return { far, tar: best.tar, threshold: best.threshold, achievedFar: best.far };
}

/** The threshold that classifies the most pairs right, and that accuracy. */
export function bestAccuracyThreshold(curve: RocCurve): BestAccuracy {
  const p = curve.points;
  const n = curve.genuinePairs + curve.impostorPairs;
  let bi = 0;
  let bestCorrect = -1;
  for (let i = 0; i < p.length; i++) {
    const correct = p[i]!.acceptedGenuine + (curve.impostorPairs - p[i]!.acceptedImpostor);
    if (correct > bestCorrect) {
      bestCorrect = correct;
      bi = i;
    }
  }
  const threshold = bi === 0 ? -Infinity : bi === p.length - 1 ? p[bi]!.threshold : (p[bi]!.threshold + p[bi + 1]!.threshold) / 2;
  return { accuracy: bestCorrect / n, threshold };
}

/** All the verification numbers of labelled distances: AUC, EER, best accuracy, TAR at the given FARs. */
export function verificationMetrics(pairs: readonly LabeledDistance[], options: { farTargets?: readonly number[] } = {}): VerificationMetrics {
  const roc = rocCurve(pairs);
  const eer = equalErrorRate(roc);
  const best = bestAccuracyThreshold(roc);
  const targets = options.farTargets ?? [1e-3, 1e-2, 1e-1];
  if (!Array.isArray(targets)) throw new InvalidArgumentError('options.farTargets', 'an array of FARs', describeValue(targets));
  return {
    genuinePairs: roc.genuinePairs,
    impostorPairs: roc.impostorPairs,
    auc: rocAuc(roc),
    eer: eer.eer,
    eerThreshold: eer.threshold,
    bestAccuracy: best.accuracy,
    bestThreshold: best.threshold,
    tarAtFar: targets.map((f) => tarAtFar(roc, f)),
    roc,
  };
}

/** Fraction of pairs classified right when distance ≤ threshold means "same". */
export function accuracyAt(pairs: readonly LabeledDistance[], threshold: number): number {
  if (pairs.length === 0) return Number.NaN;
  let correct = 0;
  for (const p of pairs) if (p.distance <= threshold === p.same) correct++;
  return correct / pairs.length;
}
