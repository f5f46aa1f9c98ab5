/**
 * The demo's verbs. Each prints for people (or one JSON document with --json) and writes its pictures (or,
 * for train, its checkpoints) under --out. Everything they compute comes from @cnn/yolo and @cnn/ops; this
 * file reads, prints and writes.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { CnnError, decodeImage, fileSystem, resizeImage, resolveWeights, writeImage } from '@cnn/ops';
import {
  SHAPE_CLASSES,
  chainBackbone,
  cocoMeanAveragePrecision,
  cosineLearningRate,
  drawDetections,
  drawGridOverlay,
  generateDataset,
  generateScene,
  gridOwners,
  groundTruthFromDataset,
  initObjectnessPrior,
  kmeansAnchors,
  meanAveragePrecision,
  sceneToSample,
  shapesDetectorModel,
  trainDetector,
  writePrCurves,
  yoloHead,
  type Anchor,
  type AugmentOptions,
  type CheckpointFile,
  type DetectionDataset,
  type EvalDetection,
  type SampleSource,
  type TrainDetectorOptions,
} from '@cnn/yolo';
import { holdOut, loadData, scenesCount, withClasses, type DataArgs } from './datasets.js';
import { loadModel, UsageError, type DemoDetector, type ModelArgs } from './models.js';

export interface CommonArgs {
  json: boolean;
  out: string;
  log: (line: string) => void;
}

const fmtBox = (b: readonly number[]) => `[${b.map((v) => v.toFixed(0)).join(', ')}]`;
const pct = (v: number) => (Number.isNaN(v) ? '   -  ' : `${(100 * v).toFixed(1).padStart(5)}%`);

async function withModel<T>(args: ModelArgs, log: (s: string) => void, fn: (d: DemoDetector) => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const detector = await loadModel(args);
  log(`model: ${detector.name}${detector.inputSize ? `, input ${detector.inputSize.join('x')}` : ''}, ${detector.classNames.length} classes (loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  try {
    return await fn(detector);
  } finally {
    detector.dispose();
  }
}

// ------------------------------------------------------------------------------------------------- detect
export async function detect(images: string[], args: ModelArgs & CommonArgs & { score: number; iou: number }): Promise<void> {
  if (images.length === 0) throw new UsageError('detect needs at least one image: detect <image...>');
  const results = await withModel(args, args.log, async (detector) => {
    await mkdir(args.out, { recursive: true });
    const out = [];
    for (const path of images) {
      const image = await decodeImage(path, { channels: 3 });
      try {
        const t0 = performance.now();
        const found = await detector.detect(image, { scoreThreshold: args.score, iouThreshold: args.iou });
        const ms = performance.now() - t0;
        const picture = drawDetections(image, found);
        const file = join(args.out, `${basename(path, extname(path))}-detections.png`);
        await writeImage(file, picture);
        picture.dispose();
        const [height, width] = image.shape;
        args.log(`${path} (${width}x${height}): ${found.length} detection${found.length === 1 ? '' : 's'} in ${ms.toFixed(0)} ms -> ${file}`);
        for (const d of found) args.log(`  ${d.label.padEnd(14)} ${d.score.toFixed(2)}  ${fmtBox(d.box)}`);
        out.push({ image: path, width, height, ms, picture: file, detections: found });
      } finally {
        image.dispose();
      }
    }
    return out;
  });
  if (args.json) console.log(JSON.stringify(results));
}

// --------------------------------------------------------------------------------------------------- eval
/** Model class -> data set class: by name; a one-class model on a one-class data set maps 0 -> 0. */
function classMapping(model: readonly string[], data: readonly string[]): { map: (c: number) => number | undefined; note: string } {
  const byName = new Map(data.map((n, i) => [n.toLowerCase(), i]));
  const shared = model.filter((n) => byName.has(n.toLowerCase()));
  if (shared.length > 0) {
    const missing = data.filter((n) => !model.some((m) => m.toLowerCase() === n.toLowerCase()));
    return {
      map: (c) => byName.get((model[c] ?? '').toLowerCase()),
      note: `classes matched by name: ${shared.length} of the data set's ${data.length}${missing.length ? ` (the model has no ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}: AP 0)` : ''}`,
    };
  }
  if (model.length === 1 && data.length === 1) return { map: () => 0, note: `one class each: the model's '${model[0]}' is scored as the data set's '${data[0]}'` };
  throw new UsageError(`the model's classes (${model.slice(0, 6).join(', ')}${model.length > 6 ? ', ...' : ''}) share no name with the data set's (${data.slice(0, 6).join(', ')}${data.length > 6 ? ', ...' : ''})`);
}

