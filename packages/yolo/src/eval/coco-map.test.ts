import { describe, expect, it } from 'vitest';
import { averagePrecision } from './average-precision.js';
import { COCO_IOU_THRESHOLDS, cocoMeanAveragePrecision } from './coco-map.js';
import type { EvalDetection, EvalGroundTruth } from './types.js';

describe('cocoMeanAveragePrecision', () => {
  it('uses the 10 thresholds 0.50 .. 0.95', () => {
    expect(COCO_IOU_THRESHOLDS).toHaveLength(10);
    COCO_IOU_THRESHOLDS.forEach((t, i) => expect(t).toBeCloseTo(0.5 + 0.05 * i, 12));
    expect(COCO_IOU_THRESHOLDS[9]).toBe(0.95);
  });

  it('averages over thresholds and classes (by hand)', () => {
    // Class 0: one GT [0,0,10,10], one detection [0,0,10,7.2]: IoU 0.72 -> TP at 0.50 .. 0.70 (AP 1), FP at
    //   0.75 .. 0.95 (AP 0): AP = 5/10.
    // Class 1: two GT, one exact detection: recall 1/2 at precision 1 at every threshold ->
    //   101-point AP = 51/101 (thresholds 0, 0.01, .., 0.50 reach it).
    const gts: EvalGroundTruth[] = [
      { imageId: 0, class: 0, box: [0, 0, 10, 10] },
      { imageId: 0, class: 1, box: [20, 20, 30, 30] },
      { imageId: 1, class: 1, box: [20, 20, 30, 30] },
    ];
    const dets: EvalDetection[] = [
      { imageId: 0, class: 0, box: [0, 0, 10, 7.2], score: 0.9 },
      { imageId: 1, class: 1, box: [20, 20, 30, 30], score: 0.5 },
    ];
    const r = cocoMeanAveragePrecision(dets, gts, { classNames: ['sun', 'moon'] });
    expect(r.classes[0]!.apPerThreshold).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(r.classes[0]!.ap).toBeCloseTo(0.5, 12);
    expect(r.classes[0]!.ap50).toBe(1);
    expect(r.classes[0]!.ap75).toBe(0);
    expect(r.classes[1]!.ap).toBeCloseTo(51 / 101, 12);
    expect(r.map).toBeCloseTo((0.5 + 51 / 101) / 2, 12);
    expect(r.map50).toBeCloseTo((1 + 51 / 101) / 2, 12);
    expect(r.map75).toBeCloseTo((0 + 51 / 101) / 2, 12);
    expect(r.mapPerThreshold).toHaveLength(10);
  });

  it('ignores detections inside a crowd region (IoU = intersection / detection area), as pycocotools', () => {
    const gts: EvalGroundTruth[] = [
      { imageId: 0, box: [0, 0, 100, 100], crowd: true },
      { imageId: 0, box: [200, 0, 210, 10] },
    ];
    const dets: EvalDetection[] = [
      { imageId: 0, box: [10, 10, 20, 20], score: 0.9 }, // inside the crowd: 100/100 -> ignored
      { imageId: 0, box: [30, 30, 40, 40], score: 0.8 }, // again: a crowd absorbs any number
      { imageId: 0, box: [200, 0, 210, 10], score: 0.7 }, // TP
    ];
    const r = cocoMeanAveragePrecision(dets, gts);
    expect(r.classes[0]!.numGroundTruth).toBe(1);
    expect(r.map).toBe(1);
    // Plain IoU (VOC rule) sees 100/10000 = 0.01: two false positives ahead of the TP.
    const voc = averagePrecision(dets, gts, { matching: 'voc' });
    expect(voc.precision).toEqual([0, 0, 1 / 3]);
    expect(voc.ap).toBeCloseTo(1 / 3, 12);
  });

  it('keeps 100 detections per image by default', () => {
    const gts: EvalGroundTruth[] = [{ imageId: 0, box: [0, 0, 10, 10] }];
    const dets: EvalDetection[] = Array.from({ length: 100 }, (_, i) => ({ imageId: 0, box: [500, 500, 510 + i, 510], score: 0.9 }));
    dets.push({ imageId: 0, box: [0, 0, 10, 10], score: 0.1 });
    expect(cocoMeanAveragePrecision(dets, gts).map).toBe(0);
    expect(cocoMeanAveragePrecision(dets, gts, { maxDetectionsPerImage: 101 }).map).toBeCloseTo(1 / 101, 12);
  });

  it('validates its options', () => {
    expect(() => cocoMeanAveragePrecision([], [], { iouThresholds: [] })).toThrow(/options\.iouThresholds/);
    expect(() => cocoMeanAveragePrecision([], [], { maxDetectionsPerImage: -1 })).toThrow(/maxDetectionsPerImage/);
    expect(cocoMeanAveragePrecision([], []).map).toBeNaN();
    expect(cocoMeanAveragePrecision([], [{ imageId: 0, box: [0, 0, 1, 1] }], { iouThresholds: [0.6] }).map50).toBeNaN();
  });
});
