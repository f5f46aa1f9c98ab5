/**
 * Evaluation of face embeddings: ROC, AUC, EER, TAR@FAR and best-accuracy threshold from labelled distances,
 * LFW's k-fold verification protocol, verification pairs for a folder-per-identity set, and rank-k
 * identification accuracy with N enrolled images per person.
 */
export {
  accuracyAt,
  bestAccuracyThreshold,
  checkLabeledDistances,
  equalErrorRate,
  rocAuc,
  rocCurve,
  tarAtFar,
  verificationMetrics,
  type BestAccuracy,
  type EqualErrorRate,
  type LabeledDistance,
  type RocCurve,
  type RocPoint,
  type TarAtFar,
  type VerificationMetrics,
} from './roc.js';
export { kFoldVerification, type KFoldVerificationResult, type VerificationFold } from './k-fold.js';
export { makeVerificationPairs, pairDistances, type MakeVerificationPairsOptions, type VerificationPair } from './pairs.js';
export { identificationAccuracy, type IdentificationOptions, type IdentificationResult } from './identification.js';
