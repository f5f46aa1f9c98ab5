/**
 * What detection evaluation takes and returns. Boxes are pixels (or any one unit shared by detections and
 * ground truth: IoU does not care) in the format named by `options.format` (default 'xyxy').
 */
import type { BoxFormat } from '@cnn/ops';

/** An image is named by any string or number; detections and ground truth of one image share it. */
export type ImageId = string | number;

/** One predicted box. */
export interface EvalDetection {
  imageId: ImageId;
  /** Class index (default 0). */
  class?: number;
  box: readonly number[];
  /** Confidence: detections are ranked by it, highest first. */
  score: number;
}

/** One ground-truth box. */
export interface EvalGroundTruth {
  imageId: ImageId;
  /** Class index (default 0). */
  class?: number;
  box: readonly number[];
  /**
   * Pascal VOC's "difficult" flag: the box is not counted in recall, and a detection matched to it is
   * neither a true nor a false positive (it is left out of the ranking).
   */
  difficult?: boolean;
  /**
   * COCO's `iscrowd`: a region of many objects. Ignored like `difficult`; under COCO matching its IoU is
   * intersection / detection area and it can absorb any number of detections, as in pycocotools.
   */
  crowd?: boolean;
}

/**
 * How the precision-recall curve becomes one number:
 * - 'voc-all-point': area under the precision envelope at every recall step (VOC 2010+ devkit);
 * - 'voc11': mean of the envelope at recall 0, 0.1, ..., 1 (VOC 2007);
 * - 'coco-101': mean of the envelope at recall 0, 0.01, ..., 1 (pycocotools, thresholds as np.linspace).
 */
export type ApMethod = 'voc-all-point' | 'voc11' | 'coco-101';

/**
 * How detections are matched to ground truth, each detection in descending score order:
 * - 'voc': the ground-truth box of highest IoU is taken; if IoU ≥ threshold and that box is already matched,
 *   the detection is a false positive (a duplicate), even when another box would have fit (VOC devkit);
 * - 'coco': the unmatched ground-truth box of highest IoU ≥ threshold is taken (pycocotools evaluateImg).
 */
export type MatchingRule = 'voc' | 'coco';

export interface AveragePrecisionOptions {
  /** A detection matches a ground-truth box when IoU ≥ this (default 0.5). */
  iouThreshold?: number;
  /** Interpolation (default 'voc-all-point'). */
  method?: ApMethod;
  /** Matching rule (default 'coco' for method 'coco-101', else 'voc'). */
  matching?: MatchingRule;
  /** Box format of detections and ground truth (default 'xyxy'). */
  format?: BoxFormat;
  /** Keep only the best this many detections per image and class (default: all; COCO uses 100). */
  maxDetectionsPerImage?: number;
}

export interface MeanAveragePrecisionOptions extends AveragePrecisionOptions {
  /** Class names; their count fixes the classes evaluated (0 .. n-1). */
  classNames?: readonly string[];
  /** Number of classes, when there are no names (default: every class seen in the inputs). */
  numClasses?: number;
}

/** Average precision of one class, with its precision-recall curve. */
export interface AveragePrecisionResult {
  /** AP in [0, 1]; NaN when the class has no counted ground truth (such classes are left out of mAP). */
  ap: number;
  /** Ground-truth boxes counted in recall (neither difficult nor crowd). */
  numGroundTruth: number;
  /** Ranked detections (not ignored, after maxDetectionsPerImage). */
  numDetections: number;
  truePositives: number;
  falsePositives: number;
  /** Detections matched to difficult or crowd boxes, left out of the ranking. */
  ignored: number;
  /** Per ranked detection, highest score first: cumulative TP / (TP + FP). */
  precision: number[];
  /** Per ranked detection: cumulative TP / numGroundTruth (NaN when numGroundTruth is 0). */
  recall: number[];
  /** Per ranked detection: its score. */
  scores: number[];
  /** Per ranked detection: its index in the `detections` argument. */
  detectionIndex: number[];
  /** Per ranked detection: the index in `groundTruth` it matched, or -1 for a false positive. */
  matchedGroundTruth: number[];
}

export interface ClassAveragePrecision extends AveragePrecisionResult {
  class: number;
  /** `classNames[class]`, or "class <i>". */
  name: string;
}

export interface MeanAveragePrecisionResult {
  /** Mean AP over the classes that have ground truth; NaN when none has. */
  map: number;
  iouThreshold: number;
  method: ApMethod;
  matching: MatchingRule;
  classes: ClassAveragePrecision[];
}
