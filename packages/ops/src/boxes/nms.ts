/**
 * Non-max suppression, as the course teaches it: discard boxes scoring ≤ scoreThreshold, then repeatedly
 * keep the highest-scoring box and discard every remaining box that overlaps it with IoU > iouThreshold.
 * Class-aware (torchvision batched_nms): boxes of different classes never suppress each other.
 * Ties in score keep the lower index first. Same comparison (IoU strictly greater) as tfjs and torchvision.
 */
import { InvalidArgumentError } from '../errors/errors.js';
import { assertFiniteNumber, assertInteger, describeValue } from '../errors/validate.js';
import { assertBoxes, convertBoxes, type Box, type BoxFormat } from './box-format.js';
import { iouXyxy } from './iou.js';

export interface Detection {
  /** Index into the input arrays. */
  index: number;
  /** The box, in the input format. */
  box: Box;
  score: number;
  class: number;
}

export interface NmsOptions {
  boxes: readonly (readonly number[])[];
  scores: readonly number[];
  /** Class id per box (default all 0). */
  classes?: readonly number[];
  /** Default 0.5. */
  iouThreshold?: number;
  /** Boxes scoring ≤ this are dropped first (default 0: keep every positive score). */
  scoreThreshold?: number;
  /** Default 100. */
  maxDetections?: number;
  /** Default true. */
  classAware?: boolean;
  /** Default 'xyxy'. */
  format?: BoxFormat;
}

export function validateNms(o: NmsOptions): { xyxy: Box[]; classes: readonly number[] } {
  if (o == null || typeof o !== 'object') throw new InvalidArgumentError('options', 'an object { boxes, scores, ... }', describeValue(o));
  const format = o.format ?? 'xyxy';
  assertBoxes(o.boxes, 'options.boxes', format);
  if (!Array.isArray(o.scores) || o.scores.length !== o.boxes.length) {
    throw new InvalidArgumentError('options.scores', `an array of ${o.boxes.length} scores (one per box)`, describeValue(o.scores));
  }
  o.scores.forEach((s, i) => assertFiniteNumber(s, `options.scores[${i}]`));
  if (o.classes !== undefined && (!Array.isArray(o.classes) || o.classes.length !== o.boxes.length || o.classes.some((c) => !Number.isInteger(c)))) {
    throw new InvalidArgumentError('options.classes', `an array of ${o.boxes.length} integer class ids`, describeValue(o.classes));
  }
  assertFiniteNumber(o.iouThreshold ?? 0.5, 'options.iouThreshold', { min: 0, max: 1 });
  if (o.scoreThreshold !== undefined) assertFiniteNumber(o.scoreThreshold, 'options.scoreThreshold');
  assertInteger(o.maxDetections ?? 100, 'options.maxDetections', 0);
  const xyxy = format === 'xyxy' ? o.boxes.map((b) => [...b] as Box) : convertBoxes(o.boxes, { from: format, to: 'xyxy' });
  return { xyxy, classes: o.classes ?? new Array<number>(o.boxes.length).fill(0) };
}

/** Greedy (class-aware) NMS. Returns detections sorted by score. */
export function nonMaxSuppression(options: NmsOptions): Detection[] {
  const { xyxy, classes } = validateNms(options);
  const iouThreshold = options.iouThreshold ?? 0.5;
  const scoreThreshold = options.scoreThreshold ?? 0;
  const maxDetections = options.maxDetections ?? 100;
  const classAware = options.classAware ?? true;
  const order = options.scores
    .map((s, i) => i)
    .filter((i) => options.scores[i]! > scoreThreshold)
    .sort((a, b) => options.scores[b]! - options.scores[a]! || a - b);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxDetections) break;
    // Keep i unless a kept (higher-scoring) box of its class overlaps it too much.
    if (kept.every((k) => (classAware && classes[k] !== classes[i]) || iouXyxy(xyxy[k]!, xyxy[i]!) <= iouThreshold)) kept.push(i);
  }
  return kept.map((i) => ({ index: i, box: [...options.boxes[i]!] as Box, score: options.scores[i]!, class: classes[i]! }));
}

export interface SoftNmsOptions extends NmsOptions {
  /** 'gaussian' (default): s·exp(−IoU²/σ); 'linear': s·(1 − IoU) when IoU > iouThreshold. */
  method?: 'linear' | 'gaussian';
  /** Gaussian σ (default 0.5, the paper's value). */
  sigma?: number;
}

/**
 * Soft-NMS (Bodla et al. 2017): instead of deleting overlapping boxes, decay their scores, then keep boxes
 * whose decayed score stays above `scoreThreshold` (default 0.001). Class-aware like `nonMaxSuppression`.
 */
export function softNms(options: SoftNmsOptions): Detection[] {
  const { xyxy, classes } = validateNms(options);
  const method = options.method ?? 'gaussian';
  if (method !== 'linear' && method !== 'gaussian') throw new InvalidArgumentError('options.method', "'linear' or 'gaussian'", describeValue(method));
  const sigma = options.sigma ?? 0.5;
  assertFiniteNumber(sigma, 'options.sigma', { min: Number.MIN_VALUE });
  const iouThreshold = options.iouThreshold ?? 0.5;
  const scoreThreshold = options.scoreThreshold ?? 0.001;
  const maxDetections = options.maxDetections ?? 100;
  const classAware = options.classAware ?? true;
  const scores = [...options.scores];
  const left = new Set(scores.map((_, i) => i));
  const out: Detection[] = [];
  while (left.size > 0 && out.length < maxDetections) {
    let best = -1;
    for (const i of left) if (best < 0 || scores[i]! > scores[best]! || (scores[i] === scores[best] && i < best)) best = i;
    left.delete(best);
    if (scores[best]! <= scoreThreshold) break;
    out.push({ index: best, box: [...options.boxes[best]!] as Box, score: scores[best]!, class: classes[best]! });
    for (const j of left) {
      if (classAware && classes[j] !== classes[best]) continue;
      const ov = iouXyxy(xyxy[best]!, xyxy[j]!);
      scores[j] = scores[j]! * (method === 'linear' ? (ov > iouThreshold ? 1 - ov : 1) : Math.exp(-(ov * ov) / sigma));
    }
  }
  return out;
}
