/**
 * Classification metrics on plain numbers: accuracy, the confusion matrix (rows = true class, columns =
 * predicted class, as scikit-learn), and per-class precision, recall and F1 with macro and weighted means.
 *   precision_c = TP / (TP + FP)   recall_c = TP / (TP + FN)   F1 = 2 P R / (P + R)   (0 when undefined)
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, describeValue } from '@cnn/ops';

/** Class indices [n], or one-hot / probabilities [n, classes] (argmax taken), as numbers or a tensor. */
export type ClassInput = readonly number[] | readonly (readonly number[])[] | tf.Tensor;

/** Class indices of `v` (argmax over rows for 2-D input). */
export function toClassIndices(v: ClassInput, argument: string): number[] {
  if (v instanceof tf.Tensor) {
    if (v.isDisposed || (v.rank !== 1 && v.rank !== 2)) throw new InvalidArgumentError(argument, 'class indices [n] or scores [n, classes]', describeValue(v));
    if (v.rank === 1) return Array.from(v.dataSync(), (x) => Math.round(x));
    const idx = tf.argMax(v, -1);
    const out = Array.from(idx.dataSync());
    idx.dispose();
    return out;
  }
  if (!Array.isArray(v)) throw new InvalidArgumentError(argument, 'class indices [n] or scores [n, classes]', describeValue(v));
  return v.map((row, i) => {
    if (Array.isArray(row)) {
      let best = 0;
      for (let k = 1; k < row.length; k++) if (row[k]! > row[best]!) best = k;
      return best;
    }
    if (typeof row !== 'number' || !Number.isInteger(row) || row < 0) throw new InvalidArgumentError(`${argument}[${i}]`, 'a class index (integer >= 0)', describeValue(row));
    return row;
  });
}

/** Fraction of pictures whose predicted class is the true one. */
export function accuracy(yTrue: ClassInput, yPred: ClassInput): number {
  const t = toClassIndices(yTrue, 'yTrue');
  const p = toClassIndices(yPred, 'yPred');
  if (t.length !== p.length) throw new ShapeMismatchError('yPred', `${t.length} true classes but ${p.length} predictions.`);
  if (t.length === 0) return NaN;
  return t.filter((c, i) => c === p[i]).length / t.length;
}

/** matrix[i][j] = pictures of true class i predicted as j. `numClasses` defaults to the largest index + 1. */
export function confusionMatrix(yTrue: ClassInput, yPred: ClassInput, numClasses?: number): number[][] {
  const t = toClassIndices(yTrue, 'yTrue');
  const p = toClassIndices(yPred, 'yPred');
  if (t.length !== p.length) throw new ShapeMismatchError('yPred', `${t.length} true classes but ${p.length} predictions.`);
  const n = numClasses ?? Math.max(0, ...t, ...p) + 1;
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('numClasses', 'an integer >= 1', describeValue(numClasses));
  const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  t.forEach((c, i) => {
    const q = p[i]!;
    if (c >= n || q >= n) throw new InvalidArgumentError('numClasses', `more than the class index ${Math.max(c, q)} seen`, String(n));
    m[c]![q]!++;
  });
  return m;
}

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Pictures of this class (row sum). */
  support: number;
}

export interface ClassificationReport {
  perClass: ClassMetrics[];
  accuracy: number;
  /** Unweighted means over classes. */
  macro: { precision: number; recall: number; f1: number };
  /** Means weighted by support. */
  weighted: { precision: number; recall: number; f1: number };
  total: number;
}

function checkMatrix(matrix: unknown): asserts matrix is number[][] {
  const ok = Array.isArray(matrix) && matrix.length > 0 && matrix.every((r) => Array.isArray(r) && r.length === matrix.length && r.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0));
  if (!ok) throw new InvalidArgumentError('matrix', 'a square confusion matrix of counts >= 0', describeValue(matrix));
}

/** Precision, recall, F1 and support per class, from a confusion matrix (rows true, columns predicted). */
export function classificationReport(matrix: readonly (readonly number[])[], labels?: readonly string[]): ClassificationReport {
  checkMatrix(matrix);
  const n = matrix.length;
  if (labels !== undefined && labels.length !== n) throw new ShapeMismatchError('labels', `${n} classes in the matrix but ${labels.length} labels.`);
  const div = (a: number, b: number) => (b === 0 ? 0 : a / b);
  let total = 0;
  let correct = 0;
  const perClass = matrix.map((row, c) => {
    const tp = row[c]!;
    const support = row.reduce((s, v) => s + v, 0);
    const predicted = matrix.reduce((s, r) => s + r[c]!, 0);
    total += support;
    correct += tp;
    const precision = div(tp, predicted);
    const recall = div(tp, support);
    return { label: labels?.[c] ?? String(c), precision, recall, f1: div(2 * precision * recall, precision + recall), support };
  });
  const mean = (k: 'precision' | 'recall' | 'f1') => perClass.reduce((s, m) => s + m[k], 0) / n;
  const wmean = (k: 'precision' | 'recall' | 'f1') => div(perClass.reduce((s, m) => s + m[k] * m.support, 0), total);
  return {
    perClass,
    accuracy: div(correct, total),
    macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') },
    weighted: { precision: wmean('precision'), recall: wmean('recall'), f1: wmean('f1') },
    total,
  };
}

/** The report as a fixed-width text table (like scikit-learn's classification_report). */
export function formatClassificationReport(report: ClassificationReport): string {
  const w = Math.max(12, ...report.perClass.map((m) => m.label.length));
  const f = (v: number) => v.toFixed(3).padStart(9);
  const lines = [`${''.padEnd(w)}${'precision'.padStart(10)}${'recall'.padStart(10)}${'f1'.padStart(10)}${'support'.padStart(10)}`];
  for (const m of report.perClass) lines.push(`${m.label.padEnd(w)} ${f(m.precision)} ${f(m.recall)} ${f(m.f1)} ${String(m.support).padStart(9)}`);
  lines.push(`${'accuracy'.padEnd(w)} ${''.padStart(9)} ${''.padStart(9)} ${f(report.accuracy)} ${String(report.total).padStart(9)}`);
  lines.push(`${'macro avg'.padEnd(w)} ${f(report.macro.precision)} ${f(report.macro.recall)} ${f(report.macro.f1)} ${String(report.total).padStart(9)}`);
  lines.push(`${'weighted avg'.padEnd(w)} ${f(report.weighted.precision)} ${f(report.weighted.recall)} ${f(report.weighted.f1)} ${String(report.total).padStart(9)}`);
  return lines.join('\n');
}
