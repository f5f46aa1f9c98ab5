/**
 * Average precision (AP) and its mean over classes (mAP): "rank every detection by score, walk down the list,
 * count each as a true positive when it finds a ground-truth box of IoU ≥ threshold not found before, and
 * read precision = TP / (TP + FP) and recall = TP / #ground truth after every step". AP summarizes that
 * precision-recall curve (see interpolate-ap.ts); mAP averages AP over the classes.
 */
import { BOX_FORMATS, InvalidArgumentError, assertOneOf, describeValue, type BoxFormat } from '@cnn/ops';
import { AP_METHODS, apFromPrecisionRecall } from './interpolate-ap.js';
import type {
  ApMethod,
  AveragePrecisionOptions,
  AveragePrecisionResult,
  ClassAveragePrecision,
  EvalDetection,
  EvalGroundTruth,
  ImageId,
  MatchingRule,
  MeanAveragePrecisionOptions,
  MeanAveragePrecisionResult,
} from './types.js';

/** A checked detection or ground-truth box: xyxy corners, class, and its index in the caller's array. */
interface Item {
  index: number;
  image: ImageId;
  cls: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}
interface Det extends Item {
  score: number;
}
interface Gt extends Item {
  ignore: boolean;
  crowd: boolean;
}

export interface CheckedOptions {
  iouThreshold: number;
  method: ApMethod;
  matching: MatchingRule;
  format: BoxFormat;
  maxDetectionsPerImage: number;
}

export function checkOptions(options: unknown, defaults: Partial<CheckedOptions> = {}): CheckedOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const o = options as AveragePrecisionOptions;
  const iouThreshold = o.iouThreshold ?? defaults.iouThreshold ?? 0.5;
  if (typeof iouThreshold !== 'number' || !(iouThreshold >= 0 && iouThreshold <= 1)) {
    throw new InvalidArgumentError('options.iouThreshold', 'a number in [0, 1]', describeValue(iouThreshold));
  }
  const method = o.method ?? defaults.method ?? 'voc-all-point';
  assertOneOf(method, 'options.method', AP_METHODS);
  const matching = o.matching ?? defaults.matching ?? (method === 'coco-101' ? 'coco' : 'voc');
  assertOneOf(matching, 'options.matching', ['voc', 'coco'] as const);
  const format = o.format ?? 'xyxy';
  assertOneOf(format, 'options.format', BOX_FORMATS);
  const maxDetectionsPerImage = o.maxDetectionsPerImage ?? defaults.maxDetectionsPerImage ?? Infinity;
  if (maxDetectionsPerImage !== Infinity && (!Number.isInteger(maxDetectionsPerImage) || maxDetectionsPerImage < 1)) {
    throw new InvalidArgumentError('options.maxDetectionsPerImage', 'an integer >= 1 or Infinity', describeValue(maxDetectionsPerImage));
  }
  return { iouThreshold, method, matching, format, maxDetectionsPerImage };
}

function checkItem(value: unknown, argument: string, index: number, format: BoxFormat): Item {
  if (value === null || typeof value !== 'object') {
    throw new InvalidArgumentError(argument, `an object { imageId, class?, box: [4 numbers ('${format}')], ... }`, describeValue(value));
  }
  const { imageId, box } = value as EvalDetection;
  const cls = (value as EvalDetection).class ?? 0;
  if (!((typeof imageId === 'string') || (typeof imageId === 'number' && Number.isFinite(imageId)))) {
    throw new InvalidArgumentError(`${argument}.imageId`, 'a string or a finite number', describeValue(imageId));
  }
  if (!Number.isInteger(cls) || cls < 0) throw new InvalidArgumentError(`${argument}.class`, 'an integer >= 0', describeValue(cls));
  if (!Array.isArray(box) || box.length !== 4 || box.some((v: unknown) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new InvalidArgumentError(`${argument}.box`, `4 finite numbers ('${format}')`, describeValue(box));
  }
  const [p, q, r, s] = box as [number, number, number, number];
  const [x1, y1, x2, y2] = format === 'xyxy' ? [p, q, r, s] : format === 'xywh' ? [p, q, p + r, q + s] : [p - r / 2, q - s / 2, p + r / 2, q + s / 2];
  if (x2 < x1 || y2 < y1) {
    throw new InvalidArgumentError(`${argument}.box`, format === 'xyxy' ? 'x2 >= x1 and y2 >= y1' : 'a non-negative width and height', `[${box.join(', ')}]`);
  }
  return { index, image: imageId, cls, x1, y1, x2, y2 };
}

export function checkDetections(detections: unknown, format: BoxFormat): Det[] {
  if (!Array.isArray(detections)) throw new InvalidArgumentError('detections', 'an array of { imageId, class?, box, score }', describeValue(detections));
  return detections.map((d: unknown, i) => {
    const item = checkItem(d, `detections[${i}]`, i, format);
    const score = (d as EvalDetection).score;
    if (typeof score !== 'number' || !Number.isFinite(score)) throw new InvalidArgumentError(`detections[${i}].score`, 'a finite number', describeValue(score));
    return { ...item, score };
  });
}

export function checkGroundTruth(groundTruth: unknown, format: BoxFormat): Gt[] {
  if (!Array.isArray(groundTruth)) throw new InvalidArgumentError('groundTruth', 'an array of { imageId, class?, box, difficult?, crowd? }', describeValue(groundTruth));
  return groundTruth.map((g: unknown, i) => {
    const item = checkItem(g, `groundTruth[${i}]`, i, format);
    const { difficult = false, crowd = false } = g as EvalGroundTruth;
    if (typeof difficult !== 'boolean') throw new InvalidArgumentError(`groundTruth[${i}].difficult`, 'a boolean', describeValue(difficult));
    if (typeof crowd !== 'boolean') throw new InvalidArgumentError(`groundTruth[${i}].crowd`, 'a boolean', describeValue(crowd));
    return { ...item, ignore: difficult || crowd, crowd };
  });
}

function area(b: Item): number {
  return (b.x2 - b.x1) * (b.y2 - b.y1);
}

function intersection(a: Item, b: Item): number {
  return Math.max(Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1), 0) * Math.max(Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1), 0);
}