export async function evaluate(args: ModelArgs & CommonArgs & DataArgs & { score: number; iou: number; limit: number | undefined }): Promise<void> {
  const { dataset, scenes, source } = await loadData(args);
  const images = dataset.images.slice(0, args.limit ?? dataset.images.length);
  args.log(`data: ${source}: ${images.length} images${args.limit ? ` (of ${dataset.images.length})` : ''}, ${images.reduce((s, i) => s + i.boxes.length, 0)} boxes, ${dataset.classNames.length} classes`);
  const result = await withModel(args, args.log, async (detector) => {
    const { map, note } = classMapping(detector.classNames, dataset.classNames);
    args.log(note);
    const detections: EvalDetection[] = [];
    let ms = 0;
    for (const [n, img] of images.entries()) {
      const scene = scenes?.[n];
      const image = scene ? (tf.tensor3d(scene.image, [scene.height, scene.width, 3], 'int32') as tf.Tensor3D) : await decodeImage(img.path, { channels: 3 });
      try {
        const t0 = performance.now();
        const found = await detector.detect(image, { scoreThreshold: args.score, iouThreshold: args.iou });
        ms += performance.now() - t0;
        for (const d of found) {
          const cls = map(d.class);
          if (cls !== undefined) detections.push({ imageId: img.id, class: cls, box: d.box, score: d.score });
        }
      } finally {
        image.dispose();
      }
      if (!args.json && process.stdout.isTTY) process.stdout.write(`\r  detecting ${n + 1}/${images.length}`);
    }
    if (!args.json && process.stdout.isTTY) process.stdout.write('\n');
    return { detections, msPerImage: ms / Math.max(1, images.length) };
  });
  const groundTruth = groundTruthFromDataset({ classNames: dataset.classNames, images });
  const voc = meanAveragePrecision(result.detections, groundTruth, { classNames: dataset.classNames, iouThreshold: 0.5 });
  const coco = cocoMeanAveragePrecision(result.detections, groundTruth, { classNames: dataset.classNames });
  await mkdir(args.out, { recursive: true });
  const plotted = voc.classes.filter((c) => c.numGroundTruth > 0).sort((a, b) => b.numGroundTruth - a.numGroundTruth).slice(0, 10);
  const picture = await writePrCurves(join(args.out, 'pr-curves.png'), plotted.map((c) => ({ recall: c.recall, precision: c.precision, name: c.name, ap: c.ap })), {
    title: `PR curves at IoU 0.5: mAP ${(100 * voc.map).toFixed(1)}%`,
  });
  const perClass = voc.classes.map((c, i) => ({ class: c.name, groundTruth: c.numGroundTruth, detections: c.numDetections, ap50: c.ap, apCoco: coco.classes[i]?.ap ?? NaN }));
  if (args.json) {
    console.log(JSON.stringify({ data: source, images: images.length, detections: result.detections.length, msPerImage: result.msPerImage, map50: voc.map, cocoMap: coco.map, cocoMap50: coco.map50, cocoMap75: coco.map75, classes: perClass, picture }));
    return;
  }
  const w = Math.max(5, ...perClass.map((c) => c.class.length));
  args.log(`\n${'class'.padEnd(w)}  ground truth  detections  AP@0.5  AP@[.5:.95]`);
  for (const c of perClass.filter((c) => c.groundTruth > 0)) {
    args.log(`${c.class.padEnd(w)}  ${String(c.groundTruth).padStart(12)}  ${String(c.detections).padStart(10)}  ${pct(c.ap50)}  ${pct(c.apCoco).padStart(11)}`);
  }
  args.log(`\nmAP@0.5 (VOC all-point): ${pct(voc.map).trim()}   COCO mAP@[.5:.95]: ${pct(coco.map).trim()} (AP50 ${pct(coco.map50).trim()}, AP75 ${pct(coco.map75).trim()})`);
  args.log(`${result.detections.length} detections over ${images.length} images, ${result.msPerImage.toFixed(0)} ms per image; PR curves -> ${picture}`);
}

