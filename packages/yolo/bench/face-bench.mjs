#!/usr/bin/env node
/**
 * Tiny face detector latency: our TinyFaceDetector (@cnn/yolo) vs @vladmandic/face-api's own, end to end
 * (decoded RGB tensor -> boxes in image pixels), inputSize 416, on the same backend (wasm by default;
 * CNN_BACKEND to change), on face-api's demo photos sample1..6.jpg. Median of 10 runs per image after 2
 * warm-up runs, the two detectors interleaved. Prints a table, writes bench-results/face-bench.json.
 * Needs `pnpm build` (dist/) first; CNN_FACE_MODULE may point at another build of the face module.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage, ready } from '@cnn/ops';
import { FACE_API_DIR, createFaceApiTinyFaceDetector } from '../src/face/test-support/face-api-node.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const modulePath = process.env.CNN_FACE_MODULE ? pathToFileURL(resolve(process.env.CNN_FACE_MODULE)).href : '../dist/index.js';
const { createFaceDetector } = await import(modulePath);
if (typeof createFaceDetector !== 'function') throw new Error(`${modulePath} does not export createFaceDetector: build @cnn/yolo with its face module first.`);

const RUNS = Number(process.env.FACE_BENCH_RUNS ?? 10);
const WARMUP = 2;
const INPUT_SIZE = 416;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const info = await ready({ backend: process.env.CNN_BACKEND ?? 'wasm' });
const ours = await createFaceDetector();
const theirs = await createFaceApiTinyFaceDetector(tf);
const rows = [];
for (let s = 1; s <= 6; s++) {
  const file = join(FACE_API_DIR, `demo/sample${s}.jpg`);
  const image = await decodeImage(file);
  const runOurs = () => ours.detect(image, { inputSize: INPUT_SIZE });
  const runTheirs = () => theirs.detect(image, { inputSize: INPUT_SIZE });
  for (let i = 0; i < WARMUP; i++) {
    await runOurs();
    await runTheirs();
  }
  const t = { ours: [], theirs: [] };
  let facesOurs = 0;
  let facesTheirs = 0;
  for (let i = 0; i < RUNS; i++) {
    let t0 = performance.now();
    facesOurs = (await runOurs()).length;
    t.ours.push(performance.now() - t0);
    t0 = performance.now();
    facesTheirs = (await runTheirs()).length;
    t.theirs.push(performance.now() - t0);
  }
  rows.push({ image: `sample${s}.jpg`, width: image.shape[1], height: image.shape[0], oursMs: median(t.ours), faceApiMs: median(t.theirs), facesOurs, facesFaceApi: facesTheirs });
  image.dispose();
}
ours.dispose();
theirs.dispose();

const overall = { oursMs: median(rows.map((r) => r.oursMs)), faceApiMs: median(rows.map((r) => r.faceApiMs)) };
console.log(`tiny face detector, inputSize ${INPUT_SIZE}, backend ${info.backend}${info.simd === undefined ? '' : ` (simd ${info.simd}, threads ${info.threads})`}, median of ${RUNS} after ${WARMUP} warm-up`);
console.log('image         size        ours ms   face-api ms   ratio   faces (ours / face-api)');
for (const r of rows) {
  console.log(`${r.image.padEnd(13)} ${`${r.width}x${r.height}`.padEnd(11)} ${r.oursMs.toFixed(1).padStart(7)}   ${r.faceApiMs.toFixed(1).padStart(11)}   ${(r.oursMs / r.faceApiMs).toFixed(2).padStart(5)}   ${r.facesOurs} / ${r.facesFaceApi}`);
}
console.log(`${'median'.padEnd(25)} ${overall.oursMs.toFixed(1).padStart(7)}   ${overall.faceApiMs.toFixed(1).padStart(11)}   ${(overall.oursMs / overall.faceApiMs).toFixed(2).padStart(5)}`);

const outDir = join(here, '..', 'bench-results');
mkdirSync(outDir, { recursive: true });
const out = join(outDir, 'face-bench.json');
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, backend: info.backend, simd: info.simd, threads: info.threads, inputSize: INPUT_SIZE, runs: RUNS, warmup: WARMUP, rows, overall }, null, 2)}\n`,
);
console.log(`wrote ${out}`);
