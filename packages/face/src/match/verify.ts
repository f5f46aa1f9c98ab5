/**
 * Face verification (is this the claimed person?), DeepFace's `verify`: the distance between two embeddings
 * against a threshold; the same person when distance ≤ threshold.
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { distance as embeddingDistance, type DistanceMetric, type EmbeddingLike } from '../distance.js';
import { FACE_API_MODEL_ID, defaultThreshold } from './thresholds.js';

export interface VerifyOptions {
  /** Default 'euclidean'. */
  metric?: DistanceMetric;
  /** Default DEFAULT_THRESHOLDS[modelId][metric]. */
  threshold?: number;
  /** The model that made the embeddings, for the default threshold (default 'dlib-resnet34-face-api'). */
  modelId?: string;
}

export interface VerifyResult {
  /** distance ≤ threshold. */
  verified: boolean;
  distance: number;
  threshold: number;
  metric: DistanceMetric;
  modelId: string;
}

/** Whether two face embeddings are of the same person. */
export function verify(a: EmbeddingLike, b: EmbeddingLike, options: VerifyOptions = {}): VerifyResult {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const metric = options.metric ?? 'euclidean';
  const modelId = options.modelId ?? FACE_API_MODEL_ID;
  const d = embeddingDistance(a, b, metric);
  const threshold = options.threshold ?? defaultThreshold(modelId, metric);
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new InvalidArgumentError('options.threshold', 'a number', describeValue(threshold));
  return { verified: d <= threshold, distance: d, threshold, metric, modelId };
}
