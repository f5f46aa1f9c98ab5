/**
 * mAP of a detector on samples: detect every picture (at a low score threshold, as mAP ranks detections) and
 * compare with the ground truth by meanAveragePrecision (VOC all-point, IoU 0.5 by default).
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { meanAveragePrecision } from '../eval/average-precision.js';
import type { EvalDetection, EvalGroundTruth, MeanAveragePrecisionResult } from '../eval/types.js';
import type { Detector } from './detector.js';
import { sampleReader, type SampleSource } from './samples.js';

export interface EvaluateDetectorOptions {
  /** Number of samples to draw from a generator source (needed then); default: all of a dataset or array. */
  count?: number;
  /** IoU for a match (default 0.5). */
  iouThreshold?: number;
  /** Detection score threshold while evaluating (default 0.01). */
  scoreThreshold?: number;
  /** NMS IoU (default 0.45). */
  nmsIouThreshold?: number;
  /** Class names (default: the detector's labels). */
  classNames?: readonly string[];
  signal?: AbortSignal;
}

export interface EvaluateDetectorResult extends MeanAveragePrecisionResult {
  images: number;
  detections: EvalDetection[];
  groundTruth: EvalGroundTruth[];
  seconds: number;
}

/**
 * mAP@iouThreshold of `detector` on `source`. Pictures are letterboxed to the detector's input like in
 * training; boxes are compared in network-input pixels (IoU does not depend on the unit).
 */
export async function evaluateDetector(detector: Detector, source: SampleSource, options: EvaluateDetectorOptions = {}): Promise<EvaluateDetectorResult> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const started = Date.now();
  const reader = sampleReader(source, detector.inputSize, 'source');
  const count = options.count ?? reader.size;
  if (count === undefined || !Number.isInteger(count) || count < 1) {
    reader.dispose();
    throw new InvalidArgumentError('options.count', 'the number of samples to draw (an integer >= 1; required for a generator)', describeValue(options.count));
  }
  const detections: EvalDetection[] = [];
  const groundTruth: EvalGroundTruth[] = [];
  try {
    for (let i = 0; i < count; i++) {
      if (options.signal?.aborted) break;
      const s = await reader.get(i);
      const imageId = `${i}:${s.id}`;
      try {
        const found = await detector.detect(s.image, { scoreThreshold: options.scoreThreshold ?? 0.01, iouThreshold: options.nmsIouThreshold ?? 0.45 });
        for (const d of found) detections.push({ imageId, class: d.class, box: d.box, score: d.score });
      } finally {
        s.image.dispose();
      }
      for (const b of s.boxes) groundTruth.push({ imageId, class: b.class, box: b.box });
      for (const b of s.difficult) groundTruth.push({ imageId, class: b.class, box: b.box, difficult: true });
    }
  } finally {
    reader.dispose();
  }
  const classNames = options.classNames ?? detector.labels;
  const result = meanAveragePrecision(detections, groundTruth, { iouThreshold: options.iouThreshold ?? 0.5, classNames });
  return { ...result, images: count, detections, groundTruth, seconds: (Date.now() - started) / 1000 };
}
