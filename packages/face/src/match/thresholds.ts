/**
 * Default decision thresholds: two faces are the same person when their distance is ≤ the threshold
 * (DeepFace's rule). Keyed by embedding model id, then metric.
 *
 * 'dlib-resnet34-face-api' (dlib's ResNet-34 face descriptor with face-api's weights, 128 numbers, not
 * L2-normalised: the face-api reference descriptors have norms 1.37–1.56):
 * - 'euclidean' 0.6 — published: dlib's own threshold (dlib `dnn_face_recognition_ex`, face-api's
 *   `FaceMatcher` default, DeepFace's 'Dlib' entry), calibrated on LFW by dlib's author (99.38 % there).
 * - 'cosine' 0.0856 and 'euclidean-l2' 0.4138 — **derived**, not calibrated: for two vectors of equal norm r,
 *   ‖a − b‖² = 2r²·(1 − cos) = 2r²·cosine and ‖a/r − b/r‖ = ‖a − b‖ / r, so with r = 1.45 (the descriptors'
 *   typical norm) the euclidean 0.6 corresponds to cosine 0.36 / (2 · 1.45²) = 0.0856 and euclidean-l2
 *   0.6 / 1.45 = 0.4138 (= √(2 · 0.0856)). DeepFace's calibrated 'Dlib' values, 0.07 and 0.4, are close.
 *   Checked on the AT&T faces (bench/thresholds.mjs: dlib chips, 1,800 genuine + 1,800 impostor pairs): accuracy
 *   at the defaults 98.5% (euclidean), 98.6% (cosine), 98.6% (euclidean-l2); the 10-fold thresholds there are
 *   0.557, 0.0758 and 0.389 (98.7-98.9%). AT&T is small and gray: calibrate on your own pairs with
 *   `kFoldVerification` / `verificationMetrics` when it matters.
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { assertMetric, type DistanceMetric } from '../distance.js';

/** The id of the face-api / dlib ResNet-34 face descriptor (128 numbers). */
export const FACE_API_MODEL_ID = 'dlib-resnet34-face-api';
/** Length of its embeddings. */
export const FACE_API_EMBEDDING_SIZE = 128;
/** Typical L2 norm of its (unnormalised) descriptors, used to derive the cosine and euclidean-l2 thresholds. */
export const FACE_API_DESCRIPTOR_NORM = 1.45;

export type ThresholdTable = Readonly<Record<string, Readonly<Record<DistanceMetric, number>>>>;

/** Default thresholds by model id and metric (distance ≤ threshold means the same person). */
export const DEFAULT_THRESHOLDS: ThresholdTable = Object.freeze({
  [FACE_API_MODEL_ID]: Object.freeze({ euclidean: 0.6, cosine: 0.0856, 'euclidean-l2': 0.4138 }),
});

/** The default threshold of a model and metric; a typed error for a model without defaults. */
export function defaultThreshold(modelId: string, metric: DistanceMetric, table: ThresholdTable = DEFAULT_THRESHOLDS): number {
  assertMetric(metric);
  const t = Object.prototype.hasOwnProperty.call(table, modelId) ? table[modelId]?.[metric] : undefined;
  if (t === undefined) {
    throw new InvalidArgumentError(
      'threshold',
      `a threshold (there is no default for model ${describeValue(modelId)} with metric '${metric}')`,
      'none',
      `Pass { threshold } or calibrate one on labelled pairs with kFoldVerification / verificationMetrics. Models with defaults: ${Object.keys(table).join(', ')}.`,
    );
  }
  return t;
}
