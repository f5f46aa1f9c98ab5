/**
 * Evaluating a trained classifier on held-out pictures: predictions for every batch, then accuracy, the
 * confusion matrix and the per-class report.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import type { Classifier } from '../model/classifier.js';
import type { LabeledBatch } from '../model/train.js';
import { classificationReport, confusionMatrix, toClassIndices, type ClassificationReport } from './classification-metrics.js';

export interface Evaluation {
  accuracy: number;
  confusion: number[][];
  report: ClassificationReport;
  /** True and predicted class per picture, in batch order. */
  yTrue: number[];
  yPred: number[];
  /** Files, when the batches named them. */
  paths: string[];
}

/** Runs the classifier (inference mode) over batches (one pass) and scores it. Batches with dispose() are disposed. */
export async function evaluateClassifier(classifier: Classifier, batches: AsyncIterable<LabeledBatch & { paths?: string[] }> | Iterable<LabeledBatch & { paths?: string[] }>): Promise<Evaluation> {
  if (batches === null || typeof batches !== 'object' || !(Symbol.asyncIterator in batches || Symbol.iterator in batches)) {
    throw new InvalidArgumentError('batches', 'an (async) iterable of { x, y } batches', describeValue(batches));
  }
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const paths: string[] = [];
  const withEpoch = batches as { epoch?: (i: number) => AsyncIterable<LabeledBatch & { paths?: string[] }> };
  const source = typeof withEpoch.epoch === 'function' ? withEpoch.epoch(0) : batches;
  for await (const b of source as AsyncIterable<LabeledBatch & { paths?: string[] }>) {
    try {
      const p = classifier.predict(b.x as tf.Tensor4D);
      try {
        yPred.push(...toClassIndices(p, 'predictions'));
      } finally {
        p.dispose();
      }
      yTrue.push(...toClassIndices(b.y, 'batch y'));
      if (Array.isArray(b.paths)) paths.push(...b.paths);
    } finally {
      b.dispose?.();
    }
  }
  const confusion = confusionMatrix(yTrue, yPred, classifier.classes);
  const report = classificationReport(confusion, classifier.labels);
  return { accuracy: report.accuracy, confusion, report, yTrue, yPred, paths };
}
