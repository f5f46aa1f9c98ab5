/**
 * The course's alternative to the triplet loss: face verification as binary classification. Two pictures go
 * through the same embedding net (a Siamese network, DeepFace / Taigman et al. 2014) and a logistic unit reads
 * the pair:
 *
 *     ŷ = σ(Σₖ wₖ |f(x⁽ⁱ⁾)ₖ − f(x⁽ʲ⁾)ₖ| + b)          ("same person" probability)
 *
 * optionally with the element-wise product f1 ⊙ f2 and DeepFace's χ² term (f1 − f2)² / (|f1| + |f2|) as more
 * features. `siameseHead` builds that head as a tfjs-layers model on two embeddings; `trainSiameseHead` trains
 * it with binary cross-entropy on labeled pairs — on precomputed embeddings, or end to end through a shared
 * `embeddingNet` on pairs of pictures.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ShapeMismatchError, assertTensor, describeValue, mulberry32, shuffleInPlace } from '@cnn/ops';
import { PairFeatures, checkPairFeatures, registerFaceTrainingLayers, type PairFeature } from './layers.js';

export interface SiameseHeadOptions {
  /** Features of the pair fed to the logistic unit (default ['abs-diff'], the course's). */
  features?: PairFeature[];
  /** Seed of the dense layer's initialization (default 0). */
  seed?: number;
  /** Default 'siamese_head'. */
  name?: string;
}

/**
 * A model [f1 [batch, d], f2 [batch, d]] → [batch, 1] "same person" probabilities: PairFeatures then
 * dense(1, sigmoid). Symmetric in f1 and f2.
 */
export function siameseHead(embeddingSize: number, options: SiameseHeadOptions = {}): tfl.LayersModel {
  if (!Number.isInteger(embeddingSize) || embeddingSize < 1) throw new InvalidArgumentError('embeddingSize', 'a positive integer (the length of the embeddings)', describeValue(embeddingSize));
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const features = checkPairFeatures(options.features ?? ['abs-diff'], 'options.features');
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('options.seed', 'an integer', describeValue(seed));
  registerFaceTrainingLayers();
  const a = tfl.input({ shape: [embeddingSize], name: 'embedding_1' });
  const b = tfl.input({ shape: [embeddingSize], name: 'embedding_2' });
  const f = new PairFeatures({ features, name: 'pair_features' }).apply([a, b]) as tfl.SymbolicTensor;
  const y = tfl.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tfl.initializers.glorotNormal({ seed }), name: 'same_person' }).apply(f) as tfl.SymbolicTensor;
  return tfl.model({ inputs: [a, b], outputs: y, name: options.name ?? 'siamese_head' });
}

/** Index pairs into a labeled set: `same[i]` is 1 when rows first[i] and second[i] are the same person. */
export interface SiamesePairs {
  first: number[];
  second: number[];
  same: number[];
}

/**
 * Every positive pair (i < j, same label) and, per positive pair, `negativesPerPositive` (default 1) random
 * pairs of different people, seeded, shuffled together.
 */
export function makeSiamesePairs(labels: ArrayLike<number>, options: { negativesPerPositive?: number; seed?: number } = {}): SiamesePairs {
  const ratio = options.negativesPerPositive ?? 1;
  if (typeof ratio !== 'number' || !Number.isInteger(ratio) || ratio < 0) throw new InvalidArgumentError('options.negativesPerPositive', 'an integer >= 0', describeValue(ratio));
  const random = mulberry32(options.seed ?? 0);
  const n = labels.length;
  const pairs: [number, number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (labels[i] === labels[j]) pairs.push([i, j, 1]);
  const positives = pairs.length;
  if (positives === 0) throw new InvalidArgumentError('labels', 'at least one person with two pictures', 'no positive pair');
  if (new Set(Array.from(labels)).size < 2 && ratio > 0) throw new InvalidArgumentError('labels', 'at least two people (for negative pairs)', 'one person');
  for (let k = 0; k < positives * ratio; k++) {
    let i: number;
    let j: number;
    do {
      i = Math.floor(random() * n);
      j = Math.floor(random() * n);
    } while (labels[i] === labels[j]);
    pairs.push([i, j, 0]);
  }
  shuffleInPlace(pairs, random);
  return { first: pairs.map((p) => p[0]), second: pairs.map((p) => p[1]), same: pairs.map((p) => p[2]) };
}

/** Pairs to train on: rows `first[i]` and `second[i]` of `inputs` (embeddings, or pictures with `embeddingNet`). */
export interface SiameseTrainData extends SiamesePairs {
  inputs: tf.Tensor;
}

export interface TrainSiameseOptions {
  /** Default 20. */
  epochs?: number;
  /** Pairs per step (default 32). */
  batchSize?: number;
  /** Adam's learning rate (default 1e-2 on embeddings, 1e-3 with embeddingNet); ignored when `optimizer` is given. */
  learningRate?: number;
  optimizer?: tf.Optimizer;
  /** Pictures → embeddings, shared by both sides and trained together with the head (`inputs` are then pictures). */
  embeddingNet?: tfl.LayersModel;
  /** Seed of the pair order (default 0). */
  seed?: number;
  signal?: AbortSignal;
  onEpoch?: (log: SiameseEpochLog) => void | Promise<void>;
}

export interface SiameseEpochLog {
  epoch: number;
  /** Mean binary cross-entropy and accuracy (ŷ > 0.5) over the epoch's pairs. */
  loss: number;
  accuracy: number;
  seconds: number;
}

export interface SiameseTrainHistory {
  epochs: SiameseEpochLog[];
  loss: number[];
  accuracy: number[];
  aborted: boolean;
  seconds: number;
}

/** Binary cross-entropy of probabilities, clipped to [1e-7, 1 − 1e-7] as Keras does. */
function bce(p: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const q = tf.clipByValue(p, 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(q)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, q)))))) as tf.Scalar;
  });
}