// ------------------------------------------------------------------------------------------------ anchors
export async function anchors(args: CommonArgs & DataArgs & { k: number; grid: number; inputSize: number }): Promise<void> {
  const { dataset, source } = await loadData(args);
  // YOLOv2 measures anchors in grid cells of the network input: an image stretched to it has S cells a side.
  const wh = dataset.images.flatMap((img) => img.boxes.map((b) => [((b.box[2] - b.box[0]) / img.width) * args.grid, ((b.box[3] - b.box[1]) / img.height) * args.grid] as [number, number]));
  const usable = wh.filter(([w, h]) => w > 0 && h > 0);
  if (usable.length < args.k) throw new UsageError(`--k ${args.k} needs at least ${args.k} boxes; the data set has ${usable.length}`);
  const r = kmeansAnchors(usable, args.k, { seed: args.seed });
  const cell = args.inputSize / args.grid;
  const share = r.anchors.map((_, a) => r.assignments.filter((x) => x === a).length / usable.length);
  if (args.json) {
    console.log(JSON.stringify({ data: source, boxes: usable.length, k: args.k, grid: args.grid, inputSize: args.inputSize, anchors: r.anchors, anchorsPixels: r.anchors.map(([w, h]) => [w * cell, h * cell]), meanIou: r.meanIou, share, iterations: r.iterations, converged: r.converged }));
    return;
  }
  args.log(`data: ${source}: ${usable.length} boxes in ${dataset.images.length} images`);
  args.log(`k-means (distance 1 - IoU), k = ${args.k}, sizes in cells of a ${args.grid}x${args.grid} grid on a ${args.inputSize}x${args.inputSize} input:`);
  args.log('anchor  cells (w x h)  pixels (w x h)  boxes');
  r.anchors.forEach(([w, h], a) => {
    const cells = `${w.toFixed(2).padStart(5)} x ${h.toFixed(2).padEnd(5)}`;
    const pixels = `${(w * cell).toFixed(0).padStart(5)} x ${(h * cell).toFixed(0).padEnd(5)}`;
    args.log(`${String(a).padStart(6)}  ${cells.padEnd(13)}  ${pixels.padEnd(14)}  ${(100 * share[a]!).toFixed(0).padStart(4)}%`);
  });
  args.log(`mean IoU of a box with its anchor: ${(100 * r.meanIou).toFixed(1)}%  (${r.iterations} iterations${r.converged ? '' : ', not converged'})`);
  args.log(`darknet [region] (cells):  anchors = ${r.anchors.map(([w, h]) => `${w.toFixed(2)},${h.toFixed(2)}`).join(', ')}`);
  args.log(`darknet [yolo] (pixels):   anchors = ${r.anchors.map(([w, h]) => `${Math.round(w * cell)},${Math.round(h * cell)}`).join(', ')}`);
}

// --------------------------------------------------------------------------------------------------- grid
/** "1,1 2,0.5" -> [[1, 1], [2, 0.5]]. */
export function parseAnchors(text: string): Anchor[] {
  const anchors = text.trim().split(/\s+|;/).filter(Boolean).map((pair) => pair.split(/[,x]/).map(Number));
  if (anchors.length === 0 || anchors.some((a) => a.length !== 2 || a.some((v) => !(v > 0)))) {
    throw new UsageError(`--anchors must be pairs w,h in grid cells separated by spaces, e.g. "1,1 2,0.5", got '${text}'`);
  }
  return anchors as unknown as Anchor[];
}

