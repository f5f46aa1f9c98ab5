/**
 * Non-max suppression, the course's algorithm, class-aware like torchvision's batched_nms:
 *   1. discard every box scoring below `scoreThreshold` (kept: score >= scoreThreshold);
 *   2. pick the box with the highest score and output it (equal scores: the lower index first);
 *   3. discard every remaining box of the same class whose IoU with it is >= `iouThreshold`;
 *   4. repeat from 2 until no box is left or `maxDetections` are output.
 * Boxes of different classes never suppress each other (`classAware: false` treats all as one class).
 * So iouThreshold 1 only removes exact duplicates, and iouThreshold 0 keeps one box per class.
 *
 * Comparisons, next to the libraries users know:
 * - IoU >= iouThreshold suppresses, as in the course and in tfjs' own NMS (cpu, wasm, and the
 *   tf.image.nonMaxSuppressionAsync used on every backend), whereas torchvision and TensorFlow's C++ kernel
 *   (tfjs-node's tf.image.nonMaxSuppression) suppress only IoU > threshold: they differ only when an IoU
 *   equals the threshold exactly.
 * - score >= scoreThreshold is kept (the course); tfjs keeps score > scoreThreshold.
 * Why not call tf.image.nonMaxSuppression*: its async form is this same loop in JavaScript on downloaded
 * data (so no speed to gain), the sync form's result depends on the backend (the comparison above), it runs
 * on float32 copies of the coordinates, and it has no classes — the coordinate-offset trick for classes
 * (shift each class far apart) loses float32 precision (an offset of 80·641 px leaves ~0.004 px steps).
 * The tests check our results against tf.image.nonMaxSuppressionAsync, per class, and against the reference.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Box, BoxLike, BoxObject } from './box-types.js';
import {
  readDetectionInput,
  readDetectionInputAsync,
  readNmsParams,
  type Detection,
  type DetectionInput,
  type DetectionInputOptions,
  type NmsParams,
} from './detection-input.js';
import { iouFlat } from './iou.js';

export type { Detection } from './detection-input.js';

export interface NmsOptions<Boxes = readonly BoxLike[] | tf.Tensor2D> extends DetectionInputOptions<Boxes> {
  /** Discard boxes with IoU >= this with a kept box of their class (default 0.5). In [0, 1]. */
  iouThreshold?: number;
  /** Discard boxes scoring below this first (default 0: keep every non-negative score). */
  scoreThreshold?: number;
  /** At most this many detections in all (default 100; Infinity for no limit). */
  maxDetections?: number;
  /** Default true: boxes of different classes never suppress each other. */
  classAware?: boolean;
}

/**
 * Indices kept by greedy NMS, best first. Classes never suppress each other, so each class runs on its own
 * (smaller sorts); the kept boxes are then merged by (score desc, index asc), which is the order the global
 * loop would have picked them in, and cut at maxDetections: the same result as one loop over all boxes.
 */
function greedy(input: DetectionInput, p: NmsParams): number[] {
  const { scores, classes, xyxy } = input;
  const groups = new Map<number, number[]>();
  for (let i = 0; i < input.count; i++) {
    if (!(scores[i]! >= p.scoreThreshold)) continue;
    const g = p.classAware ? classes[i]! : 0;
    const list = groups.get(g);
    if (list) list.push(i);
    else groups.set(g, [i]);
  }
  const byScore = (i: number, j: number) => scores[j]! - scores[i]! || i - j;
  const kept: number[] = [];
  const t = p.iouThreshold;
  for (const group of groups.values()) {
    group.sort(byScore);
    const mine: number[] = [];
    for (const i of group) {
      if (mine.length >= p.maxDetections) break; // this class cannot add more than maxDetections
      const ax1 = xyxy[i * 4]!;
      const ay1 = xyxy[i * 4 + 1]!;
      const ax2 = xyxy[i * 4 + 2]!;
      const ay2 = xyxy[i * 4 + 3]!;
      let suppressed = false;
      // The most recent kept boxes first: overlapping boxes tend to have close scores.
      for (let k = mine.length - 1; k >= 0; k--) {
        const o = mine[k]! * 4;
        const w = Math.min(ax2, xyxy[o + 2]!) - Math.max(ax1, xyxy[o]!);
        if (w <= 0 && !(t <= 0)) continue;
        const h = Math.min(ay2, xyxy[o + 3]!) - Math.max(ay1, xyxy[o + 1]!);
        if (h <= 0 && !(t <= 0)) continue;
        if (iouFlat(xyxy, i, xyxy, mine[k]!) >= t) {
          suppressed = true;
          break;
        }
      }
      if (!suppressed) mine.push(i);
    }
    for (const i of mine) kept.push(i);
  }
  kept.sort(byScore);
  if (kept.length > p.maxDetections) kept.length = p.maxDetections;
  return kept;
}

const DEFAULTS = { iouThreshold: 0.5, scoreThreshold: 0 };

function detections(input: DetectionInput, p: NmsParams): Detection<Box | BoxObject>[] {
  return greedy(input, p).map((i) => ({ index: i, box: input.box(i), score: input.scores[i]!, class: input.classes[i]! }));
}

/**
 * Greedy, class-aware non-max suppression (see the top of this file). Returns plain detections sorted by
 * score, boxes in the input's format and form. Tensors are read with dataSync; on a GPU backend prefer
 * `nonMaxSuppressionAsync`.
 *
 *     nonMaxSuppression({ boxes, scores, classes, iouThreshold: 0.45, scoreThreshold: 0.25 })
 *     // [{ index: 3, box: [x1, y1, x2, y2], score: 0.92, class: 0 }, ...]
 */
export function nonMaxSuppression<O extends BoxObject>(options: NmsOptions<readonly O[]>): Detection<O>[];
export function nonMaxSuppression(options: NmsOptions<readonly (readonly number[])[] | tf.Tensor2D>): Detection<Box>[];
export function nonMaxSuppression(options: NmsOptions): Detection<Box | BoxObject>[];
export function nonMaxSuppression(options: NmsOptions): Detection<Box | BoxObject>[] {
  const p = readNmsParams(options, DEFAULTS); // before reading any tensor
  return detections(readDetectionInput(options), p);
}

/** `nonMaxSuppression` reading tensors with `await data()`, so a GPU backend is not blocked. */
export function nonMaxSuppressionAsync<O extends BoxObject>(options: NmsOptions<readonly O[]>): Promise<Detection<O>[]>;
export function nonMaxSuppressionAsync(options: NmsOptions<readonly (readonly number[])[] | tf.Tensor2D>): Promise<Detection<Box>[]>;
export function nonMaxSuppressionAsync(options: NmsOptions): Promise<Detection<Box | BoxObject>[]>;
export async function nonMaxSuppressionAsync(options: NmsOptions): Promise<Detection<Box | BoxObject>[]> {
  const p = readNmsParams(options, DEFAULTS);
  return detections(await readDetectionInputAsync(options), p);
}
