/**
 * From a precision-recall curve to average precision, the three ways in use. All three first take the
 * precision envelope: p_interp(r) = max over r' ≥ r of p(r') ("the best precision at this recall or more").
 */
import { InvalidArgumentError, ShapeMismatchError, assertOneOf, describeValue } from '@cnn/ops';
import type { ApMethod } from './types.js';

export const AP_METHODS: readonly ApMethod[] = ['voc-all-point', 'voc11', 'coco-101'];

/**
 * pycocotools' recall thresholds, np.linspace(0, 1, 101): i * 0.01 in floating point (so 0.07 is
 * 7 * 0.01, as numpy computes it), and exactly 1 at the end.
 */
export const COCO_RECALL_THRESHOLDS: readonly number[] = Array.from({ length: 101 }, (_, i) => (i === 100 ? 1 : i * 0.01));

/** VOC 2007's recall thresholds 0, 0.1, ..., 1 (as i / 10, the nearest doubles). */
export const VOC11_RECALL_THRESHOLDS: readonly number[] = Array.from({ length: 11 }, (_, i) => i / 10);

function checkCurve(recall: unknown, precision: unknown): asserts recall is readonly number[] {
  for (const [name, v] of [['recall', recall], ['precision', precision]] as const) {
    if (!Array.isArray(v)) throw new InvalidArgumentError(name, 'an array of numbers in [0, 1]', describeValue(v));
    v.forEach((x: unknown, i) => {
      if (typeof x !== 'number' || !(x >= 0 && x <= 1)) throw new InvalidArgumentError(`${name}[${i}]`, 'a number in [0, 1]', describeValue(x));
    });
  }
  if ((recall as unknown[]).length !== (precision as unknown[]).length) {
    throw new ShapeMismatchError('precision', `recall has ${(recall as unknown[]).length} points but precision has ${(precision as unknown[]).length}.`);
  }
  for (let i = 1; i < (recall as number[]).length; i++) {
    if ((recall as number[])[i]! < (recall as number[])[i - 1]!) {
      throw new InvalidArgumentError(`recall[${i}]`, `a non-decreasing sequence (recall[${i - 1}] = ${(recall as number[])[i - 1]})`, String((recall as number[])[i]));
    }
  }
}

/**
 * AP of a curve given point by point in ranking order (recall non-decreasing), as the VOC devkit and
 * pycocotools compute it. An empty curve (no detections) has AP 0.
 *
 * - 'voc-all-point': AP = Σ (r_{i+1} − r_i) · p_interp(r_{i+1}) over the recall steps, with the curve
 *   extended by (0, 0) in front and (1, 0) behind (VOC devkit voc_ap, use_07_metric = False);
 * - 'voc11': AP = (1/11) Σ_{t ∈ {0, 0.1, …, 1}} max{p_i : r_i ≥ t} (0 when no r_i ≥ t);
 * - 'coco-101': AP = (1/101) Σ_t p_interp at the first point with r_i ≥ t (0 when none), t from
 *   COCO_RECALL_THRESHOLDS (pycocotools COCOeval.accumulate).
 */
export function apFromPrecisionRecall(recall: readonly number[], precision: readonly number[], method: ApMethod = 'voc-all-point'): number {
  checkCurve(recall, precision);
  assertOneOf(method, 'method', AP_METHODS);
  const n = recall.length;
  if (method === 'voc-all-point') {
    const mrec = [0, ...recall, 1];
    const mpre = [0, ...precision, 0];
    for (let i = mpre.length - 1; i > 0; i--) mpre[i - 1] = Math.max(mpre[i - 1]!, mpre[i]!);
    let ap = 0;
    for (let i = 1; i < mrec.length; i++) if (mrec[i] !== mrec[i - 1]) ap += (mrec[i]! - mrec[i - 1]!) * mpre[i]!;
    return ap;
  }
  if (method === 'voc11') {
    let ap = 0;
    for (const t of VOC11_RECALL_THRESHOLDS) {
      let p = 0;
      for (let i = 0; i < n; i++) if (recall[i]! >= t) p = Math.max(p, precision[i]!);
      ap += p;
    }
    return ap / VOC11_RECALL_THRESHOLDS.length; // the devkit adds p / 11 each time: the same up to rounding
  }
  const envelope = precision.slice();
  for (let i = n - 1; i > 0; i--) if (envelope[i]! > envelope[i - 1]!) envelope[i - 1] = envelope[i]!;
  let sum = 0;
  let j = 0;
  for (const t of COCO_RECALL_THRESHOLDS) {
    while (j < n && recall[j]! < t) j++; // np.searchsorted(rc, t, side='left'); thresholds rise, so j only moves on
    if (j === n) break; // pycocotools leaves the remaining thresholds at 0
    sum += envelope[j]!;
  }
  return sum / COCO_RECALL_THRESHOLDS.length;
}
