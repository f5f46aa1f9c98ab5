/**
 * Soft-NMS (Bodla et al. 2017, "Improving Object Detection With One Line of Code"): instead of deleting the
 * boxes that overlap a picked box M, decay their scores and keep going:
 *   pick the box M with the highest score, output it with its current score; for every remaining box b of
 *   M's class, s_b ← s_b · f(IoU(M, b)); drop boxes whose score fell below `scoreThreshold`; repeat.
 *   linear:   f = 1 − IoU when IoU >= iouThreshold (N_t), else 1;
 *   gaussian: f = exp(−IoU² / σ).
 * Defaults are the paper code's: gaussian, σ = 0.5, N_t = 0.3, score threshold 0.001. Like
 * `nonMaxSuppression`: class-aware by default, boxes scoring below the threshold are discarded first,
 * equal scores go to the lower index, detections come sorted by their (decayed) score.
 *
 * tf.image.nonMaxSuppressionWithScoreAsync is the Gaussian variant with exp(−IoU² / (2·σ_tf)), i.e.
 * σ_tf = σ / 2 (and σ_tf <= 1); we do not call it because it has no linear variant and no classes, and it
 * still deletes boxes with IoU >= its iouThreshold (so even with 1, exact duplicates vanish instead of being
 * decayed). The tests check the Gaussian variant against it on boxes without duplicates.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertFiniteNumber, describeValue } from '../errors/validate.js';
import type { Box, BoxLike, BoxObject } from './box-types.js';
import { candidates, readDetectionInput, readDetectionInputAsync, readNmsParams, type Detection, type DetectionInput, type NmsParams } from './detection-input.js';
import { iouFlat } from './iou.js';
import type { NmsOptions } from './nms.js';

export interface SoftNmsOptions<Boxes = readonly BoxLike[] | tf.Tensor2D> extends NmsOptions<Boxes> {
  /** Score decay: 'gaussian' (default) or 'linear'. */
  method?: 'linear' | 'gaussian';
  /** Gaussian σ (default 0.5, the paper's). */
  sigma?: number;
  /** Linear only: N_t, the IoU from which scores decay (default 0.3). */
  iouThreshold?: number;
  /** Boxes whose score is, or decays, below this are dropped (default 0.001). */
  scoreThreshold?: number;
}

interface SoftParams extends NmsParams {
  method: 'linear' | 'gaussian';
  sigma: number;
}

function readParams(options: unknown): SoftParams {
  const p = readNmsParams(options, { iouThreshold: 0.3, scoreThreshold: 0.001 });
  const o = options as SoftNmsOptions;
  const method = o.method ?? 'gaussian';
  if (method !== 'linear' && method !== 'gaussian') throw new InvalidArgumentError('options.method', "'linear' or 'gaussian'", describeValue(method));
  const sigma = o.sigma ?? 0.5;
  assertFiniteNumber(sigma, 'options.sigma', { min: Number.MIN_VALUE });
  return { ...p, method, sigma };
}

/** Soft-NMS within one group of boxes that decay each other (one class, or all when class-agnostic). */
function softGroup(input: DetectionInput, group: number[], scores: Float64Array, p: SoftParams, out: { index: number; score: number }[]): void {
  let remaining = group;
  let picked = 0;
  while (remaining.length > 0 && picked < p.maxDetections) {
    let best = remaining[0]!;
    for (const i of remaining) if (scores[i]! > scores[best]! || (scores[i] === scores[best] && i < best)) best = i;
    out.push({ index: best, score: scores[best]! });
    picked++;
    const next: number[] = [];
    for (const j of remaining) {
      if (j === best) continue;
      const ov = iouFlat(input.xyxy, best, input.xyxy, j);
      const w = p.method === 'linear' ? (ov >= p.iouThreshold ? 1 - ov : 1) : Math.exp(-(ov * ov) / p.sigma);
      scores[j] = scores[j]! * w;
      if (scores[j]! >= p.scoreThreshold) next.push(j);
    }
    remaining = next;
  }
}

function detections(input: DetectionInput, p: SoftParams): Detection<Box | BoxObject>[] {
  const scores = Float64Array.from(input.scores);
  const groups = new Map<number, number[]>();
  for (const i of candidates(scores, p.scoreThreshold)) {
    const g = p.classAware ? input.classes[i]! : 0;
    const list = groups.get(g);
    if (list) list.push(i);
    else groups.set(g, [i]);
  }
  // Classes never interact, so each runs on its own; each class's picks come out in falling score (a
  // pick's score never rises afterwards), and merging them by (score, index) is the global pick order.
  const picked: { index: number; score: number }[] = [];
  for (const group of groups.values()) softGroup(input, group, scores, p, picked);
  picked.sort((a, b) => b.score - a.score || a.index - b.index);
  return picked.slice(0, p.maxDetections).map(({ index, score }) => ({ index, box: input.box(index), score, class: input.classes[index]! }));
}

/**
 * Soft-NMS (see the top of this file): detections with their decayed scores, sorted by them.
 *
 *     softNms({ boxes, scores, method: 'linear', iouThreshold: 0.3 })
 */
export function softNms<O extends BoxObject>(options: SoftNmsOptions<readonly O[]>): Detection<O>[];
export function softNms(options: SoftNmsOptions<readonly (readonly number[])[] | tf.Tensor2D>): Detection<Box>[];
export function softNms(options: SoftNmsOptions): Detection<Box | BoxObject>[];
export function softNms(options: SoftNmsOptions): Detection<Box | BoxObject>[] {
  const p = readParams(options);
  return detections(readDetectionInput(options), p);
}

/** `softNms` reading tensors with `await data()`. */
export function softNmsAsync<O extends BoxObject>(options: SoftNmsOptions<readonly O[]>): Promise<Detection<O>[]>;
export function softNmsAsync(options: SoftNmsOptions<readonly (readonly number[])[] | tf.Tensor2D>): Promise<Detection<Box>[]>;
export function softNmsAsync(options: SoftNmsOptions): Promise<Detection<Box | BoxObject>[]>;
export async function softNmsAsync(options: SoftNmsOptions): Promise<Detection<Box | BoxObject>[]> {
  const p = readParams(options);
  return detections(await readDetectionInputAsync(options), p);
}