/**
 * Trains a Siamese head (and, given `embeddingNet`, the net under it) on labeled pairs with binary
 * cross-entropy and Adam. Returns the history; leaves no tensors behind.
 *
 *     const pairs = makeSiamesePairs(labels, { seed: 1 });
 *     await trainSiameseHead(head, { inputs: embeddings, ...pairs }, { epochs: 30 });
 */
export async function trainSiameseHead(head: tfl.LayersModel, data: SiameseTrainData, options: TrainSiameseOptions = {}): Promise<SiameseTrainHistory> {
  if (!head || typeof (head as { apply?: unknown }).apply !== 'function' || head.inputs?.length !== 2) {
    throw new InvalidArgumentError('head', 'a model on two embeddings (siameseHead())', describeValue(head));
  }
  if (data === null || typeof data !== 'object') throw new InvalidArgumentError('data', '{ inputs, first, second, same }', describeValue(data));
  assertTensor(data.inputs, 'data.inputs');
  const rows = data.inputs.shape[0]!;
  const m = data.first?.length;
  if (!Array.isArray(data.first) || !Array.isArray(data.second) || !Array.isArray(data.same) || data.second.length !== m || data.same.length !== m || m === 0) {
    throw new InvalidArgumentError('data', 'equal-length, non-empty first, second and same arrays (makeSiamesePairs())', `${describeValue(data.first)}, ${describeValue(data.second)}, ${describeValue(data.same)}`);
  }
  for (const [name, list] of [['first', data.first], ['second', data.second]] as const) {
    const bad = list.findIndex((r) => !Number.isInteger(r) || r < 0 || r >= rows);
    if (bad >= 0) throw new InvalidArgumentError(`data.${name}[${bad}]`, `a row of data.inputs (0..${rows - 1})`, describeValue(list[bad]));
  }
  const badLabel = data.same.findIndex((v) => v !== 0 && v !== 1);
  if (badLabel >= 0) throw new InvalidArgumentError(`data.same[${badLabel}]`, '0 or 1', describeValue(data.same[badLabel]));
  const net = options.embeddingNet;
  const d = (head.inputs[0]!.shape[1] ?? 0) as number;
  if (!net && (data.inputs.rank !== 2 || data.inputs.shape[1] !== d)) {
    throw new ShapeMismatchError('data.inputs', `embeddings [n, ${d}] expected by the head, got [${data.inputs.shape.join(', ')}] (pass embeddingNet to train on pictures).`);
  }
  const epochs = options.epochs ?? 20;
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(epochs) || epochs < 1) throw new InvalidArgumentError('options.epochs', 'an integer >= 1', describeValue(epochs));
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError('options.batchSize', 'an integer >= 1', describeValue(batchSize));
  const lr = options.learningRate ?? (net ? 1e-3 : 1e-2);
  const owned = options.optimizer === undefined;
  const optimizer = options.optimizer ?? tf.train.adam(lr);
  const varList = [...head.trainableWeights, ...(net ? net.trainableWeights : [])].map((v) => v.read() as tf.Variable);
  const random = mulberry32(options.seed ?? 0);
  const history: SiameseTrainHistory = { epochs: [], loss: [], accuracy: [], aborted: false, seconds: 0 };
  const started = Date.now();
  try {
    for (let epoch = 1; epoch <= epochs && !history.aborted; epoch++) {
      const t0 = Date.now();
      const order = shuffleInPlace(Array.from({ length: m }, (_, i) => i), random);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let s = 0; s < m; s += batchSize) {
        if (options.signal?.aborted) {
          history.aborted = true;
          break;
        }
        const idx = order.slice(s, s + batchSize);
        const y = tf.tensor2d(idx.map((k) => data.same[k]!), [idx.length, 1]);
        const i1 = tf.tensor1d(idx.map((k) => data.first[k]!), 'int32');
        const i2 = tf.tensor1d(idx.map((k) => data.second[k]!), 'int32');
        let p: tf.Tensor | undefined;
        try {
          const { value, grads } = tf.variableGrads(() => {
            let a = tf.gather(data.inputs, i1);
            let b = tf.gather(data.inputs, i2);
            if (net) {
              a = net.apply(a, { training: true }) as tf.Tensor;
              b = net.apply(b, { training: true }) as tf.Tensor;
            }
            const out = head.apply([a, b], { training: true }) as tf.Tensor;
            p = tf.keep(out);
            return bce(out, y);
          }, varList);
          optimizer.applyGradients(grads);
          tf.dispose(Object.values(grads));
          const probs = (await p!.data()) as Float32Array;
          for (let k = 0; k < idx.length; k++) if ((probs[k]! > 0.5 ? 1 : 0) === data.same[idx[k]!]) correct++;
          lossSum += (await value.data())[0]! * idx.length;
          seen += idx.length;
          value.dispose();
        } finally {
          tf.dispose([y, i1, i2, p as tf.Tensor]);
        }
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      if (seen < m) break;
      const log: SiameseEpochLog = { epoch, loss: lossSum / seen, accuracy: correct / seen, seconds: (Date.now() - t0) / 1000 };
      history.epochs.push(log);
      history.loss.push(log.loss);
      history.accuracy.push(log.accuracy);
      await options.onEpoch?.(log);
    }
  } finally {
    if (owned) optimizer.dispose();
    history.seconds = (Date.now() - started) / 1000;
  }
  return history;
}
