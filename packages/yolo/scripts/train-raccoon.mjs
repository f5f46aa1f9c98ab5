#!/usr/bin/env node
/**
 * Fine-tunes a raccoon detector from the pretrained Darknet "tiny" ImageNet classifier (CPU, tfjs wasm):
 * its layers up to leaky_re_lu_14 (stride 16, 512 channels) on a new input size, one new 3 x 3 conv block
 * and a YOLOv2 head (anchors by k-means on the training boxes). Stage 1 trains only the new layers with the
 * backbone frozen; stage 2 also trains the backbone's last two stages at a lower rate. Trains on the 160
 * training images of the published split and reports mAP@0.5 on the 40 test images.
 *
 *   cd packages/yolo && CNN_WEIGHTS_PATH=../../../shared/weights CNN_DATA_PATH=../../../shared/data \
 *     nice node scripts/train-raccoon.mjs [--size 160] [--epochs1 3] [--epochs2 25] [--out DIR]
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { ready, describeBackend, fileSystem } from '@cnn/ops';
import { loadYolo } from './load-yolo.mjs';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '160' },
    epochs1: { type: 'string', default: '3' },
    epochs2: { type: 'string', default: '25' },
    batch: { type: 'string', default: '8' },
    out: { type: 'string', default: '/tmp/raccoon-ckpt' },
    resume: { type: 'boolean', default: false },
    loss: { type: 'string', default: '{"lambdaCoord":2,"lambdaObj":5,"lambdaNoobj":0.5}' },
    lr1: { type: 'string', default: '1e-3' },
    lr2: { type: 'string', default: '5e-4' },
  },
});
const firstPath = (v, fallback) => resolve((v ?? fallback).split(':')[0]);
const weightsDir = join(firstPath(process.env.CNN_WEIGHTS_PATH, '../../../shared/weights'), 'darknet-tiny-imagenet');
const dataDir = join(firstPath(process.env.CNN_DATA_PATH, '../../../shared/data'), 'raccoon');

const y = await loadYolo();
const info = await ready({ backend: 'wasm' });
console.log(`backend: ${describeBackend(info)}`);
const started = Date.now();
const SIZE = Number(args.size);
const { train, test } = await y.readRaccoonSplits(dataDir);
console.log(`raccoon: ${train.images.length} train images, ${test.images.length} test images`);

// The backbone at a new input size: the classifier's layers form a chain, so they are re-applied to a new input.
const darknet = await tfl.loadLayersModel(fileSystem(weightsDir));
const backbone = y.chainBackbone(darknet, { inputSize: [SIZE, SIZE], featureLayer: 'leaky_re_lu_14' });
let x = backbone.outputs[0];
const GRID = x.shape[1];
x = tfl.layers.conv2d({ filters: 256, kernelSize: 3, padding: 'same', useBias: false, name: 'det_conv' }).apply(x);
x = tfl.layers.batchNormalization({ name: 'det_bn' }).apply(x);
x = tfl.layers.leakyReLU({ alpha: 0.1, name: 'det_leaky' }).apply(x);

// Anchors: k-means on the training boxes after the letterbox, in grid cells.
const wh = train.images.flatMap((im) => {
  const scale = Math.min(SIZE / im.width, SIZE / im.height);
  return im.boxes.map((b) => [((b.box[2] - b.box[0]) * scale * GRID) / SIZE, ((b.box[3] - b.box[1]) * scale * GRID) / SIZE]);
});
const { anchors: raw, meanIou } = y.kmeansAnchors(wh, 5, { seed: 0 });
const anchors = raw.map((a) => a.map((v) => +v.toFixed(4)));
console.log(`grid ${GRID} x ${GRID}; anchors (cells) ${JSON.stringify(anchors)}, mean IoU ${meanIou.toFixed(3)}`);
const model = y.yoloHead(x, { anchors, classes: 1, name: 'raccoon' });
y.initObjectnessPrior(model, { prior: 0.05, anchors: anchors.length });
console.log(`model: ${model.countParams()} parameters`);

const backboneLayers = darknet.layers.slice(1).map((l) => l.name);
const stage2From = backboneLayers.indexOf('conv2d_11');
const common = {
  model,
  anchors,
  classes: ['raccoon'],
  dataset: train,
  batchSize: Number(args.batch),
  augment: { flip: 0.5, scale: [0.7, 1.3], translate: 0.1, minVisible: 0.5, color: { brightness: 0.25, contrast: 0.25, saturation: 0.3, hue: 0.02 } },
  validation: { dataset: test, every: 3 },
  resume: args.resume,
  loss: JSON.parse(args.loss),
};
const stepsPerEpoch = Math.ceil(train.images.length / Number(args.batch));
// Stage 1: the backbone frozen, the new layers learn (a higher rate).
for (const l of model.layers) if (backboneLayers.includes(l.name)) l.trainable = false;
const e1 = Number(args.epochs1);
const h1 = await y.trainDetector({ ...common, epochs: e1, seed: 1, learningRate: y.cosineLearningRate(Number(args.lr1), { warmupSteps: 10 }), checkpointDir: join(args.out, 'stage1') });
// Stage 2: the last two backbone stages (conv2d_11 ... leaky_re_lu_14) learn too, at a lower rate.
for (const l of model.layers) if (backboneLayers.indexOf(l.name) >= stage2From) l.trainable = true;
const e2 = Number(args.epochs2);
const h2 = await y.trainDetector({ ...common, epochs: e2, seed: 2, learningRate: y.cosineLearningRate(Number(args.lr2), { warmupSteps: 10 }), checkpointDir: join(args.out, 'stage2') });

const detector = y.createDetector(model, { anchors, labels: ['raccoon'], inputSize: [SIZE, SIZE] });
const result = await y.evaluateDetector(detector, test);
const minutes = (Date.now() - started) / 60000;
await detector.save(join(args.out, 'final'));
const summary = {
  testMap50: result.map,
  images: result.images,
  trainImages: train.images.length,
  inputSize: SIZE,
  grid: GRID,
  anchors,
  epochs: [e1, e2],
  stepsPerEpoch,
  stage1: h1.epochs.map((e) => ({ epoch: e.epoch, loss: +e.loss.total.toFixed(3), map: e.map })),
  stage2: h2.epochs.map((e) => ({ epoch: e.epoch, loss: +e.loss.total.toFixed(3), map: e.map })),
  minutes: +minutes.toFixed(1),
  backend: h2.backend,
};
console.log(JSON.stringify(summary, null, 1));
console.log(`raccoon: mAP@0.5 on the ${result.images} test images = ${result.map.toFixed(3)} after ${e1}+${e2} epochs, ${minutes.toFixed(1)} min on ${h2.backend}`);
