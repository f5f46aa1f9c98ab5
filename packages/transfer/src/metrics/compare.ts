import { InvalidArgumentError, describeValue } from '@cnn/ops';

/** Two classifiers' predictions on the same pictures, compared picture by picture (McNemar's exact test). */
export interface PairedComparison {
  /** Pictures both classify right. */
  bothRight: number;
  /** Right with the first, wrong with the second (what the second broke). */
  onlyFirstRight: number;
  /** Wrong with the first, right with the second (what the second fixed). */
  onlySecondRight: number;
  bothWrong: number;
  accuracyFirst: number;
  accuracySecond: number;
  /**
   * Two-sided exact McNemar p-value: the chance of a split of the disagreeing pictures at least this uneven
   * if both classifiers were equally good (binomial, n = disagreements, p = 1/2). 1 when they never disagree.
   */
  pValue: number;
}

/**
 * Compares two classifiers evaluated on the same pictures (e.g. `evaluateClassifier` before and after
 * fine-tuning): only the pictures they disagree on carry information, so "+0.7 points" on 309 pictures is
 * 2 more fixed than broken, and `pValue` says how surprising that split is.
 */
export function comparePredictions(yTrue: readonly number[], first: readonly number[], second: readonly number[]): PairedComparison {
  for (const [name, v] of [['yTrue', yTrue], ['first', first], ['second', second]] as const) {
    if (!Array.isArray(v) || v.some((x) => !Number.isInteger(x))) throw new InvalidArgumentError(name, 'an array of class indices (integers)', describeValue(v));
  }
  if (first.length !== yTrue.length || second.length !== yTrue.length) {
    throw new InvalidArgumentError('first, second', `predictions for the same ${yTrue.length} pictures as yTrue`, `${first.length} and ${second.length}`, 'Evaluate both classifiers on the same batches, in the same order.');
  }
  if (yTrue.length === 0) throw new InvalidArgumentError('yTrue', 'at least one picture', 'an empty array');
  let bothRight = 0;
  let onlyFirstRight = 0;
  let onlySecondRight = 0;
  let bothWrong = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const a = first[i] === yTrue[i];
    const b = second[i] === yTrue[i];
    if (a && b) bothRight++;
    else if (a) onlyFirstRight++;
    else if (b) onlySecondRight++;
    else bothWrong++;
  }
  const n = yTrue.length;
  return {
    bothRight,
    onlyFirstRight,
    onlySecondRight,
    bothWrong,
    accuracyFirst: (bothRight + onlyFirstRight) / n,
    accuracySecond: (bothRight + onlySecondRight) / n,
    pValue: exactMcNemar(onlyFirstRight, onlySecondRight),
  };
}

/** Two-sided exact binomial test of b against c (n = b + c, p = 1/2): min(1, 2 · P(X ≤ min(b, c))). */
export function exactMcNemar(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // P(X = i) = C(n, i) / 2^n, summed in log space so large n does not overflow.
  let logTerm = -n * Math.LN2; // i = 0
  let tail = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logTerm);
  }
  return Math.min(1, 2 * tail);
}
