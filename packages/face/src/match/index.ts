/**
 * Verification (same person?) and identification (who?) on face embeddings, with DeepFace-like default
 * thresholds per model and metric.
 */
export { verify, type VerifyOptions, type VerifyResult } from './verify.js';
export { identify, type GalleryEntry, type IdentifyFaceOptions } from './identify.js';
export {
  IDENTITY_AGGREGATES,
  UNKNOWN_IDENTITY,
  decideIdentity,
  type IdentifyMatch,
  type IdentifyResult,
  type IdentityAggregate,
  type IdentityMatch,
} from './identify-result.js';
export {
  DEFAULT_THRESHOLDS,
  FACE_API_DESCRIPTOR_NORM,
  FACE_API_EMBEDDING_SIZE,
  FACE_API_MODEL_ID,
  defaultThreshold,
  type ThresholdTable,
} from './thresholds.js';