export async function grid(args: CommonArgs & { grid: number; size: number; seed: number; k: number; anchors: string | undefined }): Promise<void> {
  const scene = generateScene({ size: args.size, seed: args.seed, minObjects: 3, maxObjects: 6 });
  let anchorShapes: Anchor[];
  let anchorSource: string;
  if (args.anchors) {
    anchorShapes = parseAnchors(args.anchors);
    anchorSource = '--anchors';
  } else {
    // The course's way: anchors are the typical shapes of the data, found by k-means over many scenes' boxes.
    const cell = args.size / args.grid;
    const wh = generateDataset(200, { size: args.size, seed: args.seed + 1 }).flatMap((s) => s.objects.map((o) => [(o.box[2] - o.box[0]) / cell, (o.box[3] - o.box[1]) / cell] as [number, number]));
    const r = kmeansAnchors(wh, args.k, { seed: args.seed });
    anchorShapes = r.anchors.map(([w, h]) => [Number(w.toFixed(2)), Number(h.toFixed(2))] as const);
    anchorSource = `k-means (k = ${args.k}) over 200 generated scenes, mean IoU ${(100 * r.meanIou).toFixed(1)}%`;
  }
  // Drawn on a copy enlarged to about 512 px, so lines and captions stay readable; labels keep the scene's frame.
  const zoom = Math.max(1, Math.round(512 / args.size));
  const scenePixels = tf.tensor3d(scene.image, [scene.height, scene.width, 3], 'int32') as tf.Tensor3D;
  const image = zoom === 1 ? scenePixels : resizeImage(scenePixels, [scene.height * zoom, scene.width * zoom], { method: 'nearest' });
  const sceneSize = [scene.height, scene.width] as const;
  const options = { grid: args.grid, anchors: anchorShapes, labels: scene.classNames, imageSize: sceneSize, font: { scale: Math.max(1, Math.round((args.size * zoom) / 384)) } };
  const owners = gridOwners(scene.objects, options);
  const picture = drawGridOverlay(image, scene.objects, options);
  if (image !== scenePixels) scenePixels.dispose();
  const file = join(args.out, `grid-${args.grid}x${args.grid}-seed${args.seed}.png`);
  await mkdir(args.out, { recursive: true });
  await writeImage(file, picture);
  tf.dispose([image, picture]);
  if (args.json) {
    console.log(JSON.stringify({ picture: file, size: args.size, grid: args.grid, anchors: anchorShapes, owners: owners.map((o) => ({ ...o, name: scene.classNames[o.class] })) }));
    return;
  }
  args.log(`scene: ${args.size}x${args.size}, seed ${args.seed}, ${scene.objects.length} objects; grid ${args.grid}x${args.grid} (cells of ${(args.size / args.grid).toFixed(0)} px)`);
  args.log(`anchors (w x h in cells, from ${anchorSource}): ${anchorShapes.map(([w, h], a) => `${a}: ${w} x ${h}`).join(', ')}`);
  args.log('object  class     box                   centre      cell (row,col)  anchor  anchor IoU');
  for (const o of owners) {
    const [cx, cy] = [(o.box[0] + o.box[2]) / 2, (o.box[1] + o.box[3]) / 2];
    const cells = [
      String(o.index).padStart(6),
      (scene.classNames[o.class] ?? '').padEnd(8),
      fmtBox(o.box).padEnd(20),
      `(${cx.toFixed(0)}, ${cy.toFixed(0)})`.padEnd(10),
      `(${o.row},${o.col})`.padEnd(14),
      String(o.anchor).padStart(6),
      o.anchorIou.toFixed(2).padStart(10),
    ];
    args.log(cells.join('  ') + (o.dropped ? `  dropped: object ${o.keptIndex} holds this cell and anchor` : ''));
  }
  args.log(`picture -> ${file}`);
}

// -------------------------------------------------------------------------------------------------- train
export interface TrainArgs extends CommonArgs {
  data: string | undefined;
  images: string | undefined;
  split: string | undefined;
  /** A fraction to hold out, 0 / none, scenes[:N], or another --data source. */
  val: string | undefined;
  epochs: number | undefined;
  steps: number | undefined;
  batch: number | undefined;
  lr: number | undefined;
  size: number | undefined;
  seed: number | undefined;
  resume: boolean;
  minutes: number | undefined;
}

/** What one recipe builds: the model, its data and its defaults (the scripts' settings). */
interface Recipe {
  kind: 'scenes' | 'dataset';
  description: string;
  model: tfl.LayersModel;
  anchors: Anchor[];
  anchorNote: string;
  classes: string[];
  inputSize: number;
  grid: number;
  train: SampleSource;
  trainCount: number;
  trainNote: string;
  val: SampleSource | undefined;
  valCount: number;
  valNote: string;
  defaults: { epochs: number; steps: number | undefined; batch: number; lr: number; warmup: number };
  validateEvery: number;
  augment: AugmentOptions;
  loss: NonNullable<TrainDetectorOptions['loss']>;
  /** `--data ...` for the eval command printed at the end (and a note on it), and an image for detect. */
  evalData: string;
  evalNote: string;
  exampleImage: string | undefined;
  dispose(): void;
}

type ValSpec = { kind: 'none' } | { kind: 'fraction'; fraction: number } | { kind: 'scenes'; n: number } | { kind: 'data'; where: string };

function parseVal(text: string): ValSpec {
  if (text === 'none') return { kind: 'none' };
  const scenes = scenesCount(text);
  if (scenes) return { kind: 'scenes', n: scenes.n ?? 100 };
  const f = Number(text);
  if (text.trim() !== '' && Number.isFinite(f)) {
    if (!(f >= 0 && f < 1)) throw new UsageError(`--val must be a fraction in [0, 1) to hold out (0: no validation), scenes[:N], or a data set, got '${text}'`);
    return f === 0 ? { kind: 'none' } : { kind: 'fraction', fraction: f };
  }
  return { kind: 'data', where: text };
}

const round4 = (v: number) => Number(v.toFixed(4));
/** Box sizes in grid cells after the picture is letterboxed to the square network input. */
function boxCells(images: DetectionDataset['images'], size: number, grid: number): [number, number][] {
  return images.flatMap((im) => {
    const scale = Math.min(size / im.width, size / im.height);
    return im.boxes.map((b) => [((b.box[2] - b.box[0]) * scale * grid) / size, ((b.box[3] - b.box[1]) * scale * grid) / size] as [number, number]);
  });
}

