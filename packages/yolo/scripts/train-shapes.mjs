#!/usr/bin/env node
/**
 * Trains the shapes detector shipped in model/shapes-detector/ on freshly generated synthetic scenes (CPU,
 * tfjs wasm backend), validating on held-out scenes and keeping the best epoch.
 *
 *   cd packages/yolo && nice node scripts/train-shapes.mjs [--out DIR] [--epochs N] [--steps N] [--minutes M] [--resume] [--constant-lr R]
 *
 * Uses the built package (pnpm --filter @cnn/yolo build) or, without it, a quick build of src/ (load-yolo.mjs).
 * Writes checkpoints to DIR (default /tmp/shapes-ckpt): DIR/best is a loadDetector folder; copy it to
 * model/shapes-detector/ to ship it. Then measure it with scripts/eval-shapes.mjs.
 */
import { parseArgs } from 'node:util';
import { ready, describeBackend } from '@cnn/ops';
import { loadYolo } from './load-yolo.mjs';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: '/tmp/shapes-ckpt' },
    epochs: { type: 'string', default: '30' },
    steps: { type: 'string', default: '80' },
    batch: { type: 'string', default: '16' },
    lr: { type: 'string', default: '2e-3' },
    'constant-lr': { type: 'string' },
    // YOLO loss weights; Darknet's YOLOv2 weighs object cells 5x (object_scale=5).
    loss: { type: 'string', default: '{"lambdaCoord":2,"lambdaObj":5,"lambdaNoobj":0.5,"lambdaClass":3}' },
    pool: { type: 'string', default: '4000' },
    minutes: { type: 'string' },
    resume: { type: 'boolean', default: false },
  },
});
const y = await loadYolo();
const info = await ready({ backend: 'wasm' });
console.log(`backend: ${describeBackend(info)}`);

const SIZE = 128;
const GRID = 8;
const TRAIN_SEED = 1000; // training scenes: generateDataset(pool, { seed: 1000 })
const VAL_SEED = 2000; // validation during training (held out)
const sceneOptions = { size: SIZE, maxObjects: 5 };

// Anchors: k-means (1 - IoU) on 2000 generated boxes, in grid cells.
const t0 = Date.now();
const anchorScenes = y.generateDataset(500, { ...sceneOptions, seed: 3000 });
const wh = anchorScenes.flatMap((s) => s.objects.map((o) => [((o.box[2] - o.box[0]) * GRID) / SIZE, ((o.box[3] - o.box[1]) * GRID) / SIZE]));
const { anchors, meanIou } = y.kmeansAnchors(wh, 5, { seed: 0 });
console.log(`anchors (cells): ${JSON.stringify(anchors.map((a) => a.map((v) => +v.toFixed(3))))}, mean IoU ${meanIou.toFixed(3)}`);

const pool = Number(args.pool);
console.log(`generating ${pool} training scenes...`);
const scenes = y.generateDataset(pool, { ...sceneOptions, seed: TRAIN_SEED });
const train = scenes.map(y.sceneToSample);
const val = y.generateDataset(100, { ...sceneOptions, seed: VAL_SEED }).map(y.sceneToSample);
console.log(`data ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

const anchorsRounded = anchors.map((a) => a.map((v) => +v.toFixed(4)));
const model = y.shapesDetectorModel({ inputSize: SIZE, anchors: anchorsRounded, classes: y.SHAPE_CLASSES.length });
console.log(`model: ${model.countParams()} parameters, output ${JSON.stringify(model.outputs[0].shape)}`);
const epochs = Number(args.epochs);
const steps = Number(args.steps);
const signal = args.minutes ? globalThis.AbortSignal.timeout(Number(args.minutes) * 60_000) : undefined;
const history = await y.trainDetector({
  model,
  anchors: anchorsRounded,
  classes: [...y.SHAPE_CLASSES],
  dataset: train,
  epochs,
  stepsPerEpoch: steps,
  batchSize: Number(args.batch),
  // --constant-lr: a fixed rate, e.g. for a low-rate phase after a resume (--resume --epochs N).
  learningRate: args['constant-lr'] ? Number(args['constant-lr']) : y.cosineLearningRate(Number(args.lr), { warmupSteps: 100 }),
  augment: { flip: 0.5, scale: [0.8, 1.25], translate: 0.08, color: { brightness: 0.25, contrast: 0.25, saturation: 0.3, hue: 0.03 } },
  loss: JSON.parse(args.loss),
  seed: 1,
  validation: { dataset: val, every: 3 },
  checkpointDir: args.out,
  resume: args.resume,
  ...(signal ? { signal } : {}),
});
console.log(JSON.stringify({ ...history, epochs: history.epochs.map((e) => ({ epoch: e.epoch, loss: +e.loss.total.toFixed(3), map: e.map, s: +e.seconds.toFixed(0) })) }, null, 1));
console.log(`trained ${history.steps} steps (${history.steps * Number(args.batch)} images) in ${(history.seconds / 60).toFixed(1)} min on ${history.backend}; best validation mAP@0.5 ${history.bestMap} at epoch ${history.bestEpoch}`);
