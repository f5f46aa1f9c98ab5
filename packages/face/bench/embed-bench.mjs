#!/usr/bin/env node
/**
 * Face descriptor throughput: our FaceRecognitionNet (@cnn/face FaceEmbedder, tfjs-layers, scale folded into
 * the convs) at batch 1, 8 and 32 vs @vladmandic/face-api's own `computeFaceDescriptor` at batch 1, on the same
 * backend (wasm by default; CNN_BACKEND to change) and the same face crops: the faces our @cnn/yolo detector
 * finds in face-api's demo photos sample1..6.jpg, cycled to 32 crops (each a different size, so every pass
 * includes the centred padding and the resize to 150). faces/s = faces / wall time of `embed` (descriptors
 * read back to JS), and faces per CPU second of this process (robust when other processes share the cores);
 * the median of REPEATS rounds, the variants interleaved per round. Also checks that both
 * nets agree (with face-api's divisor 255). Prints a table, writes bench-results/embed-bench.json.
 *
 *   npx tsup && node bench/embed-bench.mjs          (EMBED_BENCH_REPEATS, EMBED_BENCH_FACES to change)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage, ready } from '@cnn/ops';
import { createFaceDetector } from '@cnn/yolo';
import { FACE_API_DIR, loadFaceApiModule } from '../../yolo/src/face/test-support/face-api-node.mjs';
import { createFaceEmbedder, cropFaces } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const started = performance.now();
const REPEATS = Number(process.env.EMBED_BENCH_REPEATS ?? 3);
const FACES = Number(process.env.EMBED_BENCH_FACES ?? 64); // faces per variant per round
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const euclidean = (a, b) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));

const info = await ready({ backend: process.env.CNN_BACKEND ?? 'wasm' });
const load = loadavg()[0];

// Face crops: detected faces of face-api's demo photos.
const detector = await createFaceDetector();
const pool = [];
for (let s = 1; s <= 6; s++) {
  const image = await decodeImage(join(FACE_API_DIR, `demo/sample${s}.jpg`));
  const faces = await detector.detect(image);
  pool.push(...cropFaces(image, faces));
  image.dispose();
}
detector.dispose();
if (pool.length === 0) throw new Error('no faces found in the demo photos');
const crops = Array.from({ length: 32 }, (_, i) => pool[i % pool.length]);
const sizes = crops.map((c) => `${c.shape[1]}x${c.shape[0]}`);

const ours = await createFaceEmbedder();
const faceapi = loadFaceApiModule(tf);
const theirs = new faceapi.FaceRecognitionNet();
await theirs.loadFromDisk(join(FACE_API_DIR, 'model'));

// Agreement on these crops (same preprocessing as the fork: divisor 255).
const oursSame = await ours.embed(crops.slice(0, 8), { divisor: 255 });
let maxDistance = 0;
for (let i = 0; i < 8; i++) maxDistance = Math.max(maxDistance, euclidean(oursSame[i], await theirs.computeFaceDescriptor(crops[i])));

/**
 * One round: FACES faces through `run(chunk)` in chunks of `batch`; faces per wall-clock second and per
 * CPU second of this process (wasm runs on one thread here, so CPU time is the compute time even when other
 * processes share the cores).
 */
async function round(batch, run) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let done = 0; done < FACES; done += batch) {
    const chunk = Array.from({ length: Math.min(batch, FACES - done) }, (_, i) => crops[(done + i) % crops.length]);
    await run(chunk);
  }
  const cpu = process.cpuUsage(c0);
  return { wall: FACES / ((performance.now() - t0) / 1000), cpu: FACES / ((cpu.user + cpu.system) / 1e6) };
}