/** IoU; for a crowd box under COCO rules, intersection / detection area (pycocotools maskUtils.iou). */
function overlap(d: Det, g: Gt, crowdRule: boolean): number {
  const inter = intersection(d, g);
  const union = crowdRule && g.crowd ? area(d) : area(d) + area(g) - inter;
  return union > 0 ? inter / union : 0;
}

/** Stable sort by descending score: ties keep input order (pycocotools uses a stable mergesort too). */
function rank(dets: Det[]): Det[] {
  return dets.slice().sort((a, b) => b.score - a.score || a.index - b.index);
}

function groupByImage<T extends Item>(items: readonly T[]): Map<ImageId, T[]> {
  const map = new Map<ImageId, T[]>();
  for (const it of items) {
    const list = map.get(it.image);
    if (list) list.push(it);
    else map.set(it.image, [it]);
  }
  return map;
}

/** Matches one class's detections (any images) to its ground truth and builds the curve. */
export function evaluateClass(dets: Det[], gts: Gt[], o: CheckedOptions): AveragePrecisionResult {
  let ranked = rank(dets);
  if (o.maxDetectionsPerImage !== Infinity) {
    const kept = new Map<ImageId, number>();
    ranked = ranked.filter((d) => {
      const k = kept.get(d.image) ?? 0;
      kept.set(d.image, k + 1);
      return k < o.maxDetectionsPerImage;
    });
  }
  const byImage = groupByImage(gts);
  if (o.matching === 'coco') {
    // pycocotools sorts each image's ground truth with the ignored boxes last (stable).
    for (const [k, list] of byImage) byImage.set(k, [...list.filter((g) => !g.ignore), ...list.filter((g) => g.ignore)]);
  }
  const matched = new Set<Gt>();
  const numGroundTruth = gts.filter((g) => !g.ignore).length;
  const result: AveragePrecisionResult = {
    ap: NaN, numGroundTruth, numDetections: 0, truePositives: 0, falsePositives: 0, ignored: 0,
    precision: [], recall: [], scores: [], detectionIndex: [], matchedGroundTruth: [],
  };
  for (const d of ranked) {
    const candidates = byImage.get(d.image) ?? [];
    let best: Gt | undefined;
    if (o.matching === 'voc') {
      // VOC devkit: the box of highest IoU (the first one on ties), whatever its state.
      let ovmax = -Infinity;
      for (const g of candidates) {
        const v = overlap(d, g, false);
        if (v > ovmax) [ovmax, best] = [v, g];
      }
      if (best && ovmax < o.iouThreshold) best = undefined;
      if (best && !best.ignore && matched.has(best)) {
        pushStep(result, d, -1); // a second detection of a box already found: false positive
        continue;
      }
    } else {
      // pycocotools evaluateImg: the unmatched (or crowd) box of highest IoU ≥ threshold; once a counted box
      // is matched, ignored boxes (sorted last) are not considered.
      let iou = Math.min(o.iouThreshold, 1 - 1e-10);
      for (const g of candidates) {
        if (matched.has(g) && !g.crowd) continue;
        if (best && !best.ignore && g.ignore) break;
        const v = overlap(d, g, true);
        if (v < iou) continue;
        iou = v;
        best = g;
      }
    }
    if (!best) {
      pushStep(result, d, -1);
    } else if (best.ignore) {
      result.ignored++; // matched to a difficult or crowd box: neither TP nor FP
      if (o.matching === 'coco') matched.add(best);
    } else {
      matched.add(best);
      pushStep(result, d, best.index);
    }
  }
  result.ap = numGroundTruth === 0 ? NaN : apFromPrecisionRecall(result.recall, result.precision, o.method);
  return result;
}

