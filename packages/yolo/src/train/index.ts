/**
 * Training detectors: augmentation that moves the boxes, a training loop (Adam, YOLO loss, progress,
 * validation mAP, checkpoints and resume), a detector wrapper that saves and loads, evaluation, and the
 * shipped shapes detector.
 */
export { augmentDetection, readAugmentOptions, type AugmentBox, type AugmentOptions, type AugmentResult, type ColorJitterOptions } from './augment.js';
export { createDetector, loadDetector, readDetectorFile, type DetectOptions, type Detector, type DetectorConfig, type DetectorFile } from './detector.js';
export { evaluateDetector, type EvaluateDetectorOptions, type EvaluateDetectorResult } from './evaluate.js';
export { fitToInput, sampleReader, sceneToSample, type PreparedSample, type RawRgbImage, type SampleReader, type SampleSource, type TrainingSample } from './samples.js';
export {
  cosineLearningRate,
  formatTrainProgress,
  terminalTrainingProgress,
  trainDetector,
  type CheckpointFile,
  type EpochRecord,
  type LearningRateContext,
  type LossValues,
  type TrainDetectorOptions,
  type TrainHistory,
  type TrainProgress,
  type ValidationOptions,
} from './train.js';
export { loadShapesDetector, shapesDetectorModel, type ShapesBackboneOptions } from './shapes.js';
export { chainBackbone, type ChainBackboneOptions } from './backbone.js';
export { initObjectnessPrior } from './head-init.js';
