/**
 * Box references in plain loops (no tfjs), written straight from the definitions, slow and obviously right:
 * format conversion (torchvision.ops.box_convert's names), IoU (the course), GIoU (Rezatofighi et al. 2019,
 * Algorithm 1), greedy NMS (the course's algorithm) and Soft-NMS (Bodla et al. 2017, Algorithm 1).
 * Boxes are [x1, y1, x2, y2] (xyxy) unless a format is named. Conventions shared with @cnn/ops' box ops:
 * - an empty union (two zero-area boxes) gives IoU 0, an empty enclosing box gives GIoU = IoU (0);
 * - NMS keeps scores >= scoreThreshold and suppresses IoU >= iouThreshold (the course's "≥");
 * - ties in score go to the lower index.
 */
export type RefBox = readonly [number, number, number, number];
export type RefBoxFormat = 'xyxy' | 'xywh' | 'cxcywh';

/** One box from `from` to `to`; with `imageSize` [h, w] also pixels <-> normalized. */
export function convertBoxReference(
  b: RefBox,
  from: RefBoxFormat,
  to: RefBoxFormat,
  scale?: { imageSize: readonly [number, number]; normalize: 'toPixels' | 'toNormalized' },
): [number, number, number, number] {
  // Every format goes through the corners.
  let x1: number, y1: number, x2: number, y2: number;
  if (from === 'xyxy') [x1, y1, x2, y2] = b;
  else if (from === 'xywh') [x1, y1, x2, y2] = [b[0], b[1], b[0] + b[2], b[1] + b[3]];
  else [x1, y1, x2, y2] = [b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2];
  if (scale) {
    const [h, w] = scale.imageSize;
    const [sx, sy] = scale.normalize === 'toPixels' ? [w, h] : [1 / w, 1 / h];
    [x1, y1, x2, y2] = [x1 * sx, y1 * sy, x2 * sx, y2 * sy];
  }
  if (to === 'xyxy') return [x1, y1, x2, y2];
  if (to === 'xywh') return [x1, y1, x2 - x1, y2 - y1];
  return [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1];
}

function area(b: RefBox): number {
  return (b[2] - b[0]) * (b[3] - b[1]);
}

/** Intersection over union, the course's definition: area(A ∩ B) / area(A ∪ B). */
export function iouReference(a: RefBox, b: RefBox): number {
  const xi1 = Math.max(a[0], b[0]);
  const yi1 = Math.max(a[1], b[1]);
  const xi2 = Math.min(a[2], b[2]);
  const yi2 = Math.min(a[3], b[3]);
  const inter = Math.max(xi2 - xi1, 0) * Math.max(yi2 - yi1, 0);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Generalized IoU: IoU − |C \ (A ∪ B)| / |C|, C the smallest box enclosing A and B. In [−1, 1]. */
export function giouReference(a: RefBox, b: RefBox): number {
  const xi1 = Math.max(a[0], b[0]);
  const yi1 = Math.max(a[1], b[1]);
  const xi2 = Math.min(a[2], b[2]);
  const yi2 = Math.min(a[3], b[3]);
  const inter = Math.max(xi2 - xi1, 0) * Math.max(yi2 - yi1, 0);
  const union = area(a) + area(b) - inter;
  const iou = union > 0 ? inter / union : 0;
  const c = (Math.max(a[2], b[2]) - Math.min(a[0], b[0])) * (Math.max(a[3], b[3]) - Math.min(a[1], b[1]));
  return c > 0 ? iou - (c - union) / c : iou;
}

export interface NmsReferenceOptions {
  iouThreshold: number;
  /** Keep boxes scoring >= this (default −Infinity: all). */
  scoreThreshold?: number;
  /** Class id per box; when given, boxes of different classes never suppress each other. */
  classes?: readonly number[];
  /** Default Infinity. */
  maxDetections?: number;
}

/**
 * The course's NMS, literally: discard boxes scoring below the threshold; while boxes remain, pick the one
 * with the highest score, output it, and discard every remaining box (of its class) with IoU >= iouThreshold
 * with it. Returns the indices of the kept boxes in the order they were picked.
 */
export function nmsReference(boxes: readonly RefBox[], scores: readonly number[], options: NmsReferenceOptions): number[] {
  const scoreThreshold = options.scoreThreshold ?? -Infinity;
  const maxDetections = options.maxDetections ?? Infinity;
  let remaining: number[] = [];
  for (let i = 0; i < boxes.length; i++) if (scores[i]! >= scoreThreshold) remaining.push(i);
  const keep: number[] = [];
  while (remaining.length > 0 && keep.length < maxDetections) {
    let best = remaining[0]!;
    for (const i of remaining) if (scores[i]! > scores[best]! || (scores[i] === scores[best] && i < best)) best = i;
    keep.push(best);
    remaining = remaining.filter((j) => {
      if (j === best) return false;
      if (options.classes && options.classes[j] !== options.classes[best]) return true;
      return iouReference(boxes[best]!, boxes[j]!) < options.iouThreshold;
    });
  }
  return keep;
}

export interface SoftNmsReferenceOptions {
  method: 'linear' | 'gaussian';
  /** Gaussian: s·exp(−IoU²/σ). */
  sigma: number;
  /** Linear: s·(1 − IoU) when IoU >= iouThreshold (N_t), else s unchanged. */
  iouThreshold: number;
  /** Boxes whose (decayed) score falls below this are dropped. */
  scoreThreshold: number;
  classes?: readonly number[];
  maxDetections?: number;
}

/**
 * Soft-NMS, Bodla et al. 2017 Algorithm 1: pick the box M with the highest score, move it to the output,
 * and decay the score of every remaining box (of its class) by f(IoU(M, b)); repeat. Returns the picked
 * boxes with their scores at the time they were picked (their final scores).
 */
export function softNmsReference(boxes: readonly RefBox[], scores: readonly number[], options: SoftNmsReferenceOptions): { index: number; score: number }[] {
  const maxDetections = options.maxDetections ?? Infinity;
  const s = [...scores];
  let remaining: number[] = [];
  for (let i = 0; i < boxes.length; i++) if (s[i]! >= options.scoreThreshold) remaining.push(i);
  const out: { index: number; score: number }[] = [];
  while (remaining.length > 0 && out.length < maxDetections) {
    let best = remaining[0]!;
    for (const i of remaining) if (s[i]! > s[best]! || (s[i] === s[best] && i < best)) best = i;
    out.push({ index: best, score: s[best]! });
    remaining = remaining.filter((j) => j !== best);
    for (const j of remaining) {
      if (options.classes && options.classes[j] !== options.classes[best]) continue;
      const ov = iouReference(boxes[best]!, boxes[j]!);
      if (options.method === 'linear') s[j] = ov >= options.iouThreshold ? s[j]! * (1 - ov) : s[j]!;
      else s[j] = s[j]! * Math.exp(-(ov * ov) / options.sigma);
    }
    remaining = remaining.filter((j) => s[j]! >= options.scoreThreshold);
  }
  return out;
}
