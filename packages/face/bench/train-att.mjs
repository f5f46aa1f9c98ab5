#!/usr/bin/env node
/**
 * Triplet-loss training on the AT&T faces (ORL), one-shot evaluation on people never seen in training.
 *
 *   people 1-35 (350 pictures) train the embedding net; people 36-40 (50 pictures) are held out.
 *   One-shot rank-1: enroll one picture of each held-out person, identify the other 9 pictures of each
 *   (45 queries) by the nearest enrolled embedding. Reported for "picture 1 enrolled" and as the mean over
 *   enrolling picture 1, 2, ..., 10 (450 queries). Compared: the same net untrained (same seed, random init),
 *   the trained net, and nearest neighbour on raw pixels (a reference point, no learning).
 *
 * The rank-1 computation is the package's minimal `oneShotRank1` (one enrolled picture per person, no
 * thresholds); the general evaluation module lives elsewhere in @cnn/face.
 *
 * Build first: cd packages/face && npx tsup   (dependencies: npx turbo run build --filter=@cnn/face^...)
 * Run:         CNN_DATA_PATH=../../../shared/data node bench/train-att.mjs [--steps N] [--seed S]
 * Writes bench-results/train-att.json and the trained model (tfjs layers format) to bench-results/att-embedding/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, fileSystem, ready, resolveData } from '@cnn/ops';
import { computeEmbeddings, createEmbeddingNet, loadAttFaces, oneShotRank1, trainEmbedding } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', 'bench-results');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

const settings = {
  backend: 'wasm',
  inputSize: [56, 46],
  net: { inputShape: [56, 46, 1], embeddingSize: 64, filters: [32, 64, 128], blocks: [1, 1, 1], stemStride: 2, normalize: true, seed: arg('seed', 1) },
  training: {
    epochs: arg('epochs', 20),
    stepsPerEpoch: arg('steps', 20),
    identitiesPerBatch: 8,
    imagesPerIdentity: 4,
    mining: 'batch-hard',
    margin: 0.2,
    distance: 'squared-l2',
    learningRate: 1e-3,
    augment: { flip: true, shift: 2 },
    seed: arg('seed', 1),
  },
  trainPeople: [1, 35],
  heldOutPeople: [36, 40],
  evaluation: { metric: 'euclidean', protocol: 'one enrolled picture per held-out person, the other 9 pictures of each are queries' },
};

const backend = await ready({ backend: 'wasm' });
console.log(describeBackend(backend));
if (!process.env.CNN_DATA_PATH) process.env.CNN_DATA_PATH = resolve(here, '../../../../shared/data');
const root = await resolveData('faces-att');
const train = await loadAttFaces(root, { identities: range(1, 35), size: settings.inputSize });
const test = await loadAttFaces(root, { identities: range(36, 40), size: settings.inputSize });
console.log(`data: ${root}: train ${train.images.shape.join('×')}, held out ${test.images.shape.join('×')}`);

function enrolledRows(picture) {
  return test.pictures.map((p, i) => (p === picture ? i : -1)).filter((i) => i >= 0);
}
function evaluate(embeddings) {
  const perPicture = range(1, 10).map((p) => oneShotRank1(embeddings, test.labels, enrolledRows(p), settings.evaluation.metric));
  return {
    enrolledPicture1: { ...perPicture[0] },
    meanOverEnrolledPicture: perPicture.reduce((s, r) => s + r.accuracy, 0) / 10,
    queriesTotal: perPicture.reduce((s, r) => s + r.queries, 0),
    correctTotal: perPicture.reduce((s, r) => s + r.correct, 0),
    perEnrolledPicture: perPicture.map((r) => r.accuracy),
  };
}
const fmt = (r) => `picture 1 enrolled ${r.enrolledPicture1.correct}/${r.enrolledPicture1.queries} = ${r.enrolledPicture1.accuracy.toFixed(3)}; mean over pictures 1-10 ${r.meanOverEnrolledPicture.toFixed(3)} (${r.correctTotal}/${r.queriesTotal})`;

// Reference point: nearest neighbour on the raw pixels (56×46 = 2576 numbers).
const flat = test.images.reshape([test.images.shape[0], -1]);
const pixels = await flat.array();
flat.dispose();
const rawPixels = evaluate(pixels.map((r) => Float32Array.from(r)));
console.log(`raw pixels:      ${fmt(rawPixels)}`);

const untrainedNet = createEmbeddingNet(settings.net);
const untrained = evaluate(await computeEmbeddings(untrainedNet, test.images));
console.log(`untrained net:   ${fmt(untrained)}  (${untrainedNet.countParams()} parameters)`);
untrainedNet.dispose();

const net = createEmbeddingNet(settings.net);
const t = settings.training;
const totalSteps = t.epochs * t.stepsPerEpoch;
const started = Date.now();
const history = await trainEmbedding(net, train, {
  ...t,
  onEpoch: (e) => {
    const elapsed = (Date.now() - started) / 1000;
    const eta = (elapsed / (e.epoch * t.stepsPerEpoch)) * (totalSteps - e.epoch * t.stepsPerEpoch);
    console.log(`epoch ${String(e.epoch).padStart(3)}/${t.epochs}  loss ${e.loss.toFixed(4)}  active ${(100 * e.activeFraction).toFixed(1)}%  ${(e.seconds / e.steps).toFixed(2)} s/step  elapsed ${elapsed.toFixed(0)} s  ETA ${eta.toFixed(0)} s`);
  },
});
const trainSeconds = (Date.now() - started) / 1000;
const trained = evaluate(await computeEmbeddings(net, test.images));
console.log(`trained net:     ${fmt(trained)}`);
console.log(`training: ${history.steps} steps of ${t.identitiesPerBatch}×${t.imagesPerIdentity} pictures in ${trainSeconds.toFixed(0)} s (${(trainSeconds / history.steps).toFixed(2)} s/step)`);

await mkdir(outDir, { recursive: true });
const modelDir = join(outDir, 'att-embedding');
await net.save(fileSystem(modelDir));
const parameters = net.countParams();
net.dispose();
const result = {
  benchmark: 'train-att',
  date: new Date().toISOString(),
  node: process.version,
  backend: { name: backend.backend, simd: backend.simd, threads: backend.threads },
  settings,
  parameters,
  trainSeconds,
  secondsPerStep: trainSeconds / history.steps,
  steps: history.steps,
  history: { loss: history.loss, activeFraction: history.activeFraction },
  oneShotRank1: { rawPixels, untrained, trained },
  model: 'bench-results/att-embedding/model.json',
  note: 'Rank-1 from the minimal oneShotRank1 in src/triplet/one-shot.ts (one enrolled picture per person, nearest neighbour, no threshold). 45 queries per enrolled picture: one query is 2.2 points.',
};
await writeFile(join(outDir, 'train-att.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${join(outDir, 'train-att.json')} and ${modelDir}/; tensors left: ${tf.memory().numTensors - 2}`);
train.dispose();
test.dispose();