function inputSizeOf(args: TrainArgs, resumed: CheckpointFile | undefined, fallback: number): number {
  const size = args.size ?? resumed?.inputSize[0] ?? fallback;
  if (resumed && size !== resumed.inputSize[0]) throw new UsageError(`--size ${size}: the checkpoint in ${args.out} was trained at ${resumed.inputSize[0]} px; resume at that size (or start over without --resume)`);
  if (size % 16 !== 0 || size < 32) throw new UsageError(`--size must be a multiple of 16 (the detector's stride) and at least 32, got ${size}`);
  return size;
}

// The recipe of scripts/train-shapes.mjs: seeds 1000 (training scenes), 2000 (validation), 3000 (anchors).
const SCENE_SEEDS = { train: 1000, val: 2000, anchors: 3000, heldOut: 9000 };

function shapesRecipe(args: TrainArgs, pool: number | undefined, resumed: CheckpointFile | undefined): Recipe {
  const size = inputSizeOf(args, resumed, 128);
  const grid = size / 16;
  const sceneOptions = { size, maxObjects: 5 };
  let anchors: Anchor[];
  let anchorNote: string;
  if (resumed) {
    anchors = resumed.anchors;
    anchorNote = 'from the checkpoint';
  } else {
    const wh = generateDataset(500, { ...sceneOptions, seed: SCENE_SEEDS.anchors }).flatMap((s) => s.objects.map((o) => [((o.box[2] - o.box[0]) * grid) / size, ((o.box[3] - o.box[1]) * grid) / size] as [number, number]));
    const r = kmeansAnchors(wh, 5, { seed: 0 });
    anchors = r.anchors.map(([w, h]) => [round4(w), round4(h)] as Anchor);
    anchorNote = `k-means over 500 scenes (seed ${SCENE_SEEDS.anchors}), mean IoU ${(100 * r.meanIou).toFixed(1)}%`;
  }
  const n = pool ?? 4000;
  let scenes = generateDataset(n, { ...sceneOptions, seed: SCENE_SEEDS.train });
  const spec = parseVal(args.val ?? 'scenes:100');
  let val: SampleSource | undefined;
  let valCount = 0;
  let valNote = 'none';
  if (spec.kind === 'fraction') {
    valCount = Math.round(n * spec.fraction);
    if (valCount < 1 || valCount >= n) throw new UsageError(`--val ${spec.fraction} holds out ${valCount} of ${n} scenes: leave at least one on each side`);
    val = scenes.slice(n - valCount).map(sceneToSample);
    scenes = scenes.slice(0, n - valCount);
    valNote = `the last ${valCount} of the ${n} scenes`;
  } else if (spec.kind === 'scenes') {
    valCount = spec.n;
    val = generateDataset(spec.n, { ...sceneOptions, seed: SCENE_SEEDS.val }).map(sceneToSample);
    valNote = `${spec.n} generated scenes (seed ${SCENE_SEEDS.val})`;
  } else if (spec.kind === 'data') {
    throw new UsageError(`--val '${spec.where}': generated scenes validate on generated scenes: pass --val scenes:N, a fraction, or 0`);
  }
  const model = shapesDetectorModel({ inputSize: size, anchors, classes: SHAPE_CLASSES.length });
  return {
    kind: 'scenes',
    description: 'shapesDetectorModel (stride-16 Darknet-style backbone + YOLOv2 head, from scratch)',
    model,
    anchors,
    anchorNote,
    classes: [...SHAPE_CLASSES],
    inputSize: size,
    grid,
    train: scenes.map(sceneToSample),
    trainCount: scenes.length,
    trainNote: `${scenes.length} generated scenes ${size}x${size} (seed ${SCENE_SEEDS.train})`,
    val,
    valCount,
    valNote,
    defaults: { epochs: 30, steps: 80, batch: 16, lr: 2e-3, warmup: 100 },
    validateEvery: 3,
    augment: { flip: 0.5, scale: [0.8, 1.25], translate: 0.08, color: { brightness: 0.25, contrast: 0.25, saturation: 0.3, hue: 0.03 } },
    // Darknet's YOLOv2 weighs object cells 5x (object_scale=5).
    loss: { lambdaCoord: 2, lambdaObj: 5, lambdaNoobj: 0.5, lambdaClass: 3 },
    evalData: `--data scenes:200 --size ${size} --seed ${SCENE_SEEDS.heldOut}`,
    evalNote: '(fresh scenes, as scripts/eval-shapes.mjs)',
    exampleImage: undefined,
    dispose: () => model.dispose(),
  };
}

