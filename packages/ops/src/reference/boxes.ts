/**
 * Plain-loop box references (no tfjs), straight from the definitions: IoU (the course), GIoU (Rezatofighi
 * et al. 2019), greedy NMS (the course's algorithm) and Soft-NMS (Bodla et al. 2017). Boxes are xyxy.
 */
export type RefBox = readonly [number, number, number, number];

export function iouRef(a: RefBox, b: RefBox): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

export function giouRef(a: RefBox, b: RefBox): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  const c = (Math.max(a[2], b[2]) - Math.min(a[0], b[0])) * (Math.max(a[3], b[3]) - Math.min(a[1], b[1]));
  const iou = union > 0 ? inter / union : 0;
  return c > 0 ? iou - (c - union) / c : iou;
}

/** xyxy <-> xywh (top-left + size) <-> cxcywh (centre + size). */
export function convertRef(b: RefBox, from: string, to: string): [number, number, number, number] {
  let x1: number, y1: number, x2: number, y2: number;
  if (from === 'xyxy') [x1, y1, x2, y2] = b;
  else if (from === 'xywh') [x1, y1, x2, y2] = [b[0], b[1], b[0] + b[2], b[1] + b[3]];
  else [x1, y1, x2, y2] = [b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2];
  if (to === 'xyxy') return [x1, y1, x2, y2];
  if (to === 'xywh') return [x1, y1, x2 - x1, y2 - y1];
  return [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1];
}

/**
 * The course's NMS: drop boxes below the score threshold; repeatedly pick the highest score and discard
 * the remaining boxes (of the same class, when class-aware) that overlap it with IoU > iouThreshold.
 */
export function nmsRef(boxes: readonly RefBox[], scores: readonly number[], iouThreshold: number, scoreThreshold = -Infinity, classes?: readonly number[]): number[] {
  const order = scores
    .map((s, i) => [s, i] as const)
    .filter(([s]) => s > scoreThreshold)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map(([, i]) => i);
  const keep: number[] = [];
  const removed = new Set<number>();
  for (const i of order) {
    if (removed.has(i)) continue;
    keep.push(i);
    for (const j of order) {
      if (j === i || removed.has(j) || keep.includes(j)) continue;
      if (classes && classes[i] !== classes[j]) continue;
      if (iouRef(boxes[i]!, boxes[j]!) > iouThreshold) removed.add(j);
    }
  }
  return keep;
}

/** Soft-NMS: decay overlapping scores instead of removing them. Linear: s·(1 − IoU) when IoU > Nt; Gaussian: s·exp(−IoU²/σ). */
export function softNmsRef(boxes: readonly RefBox[], scores: readonly number[], opts: { method: 'linear' | 'gaussian'; sigma: number; iouThreshold: number; scoreThreshold: number }): { index: number; score: number }[] {
  const s = [...scores];
  const left = new Set(scores.map((_, i) => i));
  const out: { index: number; score: number }[] = [];
  while (left.size > 0) {
    let best = -1;
    for (const i of left) if (best < 0 || s[i]! > s[best]! || (s[i] === s[best] && i < best)) best = i;
    left.delete(best);
    if (s[best]! <= opts.scoreThreshold) break;
    out.push({ index: best, score: s[best]! });
    for (const j of left) {
      const ov = iouRef(boxes[best]!, boxes[j]!);
      const w = opts.method === 'linear' ? (ov > opts.iouThreshold ? 1 - ov : 1) : Math.exp(-(ov * ov) / opts.sigma);
      s[j] = s[j]! * w;
    }
  }
  return out;
}
