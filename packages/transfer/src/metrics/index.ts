/**
 * Evaluation: accuracy, confusion matrix, per-class precision / recall / F1, pictures of the confusion matrix
 * and of learning curves.
 */
export { accuracy, classificationReport, confusionMatrix, formatClassificationReport, toClassIndices, type ClassInput, type ClassMetrics, type ClassificationReport } from './classification-metrics.js';
export { heatColor, renderConfusionMatrix, type ConfusionMatrixPicture, type RenderConfusionMatrixOptions } from './render-confusion-matrix.js';
export { learningCurves, type LearningCurveData, type LearningCurvesOptions } from './learning-curves.js';
export { evaluateClassifier, type Evaluation } from './evaluate.js';
export { comparePredictions, exactMcNemar, type PairedComparison } from './compare.js';
