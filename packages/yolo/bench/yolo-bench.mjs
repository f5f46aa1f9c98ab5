#!/usr/bin/env node
/**
 * @cnn/yolo benchmark. Prints a table and writes bench-results/yolo-bench.json (never asserts on time).
 *   (a) NMS over 10k random boxes in 80 classes: @cnn/ops' class-aware nonMaxSuppression vs
 *       tf.image.nonMaxSuppression run once per class, same IoU threshold; checks both keep the same boxes;
 *   (b) Yolo-Fastest 1.1 detection latency per image at 320x320 on wasm (weights 'yolo-fastest' through
 *       CNN_WEIGHTS_PATH, photos 'darknet-samples' through CNN_DATA_PATH; skipped with a message if absent);
 *   (c) the tiny face detector on the same photos, when the built package exports it (else "skipped").
 *
 *   node bench/yolo-bench.mjs [--quick]        (build first: npx tsup)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage, describeBackend, mulberry32, nonMaxSuppression, ready, resolveData, resolveWeights } from '@cnn/ops';
import * as yolo from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const QUICK = process.argv.includes('--quick');
const started = performance.now();
const results = {
  date: new Date().toISOString(),
  node: process.version,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageAtStart: loadavg()[0] },
  statistic: 'median',
  nms: undefined,
  yoloFastest: undefined,
  tinyFaceDetector: undefined,
};
const rows = []; // the printed table: [what, backend, median ms, note]

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timeIt(fn, iterations) {
  await fn(); // warm-up
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return { medianMs: median(times), minMs: Math.min(...times), runs: iterations };
}

// ---------------------------------------------------------------------------------------------------- (a) NMS
{
  const N = 10_000;
  const CLASSES = 80;
  // 0.45 (YOLO's usual) is not hit exactly by these float32 boxes, so ">= threshold" (@cnn/ops, tfjs cpu/wasm)
  // and "> threshold" (TensorFlow C++, torchvision) suppress the same boxes; the check below confirms it.
  const IOU = 0.45;
  const rand = mulberry32(7);
  // Like a detector's raw output: 400 objects (5 per class) over a 640 x 640 image, each seen by 25 boxes
  // jittered by up to ±15 % of its size, so NMS has real work (it keeps a few boxes per object).
  const boxes = [];
  const scores = new Float32Array(N);
  const classes = new Int32Array(N);
  const OBJECTS = 400;
  for (let i = 0; i < N; i++) {
    const o = i % OBJECTS;
    const r = mulberry32(1000 + o);
    const [ocx, ocy, ow, oh] = [640 * r(), 640 * r(), 16 + 180 * r(), 16 + 180 * r()];
    const j = () => 0.3 * (rand() - 0.5);
    const [cx, cy, w, h] = [ocx + j() * ow, ocy + j() * oh, ow * (1 + j()), oh * (1 + j())];
    boxes.push([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2].map(Math.fround));
    scores[i] = Math.fround(rand());
    classes[i] = o % CLASSES;
  }
  const byClass = Array.from({ length: CLASSES }, () => []);
  for (let i = 0; i < N; i++) byClass[classes[i]].push(i);
  const iterations = QUICK ? 5 : 15;
  const nms = { boxes: N, classes: CLASSES, iouThreshold: IOU, backends: {} };

  await ready({ backend: 'wasm' });
  let opsKept;
  const opsRun = () => {
    opsKept = nonMaxSuppression({ boxes, scores, classes, iouThreshold: IOU, scoreThreshold: 0, maxDetections: Infinity });
  };
  nms.ops = await timeIt(opsRun, iterations);
  nms.ops.kept = opsKept.length;
  rows.push([`NMS ${N} boxes / ${CLASSES} classes: @cnn/ops nonMaxSuppression (class-aware)`, 'js', nms.ops.medianMs, `${opsKept.length} kept`]);

  for (const backend of ['wasm', 'cpu']) {
    await ready({ backend });
    // tfjs wants [y1, x1, y2, x2] tensors per class; built once, outside the timing (a fair floor for tfjs).
    const perClass = byClass.map((idx) => ({
      idx,
      boxes: tf.tensor2d(idx.flatMap((i) => [boxes[i][1], boxes[i][0], boxes[i][3], boxes[i][2]]), [idx.length, 4]),
      scores: tf.tensor1d(idx.map((i) => scores[i])),
    }));
    let tfKept;
    const tfRun = () => {
      tfKept = [];
      for (const c of perClass) {
        const keep = tf.image.nonMaxSuppression(c.boxes, c.scores, c.idx.length, IOU, -Infinity);
        for (const k of keep.dataSync()) tfKept.push(c.idx[k]);
        keep.dispose();
      }
    };
    const t = await timeIt(tfRun, iterations);
    const ours = new Set(opsKept.map((d) => d.index));
    const theirs = new Set(tfKept);
    const onlyOps = [...ours].filter((i) => !theirs.has(i));
    const onlyTf = [...theirs].filter((i) => !ours.has(i));
    nms.backends[backend] = { ...t, kept: tfKept.length, sameKept: onlyOps.length === 0 && onlyTf.length === 0, onlyOps: onlyOps.slice(0, 20), onlyTfjs: onlyTf.slice(0, 20) };
    const note = onlyOps.length === 0 && onlyTf.length === 0 ? 'same boxes kept' : `DIFFERENT: ${onlyOps.length} only in ops, ${onlyTf.length} only in tfjs`;
    rows.push([`NMS ${N} boxes / ${CLASSES} classes: tf.image.nonMaxSuppression per class`, backend, t.medianMs, `${tfKept.length} kept, ${note}`]);
    for (const c of perClass) tf.dispose([c.boxes, c.scores]);
    if (backend === 'wasm') {
      // What a caller with plain arrays pays: split by class, build the tensors, run, read back.
      const withTensors = await timeIt(() => {
        for (const idx of byClass) {
          const b = tf.tensor2d(idx.flatMap((i) => [boxes[i][1], boxes[i][0], boxes[i][3], boxes[i][2]]), [idx.length, 4]);
          const s = tf.tensor1d(idx.map((i) => scores[i]));
          const keep = tf.image.nonMaxSuppression(b, s, idx.length, IOU, -Infinity);
          keep.dataSync();
          tf.dispose([b, s, keep]);
        }
      }, iterations);
      nms.backends.wasmIncludingTensorBuild = withTensors;
      rows.push([`  the same, building the per-class tensors from arrays inside the timing`, backend, withTensors.medianMs, '']);
    }
  }
  results.nms = nms;
}

// ------------------------------------------------------------------------------------------ (b) Yolo-Fastest
const PHOTOS = ['dog.jpg', 'eagle.jpg', 'giraffe.jpg', 'horses.jpg', 'person.jpg'];
const reps = QUICK ? 2 : 5;
let photos;
try {
  // Decoded on wasm, where they are used: a tensor made on cpu and moved to wasm later can hit tfjs-wasm's
  // "detached ArrayBuffer" once the wasm heap grows (seen here when the model loaded after the move).
  await ready({ backend: 'wasm' });
  const dir = await resolveData('darknet-samples', { offline: true });
  photos = [];
  for (const f of PHOTOS) photos.push({ file: f, image: await decodeImage(join(dir, f)) });
} catch (err) {
  photos = undefined;
  console.log(`photos skipped: ${err.message.split('\n')[0]} (set CNN_DATA_PATH to the folder holding darknet-samples/)`);
}

async function perImage(detectOne) {
  const perPhoto = [];
  for (const p of photos) {
    const t = await timeIt(() => detectOne(p.image), reps);
    const found = await detectOne(p.image);
    perPhoto.push({ file: p.file, size: [p.image.shape[1], p.image.shape[0]], medianMs: t.medianMs, detections: found.length });
  }
  return { medianMs: median(perPhoto.map((p) => p.medianMs)), perPhoto };
}

try {
  if (!photos) throw new Error('no sample photos');
  const info = await ready({ backend: 'wasm' });
  const dir = await resolveWeights('yolo-fastest', { offline: true });
  const labels = (await readFile(join(dir, 'coco.names'), 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
  const detector = await yolo.loadDarknetDetector({
    cfg: await readFile(join(dir, 'yolo-fastest-1.1.cfg'), 'utf8'),
    weights: await readFile(join(dir, 'yolo-fastest-1.1.weights')),
    labels,
    inputSize: 320,
  });
  const r = await perImage((image) => detector.detect(image, { scoreThreshold: 0.25 }));
  // The network alone (no resize, no decode): what the rest of the latency is compared to.
  const x = tf.zeros([1, 320, 320, 3]);
  const forward = await timeIt(async () => {
    const out = detector.model.predict(x);
    const outs = Array.isArray(out) ? out : [out];
    await Promise.all(outs.map((o) => o.data()));
    tf.dispose(outs);
  }, reps * 2);
  x.dispose();
  detector.dispose();
  results.yoloFastest = { model: 'yolo-fastest-1.1', inputSize: 320, backend: info.backend, simd: info.simd, foldBatchNorm: true, ...r, forwardMs: forward.medianMs };
  rows.push(['Yolo-Fastest 1.1 detect() per image, 320x320 (resize + forward + decode + NMS)', 'wasm', r.medianMs, `${PHOTOS.length} photos, ${(1000 / r.medianMs).toFixed(1)} img/s`]);
  rows.push(['Yolo-Fastest 1.1 forward only, 320x320', 'wasm', forward.medianMs, '']);
} catch (err) {
  if (process.env.BENCH_DEBUG) console.log(err.stack);
  results.yoloFastest = { skipped: err.message.split('\n')[0] };
  console.log(`Yolo-Fastest skipped: ${err.message.split('\n')[0]} (set CNN_WEIGHTS_PATH to the folder holding yolo-fastest/)`);
  rows.push(['Yolo-Fastest 1.1 detect() per image, 320x320', 'wasm', NaN, 'skipped']);
}

// ----------------------------------------------------------------------------------- (c) tiny face detector
try {
  if (!photos) throw new Error('no sample photos');
  if (typeof yolo.loadTinyFaceDetector !== 'function') throw new Error('the built @cnn/yolo does not export loadTinyFaceDetector yet');
  const info = await ready({ backend: 'wasm' });
  // The face module returns either a detector with detect(), or the bare model next to createFaceDetector/detectFaces.
  let detect;
  let dispose = () => {};
  if (typeof yolo.createFaceDetector === 'function') {
    const d = await yolo.createFaceDetector();
    detect = (image) => d.detect(image);
    dispose = () => d.dispose();
  } else {
    const loaded = await yolo.loadTinyFaceDetector();
    if (typeof loaded?.detect === 'function') {
      detect = (image) => loaded.detect(image);
      dispose = () => loaded.dispose?.();
    } else if (typeof yolo.detectFaces === 'function') {
      loaded?.dispose?.();
      detect = (image) => yolo.detectFaces(image);
      dispose = () => yolo.disposeDefaultFaceDetector?.();
    } else {
      loaded?.dispose?.();
      throw new Error('loadTinyFaceDetector gives no detect() and there is no detectFaces');
    }
  }
  const r = await perImage(detect);
  await dispose();
  results.tinyFaceDetector = { model: 'tiny-face-detector', inputSize: 416, backend: info.backend, ...r };
  rows.push(['Tiny face detector detect() per image, 416x416 (default)', 'wasm', r.medianMs, `${PHOTOS.length} photos, ${(1000 / r.medianMs).toFixed(1)} img/s`]);
} catch (err) {
  results.tinyFaceDetector = { skipped: err.message.split('\n')[0] };
  console.log(`tiny face detector skipped: ${err.message.split('\n')[0]}`);
  rows.push(['Tiny face detector detect() per image', 'wasm', NaN, 'skipped']);
}
if (photos) tf.dispose(photos.map((p) => p.image));

// ----------------------------------------------------------------------------------------------- the table
results.machine.loadAverageAtEnd = loadavg()[0];
results.totalSeconds = (performance.now() - started) / 1000;
const w0 = Math.max(...rows.map((r) => r[0].length));
console.log(`\n${describeBackend()}`);
console.log(`${'what'.padEnd(w0)}  backend  median ms  note`);
console.log(`${'-'.repeat(w0)}  -------  ---------  ----`);
for (const [what, backend, ms, note] of rows) console.log(`${what.padEnd(w0)}  ${backend.padEnd(7)}  ${(Number.isNaN(ms) ? '-' : ms.toFixed(ms < 10 ? 2 : 1)).padStart(9)}  ${note}`);
console.log(`\n1-min load average ${results.machine.loadAverageAtStart.toFixed(1)} at start, ${results.machine.loadAverageAtEnd.toFixed(1)} at end (${cpus().length} CPUs); ${results.totalSeconds.toFixed(0)} s in all`);
const outDir = join(here, '..', 'bench-results');
mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, 'yolo-bench.json');
writeFileSync(outFile, JSON.stringify(results, null, 2));
console.log(`wrote ${outFile}`);
