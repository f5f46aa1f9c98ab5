/**
 * Pretrained classifiers stored as tfjs layers models (e.g. converted Keras models), loaded from a folder,
 * a path or an id on CNN_WEIGHTS_PATH, and `decodePredictions` that turns scores into ranked labels.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fetchModel, fileSystem, InvalidArgumentError, isWeightsUrl, resolveWeights, ShapeMismatchError } from '@cnn/ops';

/**
 * Loads a tfjs layers model (model.json + shards) through @cnn/ops's file-system handler: a folder, a path or
 * an id on CNN_WEIGHTS_PATH; or, for the http(s) URL of the folder or model.json (any path in a browser),
 * through @cnn/ops `fetchModel` (shards beside model.json, byte counts checked).
 */
export async function loadLayersModel(pathOrId: string): Promise<tfl.LayersModel> {
  if (isWeightsUrl(pathOrId)) return tfl.loadLayersModel(fetchModel(pathOrId));
  const dir = await resolveWeights(pathOrId, { offline: true });
  return tfl.loadLayersModel(fileSystem(dir));
}

/** Reads a label file: one label per line, class i on line i (0-based). */
export async function readLabels(path: string): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  return (await readFile(path, 'utf8')).split(/\r?\n/).filter((l, i, all) => l.length > 0 || i < all.length - 1);
}

export interface Prediction {
  classIndex: number;
  label: string;
  probability: number;
}

/**
 * Top-k classes per image from scores [N, C] (probabilities, or logits with `fromLogits`: softmax first),
 * like keras.applications' decode_predictions.
 */
export async function decodePredictions(scores: tf.Tensor, labels: readonly string[], options: { topK?: number; fromLogits?: boolean } = {}): Promise<Prediction[][]> {
  if (!(scores instanceof tf.Tensor) || (scores.rank !== 1 && scores.rank !== 2)) {
    throw new InvalidArgumentError('scores', 'a [N, classes] or [classes] tensor', scores instanceof tf.Tensor ? `shape [${scores.shape}]` : String(scores));
  }
  const classes = scores.shape[scores.rank - 1]!;
  if (labels.length !== classes) throw new ShapeMismatchError('labels', `${classes} labels (one per class), got ${labels.length}`);
  const topK = options.topK ?? 5;
  if (!Number.isInteger(topK) || topK < 1 || topK > classes) throw new InvalidArgumentError('options.topK', `an integer in [1, ${classes}]`, String(topK));
  const probs = tf.tidy(() => {
    const s2 = scores.rank === 1 ? tf.expandDims(scores, 0) : scores;
    return options.fromLogits ? tf.softmax(s2) : s2;
  });
  const { values, indices } = tf.topk(probs, topK);
  const [v, ix] = [(await values.array()) as number[][], (await indices.array()) as number[][]];
  tf.dispose([values, indices]);
  if (probs !== scores) probs.dispose(); // never dispose the caller's tensor
  return ix.map((row, n) => row.map((classIndex, k) => ({ classIndex, label: labels[classIndex]!, probability: v[n]![k]! })));
}