// The recipe of scripts/train-raccoon.mjs (its first, frozen stage): the Darknet "tiny" ImageNet classifier up
// to leaky_re_lu_14 (stride 16, 512 channels) chained at a smaller input, one new conv block, a YOLOv2 head.
const BACKBONE = { id: 'darknet-tiny-imagenet', featureLayer: 'leaky_re_lu_14' };

async function datasetRecipe(args: TrainArgs, data: string, resumed: CheckpointFile | undefined): Promise<Recipe> {
  const yaml = /\.ya?ml$/i.test(data);
  const read = (where: string, split: string | undefined) => loadData({ data: where, images: args.images, split, sceneSize: 0, seed: 0 });
  const loaded = await read(data, args.split ?? 'train');
  if (loaded.dataset.classNames.length === 0 || loaded.dataset.images.length === 0) throw new UsageError(`--data '${data}' (${loaded.source}) holds no labelled images`);
  const spec = parseVal(args.val ?? (yaml ? data : '0.2'));
  let trainSet = loaded.dataset;
  let valSet: DetectionDataset | undefined;
  let valNote = 'none';
  let evalData = `--data ${data}`;
  let evalNote = '';
  if (spec.kind === 'scenes') throw new UsageError(`--val ${args.val}: generated scenes have other classes than '${data}'; pass a fraction (e.g. 0.2) or a data set with the same classes`);
  if (spec.kind === 'fraction') {
    ({ train: trainSet, val: valSet } = holdOut(loaded.dataset, spec.fraction));
    valNote = `${valSet.images.length} images held out of ${loaded.dataset.images.length} (${(100 * spec.fraction).toFixed(0)}%, a fixed shuffle)`;
    evalNote = '(all its images, the training ones too)';
  } else if (spec.kind === 'data') {
    const v = await read(spec.where, 'val');
    valSet = withClasses(v.dataset, loaded.dataset.classNames, `--val '${spec.where}'`);
    valNote = `${v.source}: ${valSet.images.length} images`;
    evalData = `--data ${spec.where}${/\.ya?ml$/i.test(spec.where) ? ' --split val' : ''}`;
  }
  let weightsDir: string;
  try {
    weightsDir = await resolveWeights(BACKBONE.id, { offline: true });
  } catch (err) {
    if (!(err instanceof CnnError)) throw err;
    throw new CnnError(
      err.code,
      `${err.message}\ntrain --data <data set> fine-tunes the Darknet "tiny" ImageNet classifier (ml5's ${BACKBONE.id}: model.json and its weight shards): set CNN_WEIGHTS_PATH to the folder that holds '${BACKBONE.id}/', e.g. CNN_WEIGHTS_PATH=../shared/weights. Generated scenes need no weights: --data scenes:N.`,
      { cause: err },
    );
  }
  const size = inputSizeOf(args, resumed, 160);
  const darknet = await tfl.loadLayersModel(fileSystem(weightsDir));
  const backbone = chainBackbone(darknet, { inputSize: [size, size], featureLayer: BACKBONE.featureLayer });
  let x = backbone.outputs[0]!;
  const grid = x.shape[1] as number;
  x = tfl.layers.conv2d({ filters: 256, kernelSize: 3, padding: 'same', useBias: false, name: 'det_conv' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'det_bn' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.leakyReLU({ alpha: 0.1, name: 'det_leaky' }).apply(x) as tfl.SymbolicTensor;
  let anchors: Anchor[];
  let anchorNote: string;
  if (resumed) {
    anchors = resumed.anchors;
    anchorNote = 'from the checkpoint';
  } else {
    const wh = boxCells(trainSet.images, size, grid).filter(([w, h]) => w > 0 && h > 0);
    if (wh.length < 5) throw new UsageError(`--data '${data}': 5 anchors need at least 5 training boxes, it has ${wh.length}`);
    const r = kmeansAnchors(wh, 5, { seed: 0 });
    anchors = r.anchors.map(([w, h]) => [round4(w), round4(h)] as Anchor);
    anchorNote = `k-means over the ${wh.length} training boxes, mean IoU ${(100 * r.meanIou).toFixed(1)}%`;
  }
  const classes = [...loaded.dataset.classNames];
  const model = yoloHead(x, { anchors, classes: classes.length, name: 'detector' });
  initObjectnessPrior(model, { prior: 0.05, anchors: anchors.length });
  // The pretrained layers stay as they are; only the new conv block and the head learn.
  const pretrained = new Set(darknet.layers.slice(1).map((l) => l.name));
  for (const l of model.layers) if (pretrained.has(l.name)) l.trainable = false;
  return {
    kind: 'dataset',
    description: `${BACKBONE.id} to ${BACKBONE.featureLayer} (frozen) + conv 3x3 256 + YOLOv2 head`,
    model,
    anchors,
    anchorNote,
    classes,
    inputSize: size,
    grid,
    train: trainSet,
    trainCount: trainSet.images.length,
    trainNote: `${loaded.source}: ${trainSet.images.length} images, ${trainSet.images.reduce((s, i) => s + i.boxes.length, 0)} boxes, ${classes.length} class${classes.length === 1 ? '' : 'es'} (letterboxed to ${size}x${size})`,
    val: valSet,
    valCount: valSet?.images.length ?? 0,
    valNote,
    defaults: { epochs: 30, steps: undefined, batch: 8, lr: 1e-3, warmup: 10 },
    validateEvery: 3,
    augment: { flip: 0.5, scale: [0.7, 1.3], translate: 0.1, minVisible: 0.5, color: { brightness: 0.25, contrast: 0.25, saturation: 0.3, hue: 0.02 } },
    loss: { lambdaCoord: 2, lambdaObj: 5, lambdaNoobj: 0.5 },
    evalData,
    evalNote,
    exampleImage: (valSet ?? trainSet).images[0]?.path,
    dispose: () => {
      model.dispose(); // also the shared darknet layers
    },
  };
}

async function readCheckpoint(dir: string): Promise<CheckpointFile | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'checkpoint.json'), 'utf8');
  } catch {
    return undefined;
  }
  const ck = JSON.parse(text) as CheckpointFile;
  if (ck.format !== 'cnn-yolo-checkpoint') throw new UsageError(`${join(dir, 'checkpoint.json')} is not a training checkpoint (format '${String(ck.format)}')`);
  return ck;
}