function pushStep(r: AveragePrecisionResult, d: Det, gtIndex: number): void {
  if (gtIndex >= 0) r.truePositives++;
  else r.falsePositives++;
  r.numDetections++;
  r.precision.push(r.truePositives / r.numDetections);
  r.recall.push(r.numGroundTruth === 0 ? NaN : r.truePositives / r.numGroundTruth);
  r.scores.push(d.score);
  r.detectionIndex.push(d.index);
  r.matchedGroundTruth.push(gtIndex);
}

/**
 * AP of one class: every detection and ground-truth box given is taken as the same class (`class` is not
 * read, except to validate it). Detections are matched greedily in descending score order, one per
 * ground-truth box, within their image.
 *
 * @example averagePrecision(dets, gts, { iouThreshold: 0.5, method: 'voc-all-point' }).ap
 */
export function averagePrecision(
  detections: readonly EvalDetection[],
  groundTruth: readonly EvalGroundTruth[],
  options: AveragePrecisionOptions = {},
): AveragePrecisionResult {
  const o = checkOptions(options);
  return evaluateClass(checkDetections(detections, o.format), checkGroundTruth(groundTruth, o.format), o);
}

export function resolveClasses(options: MeanAveragePrecisionOptions, dets: readonly Item[], gts: readonly Item[]): { ids: number[]; names: string[] } {
  const { classNames, numClasses } = options;
  if (classNames !== undefined && (!Array.isArray(classNames) || classNames.some((n) => typeof n !== 'string'))) {
    throw new InvalidArgumentError('options.classNames', 'an array of strings', describeValue(classNames));
  }
  if (numClasses !== undefined && (!Number.isInteger(numClasses) || numClasses < 1)) {
    throw new InvalidArgumentError('options.numClasses', 'an integer >= 1', describeValue(numClasses));
  }
  if (classNames && numClasses !== undefined && classNames.length !== numClasses) {
    throw new InvalidArgumentError('options.numClasses', `${classNames.length} (the number of options.classNames)`, String(numClasses));
  }
  const n = numClasses ?? classNames?.length;
  let ids: number[];
  if (n !== undefined) {
    for (const [what, list] of [['detections', dets], ['groundTruth', gts]] as const) {
      const bad = list.find((it) => it.cls >= n);
      if (bad) throw new InvalidArgumentError(`${what}[${bad.index}].class`, `a class index < ${n} (the number of classes)`, String(bad.cls));
    }
    ids = Array.from({ length: n }, (_, i) => i);
  } else {
    ids = [...new Set([...gts, ...dets].map((it) => it.cls))].sort((a, b) => a - b);
  }
  return { ids, names: ids.map((i) => classNames?.[i] ?? `class ${i}`) };
}

/**
 * mAP: AP per class (see averagePrecision), averaged over the classes that have ground truth. A class with
 * no ground truth gets AP NaN and does not count (as pycocotools' -1); one with ground truth but no
 * detections gets AP 0 and counts.
 */
export function meanAveragePrecision(
  detections: readonly EvalDetection[],
  groundTruth: readonly EvalGroundTruth[],
  options: MeanAveragePrecisionOptions = {},
): MeanAveragePrecisionResult {
  const o = checkOptions(options);
  const dets = checkDetections(detections, o.format);
  const gts = checkGroundTruth(groundTruth, o.format);
  const { ids, names } = resolveClasses(options, dets, gts);
  const classes: ClassAveragePrecision[] = ids.map((cls, k) => ({
    class: cls,
    name: names[k]!,
    ...evaluateClass(dets.filter((d) => d.cls === cls), gts.filter((g) => g.cls === cls), o),
  }));
  const counted = classes.filter((c) => !Number.isNaN(c.ap));
  const map = counted.length === 0 ? NaN : counted.reduce((s, c) => s + c.ap, 0) / counted.length;
  return { map, iouThreshold: o.iouThreshold, method: o.method, matching: o.matching, classes };
}
