/** Detection evaluation: AP and mAP (VOC all-point, VOC 11-point, COCO 101-point), COCO mAP@[.5:.95], PR plots. */
export type {
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
export { AP_METHODS, COCO_RECALL_THRESHOLDS, VOC11_RECALL_THRESHOLDS, apFromPrecisionRecall } from './interpolate-ap.js';
export { averagePrecision, meanAveragePrecision } from './average-precision.js';
export { COCO_IOU_THRESHOLDS, cocoMeanAveragePrecision, type CocoClassAp, type CocoMapOptions, type CocoMapResult } from './coco-map.js';
export { PLOT_COLORS, renderPrCurves, writePrCurves, type PrCurve, type PrPlotOptions, type RgbaImage } from './pr-curve-plot.js';
export { groundTruthFromDataset } from './ground-truth-from-dataset.js';
