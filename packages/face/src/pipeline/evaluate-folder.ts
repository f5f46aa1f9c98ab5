/**
 * The LFW-style protocol runner for any folder-per-identity data set (root/<person>/<image>, as
 * `readImageFolder` lists it): every image is described by a FacePipeline, then
 * - verification: all genuine pairs and as many impostor pairs (seeded), k folds (default 10) where the
 *   threshold is chosen on k − 1 folds and accuracy measured on the held-out one; plus ROC AUC, EER and
 *   TAR@FAR over all pairs;
 * - identification: `enrollPerIdentity` images of each person enrolled (default 1: one-shot; `pick: 'first'`
 *   enrolls the first image in file-name order), every other image identified: rank-1 and rank-5 accuracy.
 *
 *     const pipeline = await createFacePipeline();
 *     const report = await evaluateFaceFolder('faces-att', { pipeline, onProgress: (d, n) => ... });
 *     report.verification.meanAccuracy, report.identification.rankAccuracy[0].accuracy
 *
 * `whole: true` skips detection, landmarks and alignment and embeds each picture as it is (centred and padded
 * to a square by the embedder: the baseline for tightly cropped sets). Node only (reads files).
 */
import * as tf from '@tensorflow/tfjs-core';
import { AbortedError, InvalidArgumentError, decodeImage, describeValue, readImageFolder, type ReadImageFolderOptions } from '@cnn/ops';
import { assertMetric, type DistanceMetric } from '../distance.js';
import { identificationAccuracy, kFoldVerification, makeVerificationPairs, pairDistances, verificationMetrics, type IdentificationResult, type KFoldVerificationResult, type VerificationMetrics } from '../eval/index.js';
import type { FacePipeline } from './face-pipeline.js';

export interface EvaluateFaceFolderOptions {
  /** Describes each picture (`describeSingle`: the largest face, the whole picture when none is found). */
  pipeline: FacePipeline;
  /** Embed each whole picture, no detection or alignment (default false). */
  whole?: boolean;
  /** Verification folds (default 10). */
  folds?: number;
  /** Seed of the impostor pairs and of random enrollment (default 0). */
  seed?: number;
  metric?: DistanceMetric;
  /** Images enrolled per person for identification (default 1). */
  enrollPerIdentity?: number;
  /** Which images are enrolled: 'first' (default; file-name order) or 'random' (seeded). */
  pick?: 'first' | 'random';
  /** Passed to readImageFolder (extensions, classes). */
  folder?: ReadImageFolderOptions;
  /** Called after each picture. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface FaceFolderEvaluation {
  root: string;
  identities: number;
  images: number;
  /** Pictures where the detector found a face (0 with `whole`). */
  detected: number;
  /** Seconds spent describing the pictures. */
  seconds: number;
  metric: DistanceMetric;
  /** k-fold accuracy, AUC, EER, TAR@FAR, best threshold, and the ROC curve over all pairs. */
  verification: KFoldVerificationResult & VerificationMetrics;
  identification: IdentificationResult;
  /** One descriptor per picture and its identity (folder name), in folder order. */
  descriptors: Float32Array[];
  labels: string[];
}

export async function evaluateFaceFolder(root: string, options: EvaluateFaceFolderOptions): Promise<FaceFolderEvaluation> {
  if (options === null || typeof options !== 'object' || options.pipeline === undefined || typeof options.pipeline.describeSingle !== 'function') {
    throw new InvalidArgumentError('options.pipeline', 'a FacePipeline (await createFacePipeline())', describeValue(options?.pipeline));
  }
  const metric = options.metric ?? 'euclidean';
  assertMetric(metric, 'options.metric');
  const folds = options.folds ?? 10;
  const seed = options.seed ?? 0;
  const pick = options.pick ?? 'first';
  if (pick !== 'first' && pick !== 'random') throw new InvalidArgumentError('options.pick', "'first' or 'random'", describeValue(options.pick));
  const folder = await readImageFolder(root, options.folder ?? {});
  if (folder.classNames.length < 2) throw new InvalidArgumentError('root', 'a folder with at least two people (one subfolder each)', `'${root}' with ${folder.classNames.length}`);
  const { pipeline } = options;
  const descriptors: Float32Array[] = [];
  const labels: string[] = [];
  let detected = 0;
  const t0 = performance.now();
  for (const [i, item] of folder.items.entries()) {
    if (options.signal?.aborted) throw new AbortedError(`face folder evaluation (after ${i} of ${folder.items.length} pictures)`);
    const image = (await decodeImage(item.path, { channels: 3 })) as tf.Tensor3D;
    try {
      if (options.whole) {
        descriptors.push((await pipeline.embedFaces([image]))[0]!);
      } else {
        const face = await pipeline.describeSingle(image);
        if (face.score > 0) detected++;
        descriptors.push(face.descriptor);
      }
      labels.push(folder.classNames[item.label]!);
    } finally {
      image.dispose();
    }
    options.onProgress?.(i + 1, folder.items.length);
  }
  const seconds = (performance.now() - t0) / 1000;
  const distances = pairDistances(descriptors, makeVerificationPairs(labels, { seed }), metric);
  const all = verificationMetrics(distances);
  const verification = { ...kFoldVerification(distances, folds), ...all };
  const identification = identificationAccuracy(descriptors, labels, { enrollPerIdentity: options.enrollPerIdentity ?? 1, pick, seed, metric, ranks: [1, 5] });
  return { root: folder.root, identities: folder.classNames.length, images: folder.items.length, detected, seconds, metric, verification, identification, descriptors, labels };
}
