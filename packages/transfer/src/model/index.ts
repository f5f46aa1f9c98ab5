/**
 * Transfer-learning models: pretrained backbones cut and pooled, the classifier recipe with freezing and the
 * Keras frozen batch-norm rule, training / fine-tuning / feature caching, and the export bundle.
 */
export { BACKBONE_BUILDERS, Backbone, KNOWN_PREPROCESSING, findLayer, loadBackbone, nearestLayerNames, type ArchitectureSource, type BackboneArchitecture, type BackboneInfo, type BackboneSource, type LoadBackboneOptions } from './backbone.js';
export { applyPreprocessing, describePreprocessing, readPreprocessing, type Preprocessing } from './preprocessing.js';
export { allLayers, applyKerasBatchNormRule, hasKerasBatchNormRule, isBatchNormalization, isFrozen } from './batch-norm-rule.js';
export { Classifier, createClassifier, HEAD_LAYER_PREFIX, type ClassPrediction, type ClassifyOptions, type CreateClassifierOptions, type HeadConfig, type TrainingRunSummary } from './classifier.js';
export {
  classifierLoss,
  fineTune,
  formatTrainProgress,
  terminalTrainProgress,
  trainClassifier,
  type BatchLogs,
  type CheckpointFile,
  type EarlyStoppingOptions,
  type EpochLogs,
  type FineTuneOptions,
  type LabeledBatch,
  type Monitor,
  type TensorData,
  type TrainClassifierOptions,
  type TrainData,
  type TrainHistory,
  type TrainProgress,
} from './train.js';
export { FeatureCache, cacheFeatures, trainHeadOnFeatures, type CacheFeaturesOptions, type TrainHeadOnFeaturesOptions } from './feature-cache.js';
export { loadClassifier, saveClassifier, type ClassifierFile } from './bundle.js';
