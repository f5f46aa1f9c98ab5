/**
 * The demo's verbs. Each prints for people (or one JSON document with --json) and writes its pictures under
 * --out. Everything they compute comes from @cnn/yolo and @cnn/ops; this file reads, prints and writes.
 */
import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage, resizeImage, writeImage } from '@cnn/ops';
import {
  cocoMeanAveragePrecision,
  drawDetections,
  drawGridOverlay,
  generateDataset,
  generateScene,
  gridOwners,
  groundTruthFromDataset,
  kmeansAnchors,
  meanAveragePrecision,
  writePrCurves,
  type Anchor,
  type EvalDetection,
} from '@cnn/yolo';
import { loadData, type DataArgs } from './datasets.js';
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
