/**
 * Fine-tuning on real photos (CNN_WEIGHTS_PATH, CNN_DATA_PATH): the Darknet tiny ImageNet classifier, cut at
 * leaky_re_lu_14 and re-applied at 128 x 128 (chainBackbone), frozen, with a new conv block and YOLOv2 head,
 * trains a few epochs on raccoon training pictures (grayscale ones expanded to RGB): the loss falls and the
 * mAP@0.5 on test pictures is computed. A short run (5-60 s on 2 cores); the full fine-tune is
 * scripts/train-raccoon.mjs.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystem, ready, resolveData, resolveWeights } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { readRaccoonSplits } from '../data/csv.js';
import { kmeansAnchors } from '../targets/kmeans-anchors.js';
import { yoloHead } from '../targets/yolo-head.js';
import { chainBackbone } from './backbone.js';
import { createDetector } from './detector.js';
import { evaluateDetector } from './evaluate.js';
import { trainDetector } from './train.js';

const has = Boolean(process.env['CNN_DATA_PATH'] && process.env['CNN_WEIGHTS_PATH']);

describe.runIf(has)('raccoon fine-tuning from darknet-tiny', () => {
  it('a short fine-tune lowers the loss and yields a test mAP@0.5', async () => {
    await ready({ backend: 'wasm' });
    const { train, test } = await readRaccoonSplits(await resolveData('raccoon', { offline: true }));
    // The grayscale files (raccoon-150, -152, -161) are in train: include them.
    const gray = new Set(['raccoon-150.jpg', 'raccoon-152.jpg', 'raccoon-161.jpg']);
    const picked = [...train.images.filter((i) => gray.has(i.id)), ...train.images.filter((i) => !gray.has(i.id)).slice(0, 21)];
    expect(picked.filter((i) => gray.has(i.id))).toHaveLength(3);
    const trainSet = { classNames: train.classNames, images: picked };
    const testSet = { classNames: test.classNames, images: test.images.slice(0, 10) };

    const SIZE = 128;
    const darknet = await tfl.loadLayersModel(fileSystem(await resolveWeights('darknet-tiny-imagenet', { offline: true })));
    const backbone = chainBackbone(darknet, { inputSize: [SIZE, SIZE], featureLayer: 'leaky_re_lu_14' });
    for (const l of backbone.layers) l.trainable = false;
    const grid = backbone.outputs[0]!.shape[1] as number;
    expect(grid).toBe(8);
    let x = tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', useBias: false, name: 'det_conv' }).apply(backbone.outputs[0]!) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ name: 'det_bn' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.leakyReLU({ alpha: 0.1, name: 'det_leaky' }).apply(x) as tfl.SymbolicTensor;
    const wh = train.images.flatMap((im) => {
      const s = Math.min(SIZE / im.width, SIZE / im.height);
      return im.boxes.map((b) => [((b.box[2] - b.box[0]) * s * grid) / SIZE, ((b.box[3] - b.box[1]) * s * grid) / SIZE] as [number, number]);
    });
    const { anchors } = kmeansAnchors(wh, 3, { seed: 0 });
    const model = yoloHead(x, { anchors, classes: 1, name: 'raccoon' });

    const history = await trainDetector({
      model,
      anchors,
      classes: ['raccoon'],
      dataset: trainSet,
      epochs: 4,
      batchSize: 8,
      learningRate: 1e-3,
      augment: { scale: [0.85, 1.15] },
      onProgress: () => undefined,
    });
    const losses = history.epochs.map((e) => e.loss.total);
    expect(losses.every(Number.isFinite)).toBe(true);
    // A few noisy epochs on 40 pictures: the loss must fall below its start at some epoch (not necessarily the last).
    expect(Math.min(...losses.slice(1)), losses.join(' ')).toBeLessThan(losses[0]!);
    const r = await evaluateDetector(createDetector(model, { anchors, labels: ['raccoon'] }), testSet);
    expect(r.images).toBe(10);
    expect(r.map).toBeGreaterThanOrEqual(0);
    expect(r.map).toBeLessThanOrEqual(1);
    expect(r.classes[0]!.numGroundTruth).toBe(testSet.images.reduce((n, i) => n + i.boxes.length, 0));
    console.log(`raccoon short fine-tune: losses ${losses.map((l) => l.toFixed(2)).join(' ')}; test mAP@0.5 on 10 images ${r.map.toFixed(3)} (${history.seconds.toFixed(0)} s)`);
    model.dispose();
    darknet.dispose();
  });
});
