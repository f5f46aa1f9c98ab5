/**
 * The LFW verification protocol: the pairs are split into k folds (LFW: 10 sets of 300 genuine + 300 impostor
 * pairs); for each fold the threshold with the best accuracy on the other k − 1 folds is applied to the
 * held-out fold. The result is the mean ± standard deviation of the k held-out accuracies (population standard
 * deviation, ddof = 0, as numpy's `np.std` in the FaceNet / InsightFace evaluation code).
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { accuracyAt, bestAccuracyThreshold, checkLabeledDistances, rocCurve, type LabeledDistance } from './roc.js';

export interface VerificationFold {
  /** Number of held-out pairs. */
  size: number;
  /** Best-accuracy threshold on the other folds (see `bestAccuracyThreshold`). */
  threshold: number;
  /** Accuracy on the other folds at that threshold. */
  trainAccuracy: number;
  /** Accuracy on this fold at that threshold. */
  accuracy: number;
}

export interface KFoldVerificationResult {
  folds: VerificationFold[];
  meanAccuracy: number;
  /** Population standard deviation of the fold accuracies. */
  stdAccuracy: number;
  meanThreshold: number;
}

/**
 * k-fold verification accuracy. Folds are contiguous runs of `pairs` in the given order (the first n mod k
 * folds one pair longer), as LFW's pairs.txt is laid out; shuffle the pairs first (makeVerificationPairs does)
 * when they are sorted by label. Every training part must hold genuine and impostor pairs.
 */
export function kFoldVerification(pairs: readonly LabeledDistance[], k = 10): KFoldVerificationResult {
  checkLabeledDistances(pairs);
  if (!Number.isInteger(k) || k < 2 || k > pairs.length) throw new InvalidArgumentError('k', `an integer in [2, ${pairs.length}] (the number of pairs)`, describeValue(k));
  const n = pairs.length;
  const base = Math.floor(n / k);
  const extra = n % k;
  const folds: VerificationFold[] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const end = start + base + (f < extra ? 1 : 0);
    const test = pairs.slice(start, end);
    const train = [...pairs.slice(0, start), ...pairs.slice(end)];
    const genuine = train.filter((p) => p.same).length;
    if (genuine === 0 || genuine === train.length) {
      throw new InvalidArgumentError('pairs', 'genuine and impostor pairs outside every fold', `only ${genuine ? 'genuine' : 'impostor'} pairs outside fold ${f}`, 'Shuffle the pairs so each fold mixes both kinds.');
    }
    const { threshold, accuracy: trainAccuracy } = bestAccuracyThreshold(rocCurve(train));
    folds.push({ size: test.length, threshold, trainAccuracy, accuracy: accuracyAt(test, threshold) });
    start = end;
  }
  const mean = folds.reduce((s, f) => s + f.accuracy, 0) / k;
  const variance = folds.reduce((s, f) => s + (f.accuracy - mean) ** 2, 0) / k;
  return { folds, meanAccuracy: mean, stdAccuracy: Math.sqrt(variance), meanThreshold: folds.reduce((s, f) => s + f.threshold, 0) / k };
}
