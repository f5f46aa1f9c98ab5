/**
 * COCO's headline number, mAP@[.5:.95]: AP with 101-point interpolation and COCO matching, averaged over
 * the IoU thresholds 0.50, 0.55, ..., 0.95 and over the classes with ground truth (pycocotools COCOeval
 * with areaRng 'all' and maxDets 100). Also AP50 and AP75, the thresholds' own mAPs, and AP per class.
 */
import { InvalidArgumentError, describeValue, type BoxFormat } from '@cnn/ops';
import { checkDetections, checkGroundTruth, checkOptions, evaluateClass, resolveClasses } from './average-precision.js';
import type { EvalDetection, EvalGroundTruth } from './types.js';

/** np.linspace(.5, 0.95, 10), as pycocotools: 0.5 + i * 0.05 in floating point, 0.95 exactly at the end. */
export const COCO_IOU_THRESHOLDS: readonly number[] = Array.from({ length: 10 }, (_, i) => (i === 9 ? 0.95 : i * ((0.95 - 0.5) / 9) + 0.5));

export interface CocoMapOptions {
  /** IoU thresholds (default COCO_IOU_THRESHOLDS). */
  iouThresholds?: readonly number[];
  /** Best detections kept per image and class (default 100, as COCO). */
  maxDetectionsPerImage?: number;
  /** Box format (default 'xyxy'). */
  format?: BoxFormat;
  classNames?: readonly string[];
  numClasses?: number;
}

export interface CocoClassAp {
  class: number;
  name: string;
  numGroundTruth: number;
  /** Mean of apPerThreshold; NaN without ground truth. */
  ap: number;
  /** AP at IoU 0.5 and 0.75 (NaN when that threshold is not among iouThresholds). */
  ap50: number;
  ap75: number;
  apPerThreshold: number[];
}

export interface CocoMapResult {
  /** mAP@[.5:.95] (the mean over the thresholds given); NaN when no class has ground truth. */
  map: number;
  map50: number;
  map75: number;
  /** mAP at each of iouThresholds. */
  mapPerThreshold: number[];
  iouThresholds: number[];
  classes: CocoClassAp[];
}

function mean(values: readonly number[]): number {
  const v = values.filter((x) => !Number.isNaN(x));
  return v.length === 0 ? NaN : v.reduce((s, x) => s + x, 0) / v.length;
}

/** COCO mAP@[.5:.95] with 101-point interpolation, as pycocotools (bbox, all areas). */
export function cocoMeanAveragePrecision(
  detections: readonly EvalDetection[],
  groundTruth: readonly EvalGroundTruth[],
  options: CocoMapOptions = {},
): CocoMapResult {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const thresholds = options.iouThresholds ?? COCO_IOU_THRESHOLDS;
  if (!Array.isArray(thresholds) || thresholds.length === 0 || thresholds.some((t) => typeof t !== 'number' || !(t >= 0 && t <= 1))) {
    throw new InvalidArgumentError('options.iouThresholds', 'a non-empty array of numbers in [0, 1]', describeValue(thresholds));
  }
  const base = checkOptions(
    { format: options.format, maxDetectionsPerImage: options.maxDetectionsPerImage },
    { method: 'coco-101', matching: 'coco', maxDetectionsPerImage: 100 },
  );
  const dets = checkDetections(detections, base.format);
  const gts = checkGroundTruth(groundTruth, base.format);
  const { ids, names } = resolveClasses(options, dets, gts);
  const find = (t: number) => thresholds.findIndex((x) => Math.abs(x - t) < 1e-9);
  const i50 = find(0.5);
  const i75 = find(0.75);
  const classes: CocoClassAp[] = ids.map((cls, k) => {
    const d = dets.filter((x) => x.cls === cls);
    const g = gts.filter((x) => x.cls === cls);
    const apPerThreshold = thresholds.map((t) => evaluateClass(d, g, { ...base, iouThreshold: t }).ap);
    const numGroundTruth = g.filter((x) => !x.ignore).length;
    return {
      class: cls,
      name: names[k]!,
      numGroundTruth,
      ap: numGroundTruth === 0 ? NaN : mean(apPerThreshold),
      ap50: i50 < 0 ? NaN : apPerThreshold[i50]!,
      ap75: i75 < 0 ? NaN : apPerThreshold[i75]!,
      apPerThreshold,
    };
  });
  const mapPerThreshold = thresholds.map((_, t) => mean(classes.map((c) => c.apPerThreshold[t]!)));
  return {
    map: mean(classes.map((c) => c.ap)),
    map50: i50 < 0 ? NaN : mapPerThreshold[i50]!,
    map75: i75 < 0 ? NaN : mapPerThreshold[i75]!,
    mapPerThreshold,
    iouThresholds: [...thresholds],
    classes,
  };
}