export async function train(args: TrainArgs): Promise<void> {
  if (!args.data) throw new UsageError('train needs --data: scenes[:N] (generated shapes, no files), or a VOC folder, a COCO .json, a data.yaml, a .csv or a data set id');
  const found = await readCheckpoint(args.out);
  if (args.resume && !found) throw new UsageError(`--resume: no checkpoint in ${args.out} (checkpoint.json); train without --resume first, or point --out at an earlier run's folder`);
  const resumed = args.resume ? found : undefined;
  const scenes = scenesCount(args.data);
  const recipe = scenes ? shapesRecipe(args, scenes.n, resumed) : await datasetRecipe(args, args.data, resumed);
  try {
    if (resumed && (resumed.labels.join('\n') !== recipe.classes.join('\n') || resumed.anchors.length !== recipe.anchors.length)) {
      throw new UsageError(`--resume: the checkpoint in ${args.out} was trained on other classes (${resumed.labels.slice(0, 6).join(', ')}) than --data '${args.data}' has (${recipe.classes.slice(0, 6).join(', ')})`);
    }
    const epochs = args.epochs ?? Math.max(recipe.defaults.epochs, (resumed?.epoch ?? 0) + 1);
    if (resumed && epochs <= resumed.epoch) {
      throw new UsageError(`--epochs is the number of epochs to reach: the checkpoint in ${args.out} has finished ${resumed.epoch}, so pass --epochs ${resumed.epoch + 1} or more`);
    }
    const batch = args.batch ?? resumed?.batchSize ?? recipe.defaults.batch;
    const steps = args.steps ?? resumed?.stepsPerEpoch ?? recipe.defaults.steps ?? Math.ceil(recipe.trainCount / batch);
    const seed = args.seed ?? resumed?.seed ?? 1;
    const lr = args.lr ?? recipe.defaults.lr;
    // The recipes warm up over 100 (scenes) or 10 steps; a short run warms up over its first tenth at most.
    const warmup = Math.min(recipe.defaults.warmup, Math.ceil((epochs * steps) / 10));
    if (found && !args.resume) {
      // A new run in an old run's folder: its best/ would otherwise outlive it.
      args.log(`note: ${args.out} holds a run of ${found.epoch} epochs; starting over (--resume continues it)`);
      await rm(join(args.out, 'best'), { recursive: true, force: true });
      await rm(join(args.out, 'checkpoint.json'), { force: true });
    }
    const params = recipe.model.countParams();
    const trainable = recipe.model.trainableWeights.reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
    args.log(`data: ${recipe.trainNote}`);
    args.log(`validation: ${recipe.valNote}${recipe.val ? `, mAP@0.5 every ${recipe.validateEvery} epochs and after the last` : ''}`);
    args.log(`model: ${recipe.description}; input ${recipe.inputSize}x${recipe.inputSize}, grid ${recipe.grid}x${recipe.grid}, ${params.toLocaleString('en-US')} parameters (${trainable.toLocaleString('en-US')} trainable)`);
    args.log(`anchors (cells, ${recipe.anchorNote}): ${recipe.anchors.map(([w, h]) => `${w.toFixed(2)}x${h.toFixed(2)}`).join(' ')}`);
    args.log(
      `training: ${resumed ? `from epoch ${resumed.epoch} ` : ''}to epoch ${epochs}, ${steps} steps x ${batch} pictures an epoch; Adam, cosine rate from ${lr} (warm-up ${warmup} steps); seed ${seed}` +
        `${args.minutes ? `; at most ${args.minutes} min` : ''}; checkpoints in ${args.out}/ (progress on stderr; Ctrl-C stops after the step)`,
    );
    const stop = new AbortController();
    const onInterrupt = () => {
      process.stderr.write('\nstopping after this step (Ctrl-C again quits at once)\n');
      stop.abort();
    };
    process.once('SIGINT', onInterrupt);
    const signal = args.minutes ? AbortSignal.any([stop.signal, AbortSignal.timeout(args.minutes * 60_000)]) : stop.signal;
    let history;
    try {
      history = await trainDetector({
        model: recipe.model,
        anchors: recipe.anchors,
        classes: recipe.classes,
        dataset: recipe.train,
        epochs,
        stepsPerEpoch: steps,
        batchSize: batch,
        learningRate: cosineLearningRate(lr, { warmupSteps: warmup }),
        augment: recipe.augment,
        loss: recipe.loss,
        seed,
        ...(recipe.val ? { validation: { dataset: recipe.val, every: recipe.validateEvery } } : {}),
        checkpointDir: args.out,
        resume: args.resume,
        signal,
      });
    } finally {
      process.removeListener('SIGINT', onInterrupt);
    }
    const lastEpoch = history.epochs.at(-1)?.epoch ?? 0;
    const last = join(args.out, 'last');
    const best = history.bestEpoch > 0 ? join(args.out, 'best') : undefined;
    const model = best ?? (lastEpoch > 0 ? last : undefined);
    const commands = model
      ? { detect: `cnn-yolo-demo detect ${recipe.exampleImage ?? '<image...>'} --model ${model}`, eval: `cnn-yolo-demo eval --model ${model} ${recipe.evalData}` }
      : undefined;
    const minutes = history.seconds / 60;
    if (args.json) {
      console.log(
        JSON.stringify({
          out: args.out,
          last: lastEpoch > 0 ? last : null,
          best: best ?? null,
          steps: history.steps,
          images: history.steps * batch,
          minutes,
          backend: history.backend,
          bestMap50: Number.isNaN(history.bestMap) ? null : history.bestMap,
          bestEpoch: history.bestEpoch || null,
          epoch: lastEpoch,
          epochs,
          resumedFromEpoch: history.resumedFromEpoch,
          aborted: history.aborted,
          inputSize: recipe.inputSize,
          grid: recipe.grid,
          anchors: recipe.anchors,
          classes: recipe.classes,
          history: history.epochs.map((e) => ({ epoch: e.epoch, loss: e.loss, learningRate: e.learningRate, seconds: e.seconds, ...(e.map !== undefined ? { map50: e.map } : {}) })),
          commands: commands ?? null,
        }),
      );
      return;
    }
    if (history.aborted) args.log(`stopped early (${signal.reason instanceof Error && signal.reason.name === 'TimeoutError' ? `--minutes ${args.minutes}` : 'interrupted'}) at epoch ${lastEpoch} of ${epochs}; --resume continues from there`);
    args.log(`\ntrained ${history.steps} steps (${(history.steps * batch).toLocaleString('en-US')} images) in ${minutes.toFixed(1)} min on ${history.backend}${history.resumedFromEpoch ? ` (resumed at epoch ${history.resumedFromEpoch})` : ''}`);
    args.log(
      history.bestEpoch > 0
        ? `best validation mAP@0.5: ${history.bestMap.toFixed(3)} at epoch ${history.bestEpoch} (${recipe.valCount} ${recipe.kind === 'scenes' ? 'scenes' : 'images'})`
        : `best validation mAP@0.5: - (${recipe.val ? 'no epoch validated yet' : 'no validation: --val 0'})`,
    );
    if (!model) {
      args.log('no epoch finished: nothing saved');
      return;
    }
    args.log(`checkpoints (detector folders for --model): ${best ? `${best} (epoch ${history.bestEpoch}), ` : ''}${last} (epoch ${lastEpoch})`);
    args.log('next:');
    args.log(`  ${commands!.detect}`);
    args.log(`  ${commands!.eval}${recipe.evalNote ? `   ${recipe.evalNote}` : ''}`);
    args.log(`  (${history.aborted ? 'to finish' : 'to train on'}: the same train command with --resume --epochs ${history.aborted ? epochs : epochs + 10})`);
  } finally {
    recipe.dispose();
  }
}