const variants = [
  { name: '@cnn/face FaceEmbedder.embed', batch: 1, run: (chunk) => ours.embed(chunk[0]) },
  { name: '@cnn/face FaceEmbedder.embed', batch: 8, run: (chunk) => ours.embed(chunk, { batchSize: 8 }) },
  { name: '@cnn/face FaceEmbedder.embed', batch: 32, run: (chunk) => ours.embed(chunk, { batchSize: 32 }) },
  { name: '@vladmandic/face-api computeFaceDescriptor', batch: 1, run: (chunk) => theirs.computeFaceDescriptor(chunk[0]) },
];
for (const v of variants) await round(v.batch, v.run); // warm-up (kernels, XNNPACK operator caches)
const tensorsBefore = tf.memory().numTensors;
const samples = variants.map(() => []);
for (let r = 0; r < REPEATS; r++) for (const [i, v] of variants.entries()) samples[i].push(await round(v.batch, v.run));
const leaked = tf.memory().numTensors - tensorsBefore;

const wall = samples.map((s) => s.map((x) => x.wall));
const cpu = samples.map((s) => s.map((x) => x.cpu));
const faceApiBatch1 = { wall: median(wall[3]), cpu: median(cpu[3]) };
const rows = variants.map((v, i) => ({
  net: v.name,
  batch: v.batch,
  facesPerSecond: Number(median(wall[i]).toFixed(2)),
  msPerFace: Number((1000 / median(wall[i])).toFixed(2)),
  min: Number(Math.min(...wall[i]).toFixed(2)),
  max: Number(Math.max(...wall[i]).toFixed(2)),
  facesPerCpuSecond: Number(median(cpu[i]).toFixed(2)),
  vsFaceApiBatch1: Number((median(wall[i]) / faceApiBatch1.wall).toFixed(3)),
  vsFaceApiBatch1Cpu: Number((median(cpu[i]) / faceApiBatch1.cpu).toFixed(3)),
}));

console.log(`face descriptor throughput, backend ${info.backend}${info.simd === undefined ? '' : ` (simd ${info.simd}, threads ${info.threads})`}, ${cpus().length} CPUs, load ${load.toFixed(2)} at start`);
console.log(`${crops.length} crops from face-api's demo photos (${[...new Set(sizes)].length} sizes, ${sizes.slice(0, 4).join(', ')}, ...), ${FACES} faces per round, median of ${REPEATS} rounds`);
console.log('');
console.log('net                                          batch   faces/s   ms/face   min-max faces/s   vs face-api b1   faces/CPU-s   vs face-api b1');
for (const r of rows) {
  console.log(
    `${r.net.padEnd(44)} ${String(r.batch).padStart(5)} ${r.facesPerSecond.toFixed(1).padStart(9)} ${r.msPerFace.toFixed(1).padStart(9)}   ${`${r.min.toFixed(1)}-${r.max.toFixed(1)}`.padStart(15)}   ` +
      `${r.vsFaceApiBatch1.toFixed(2).padStart(13)}x   ${r.facesPerCpuSecond.toFixed(1).padStart(11)}   ${r.vsFaceApiBatch1Cpu.toFixed(2).padStart(13)}x`,
  );
}
console.log('');
console.log(`agreement: max descriptor distance ours (divisor 255) vs face-api on 8 crops ${maxDistance.toExponential(2)}; tensors left after the timed rounds: ${leaked}`);

const result = {
  date: new Date().toISOString(),
  node: process.version,
  backend: info.backend,
  simd: info.simd,
  threads: info.threads,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageAtStart: load },
  statistic: 'median over rounds of faces per wall-clock second (facesPerSecond) and per CPU second of the process (facesPerCpuSecond)',
  repeats: REPEATS,
  facesPerRound: FACES,
  crops: { count: crops.length, distinctFaces: pool.length, sizes },
  rows,
  agreement: { maxDistanceDivisor255: maxDistance },
  leakedTensors: leaked,
  seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
};
mkdirSync(join(here, '../bench-results'), { recursive: true });
writeFileSync(join(here, '../bench-results/embed-bench.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote bench-results/embed-bench.json (${result.seconds} s)`);

ours.dispose();
theirs.dispose();
tf.dispose(pool);
