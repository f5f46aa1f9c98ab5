#!/usr/bin/env node
/**
 * `pnpm bench` for @cnn/transfer (issue 6): two measurements, written to bench-results/transfer-bench.json.
 *
 * 1. Feature cache: head-training epoch time on pictures (the frozen backbone runs every step) vs on cached
 *    backbone features (cacheFeatures once, then trainHeadOnFeatures), same head, same data. Backbone: the
 *    darknet-tiny ImageNet classifier cut at leaky_re_lu_12 when CNN_WEIGHTS_PATH has it, else a random-weight
 *    MobileNet (alpha 0.5; time does not depend on the weights). Data: the sign-language digits when
 *    CNN_DATA_PATH has them, else a generated folder.
 * 2. Bounded memory: trains a head (no cache: every picture decoded each step) from a generated image folder
 *    whose decoded pictures total 10x a memory cap (default 1 GiB), sampling the process's resident memory;
 *    fails (exit 1) when the peak passes the cap.
 *
 * Usage: node bench/transfer-bench.mjs [--cap-mib 1024] [--skip-cache] [--skip-memory] [--keep]
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setInterval } from 'node:timers';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, ready, resolveData, resolveWeights, writeImage } from '@cnn/ops';
import { cacheFeatures, createBatches, createClassifier, loadBackbone, readImageFolder, splitStratified, trainClassifier, trainHeadOnFeatures } from '../dist/index.js';

const { values: args } = parseArgs({
  options: {
    'cap-mib': { type: 'string', default: '1024' },
    'skip-cache': { type: 'boolean', default: false },
    'skip-memory': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    // internal: the child process that trains from a generated folder (so its memory is measured alone)
    'train-from': { type: 'string' },
  },
});
const MiB = 1024 * 1024;
const info = await ready({ backend: 'wasm' });
console.log(`backend: ${describeBackend(info)}`);
const results = { backend: info.backend, threads: info.threads ?? null, date: new Date().toISOString() };
const clock = () => performance.now() / 1000;
const fmt = (s) => `${s.toFixed(1)} s`;

// Resident memory sampler (the whole process: JS heap, wasm heap, decoder buffers).
let peakRss = 0;
let peakTfBytes = 0;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  peakTfBytes = Math.max(peakTfBytes, tf.memory().numBytes);
};
const sampler = setInterval(sample, 20);
sampler.unref();

/** A picture with soft shapes, seeded: [h, w, 3] int32 0-255 (JPEG-friendly, not noise). */
function picture(h, w, seed, cls) {
  return tf.tidy(() => {
    const ys = tf.linspace(0, 1, h).reshape([h, 1, 1]);
    const xs = tf.linspace(0, 1, w).reshape([1, w, 1]);
    const phase = tf.tensor1d([seed * 0.7, seed * 1.3 + 1, seed * 0.3 + 2]).reshape([1, 1, 3]);
    const f = 3 + cls * 4;
    const v = tf.sin(xs.mul(f).add(phase)).mul(tf.cos(ys.mul(f + 1).sub(phase))).mul(100).add(128);
    return v.clipByValue(0, 255).round().toInt();
  });
}

async function writeGeneratedFolder(root, classes, perClass, [h, w], distinct) {
  // `distinct` pictures per class, copied to fill the class: decoding (what this measures) is per file.
  for (let c = 0; c < classes; c++) {
    const dir = join(root, `class_${c}`);
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const path = join(dir, `${String(i).padStart(4, '0')}.jpg`);
      if (i < distinct) {
        const t = picture(h, w, c * 100 + i, c);
        await writeImage(path, t, { quality: 90 });
        t.dispose();
      } else {
        await copyFile(join(dir, `${String(i % distinct).padStart(4, '0')}.jpg`), path);
      }
    }
  }
  return root;
}


// The child: train one epoch from the folder, print the measurements as the last line of stdout.
if (args['train-from']) {
  const folder = await readImageFolder(args['train-from']);
  const backbone = await loadBackbone({ architecture: 'mobilenet', alpha: 0.25, weights: null }, { pooling: 'avg', inputShape: [96, 96, 3] });
  const classifier = createClassifier({ backbone, labels: folder.classNames, seed: 1 });
  peakRss = 0;
  peakTfBytes = 0;
  const startRss = process.memoryUsage().rss;
  const t0 = clock();
  let lastLine = clock();
  const history = await trainClassifier(classifier, {
    train: createBatches(folder.items, { batchSize: 8, imageSize: [96, 96], shuffle: true, seed: 1, prefetch: 1 }),
    epochs: 1,
    progress: false,
    callbacks: {
      onBatchEnd: (b) => {
        sample();
        if (clock() - lastLine > 30) {
          lastLine = clock();
          console.error(`  step ${b + 1}: ${(b + 1) * 8} pictures decoded, resident ${(process.memoryUsage().rss / MiB).toFixed(0)} MiB (peak ${(peakRss / MiB).toFixed(0)} MiB)`);
        }
      },
    },
  });
  const seconds = clock() - t0;
  sample();
  classifier.dispose();
  console.log(JSON.stringify({ images: history.images, seconds, startRssMiB: startRss / MiB, peakRssMiB: peakRss / MiB, peakTfMiB: peakTfBytes / MiB }));
  process.exit(0);
}
// ---------------------------------------------------------------------------------------------------------
if (!args['skip-cache']) {
  console.log('\n1. Feature cache: head-training epoch time, pictures vs cached features');
  // darknet-tiny as ml5 saved it takes 224x224 only; the fallback MobileNet is built for 160x160.
  const darknet = await resolveWeights('darknet-tiny-imagenet', { offline: true }).then(() => true, (err) => {
    if (err?.code !== 'WEIGHTS_NOT_FOUND') throw err;
    return false;
  });
  const size = darknet ? 224 : 160;
  const source = darknet ? 'darknet-tiny-imagenet cut at leaky_re_lu_12' : 'mobilenet alpha 0.5 (random weights: CNN_WEIGHTS_PATH has no darknet-tiny-imagenet)';
  const loadBB = () => darknet
    ? loadBackbone('darknet-tiny-imagenet', { cutLayer: 'leaky_re_lu_12', pooling: 'avg', inputShape: [size, size, 3] })
    : loadBackbone({ architecture: 'mobilenet', alpha: 0.5, weights: null }, { pooling: 'avg', inputShape: [size, size, 3] });
  let items;
  let labels;
  let dataName;
  let tmp;
  try {
    const root = await resolveData('sign-language-digits', { offline: true });
    const folder = await readImageFolder(root);
    items = splitStratified(folder.items, { train: 0.7, val: 0.15, test: 0.15, seed: 0 }).train;
    labels = folder.classNames;
    dataName = 'sign-language-digits (train split)';
  } catch (err) {
    if (err?.code !== 'WEIGHTS_NOT_FOUND') throw err;
    tmp = await mkdtemp(join(tmpdir(), 'cnn-transfer-bench-'));
    const folder = await readImageFolder(await writeGeneratedFolder(tmp, 4, 150, [100, 100], 150));
    items = folder.items;
    labels = folder.classNames;
    dataName = 'generated folder (4 classes x 150 pictures 100x100; CNN_DATA_PATH has no sign-language-digits)';
  }
  console.log(`  backbone: ${source}, ${size}x${size}; data: ${dataName}, ${items.length} pictures`);
  const batches = (shuffle) => createBatches(items, { batchSize: 32, imageSize: [size, size], shuffle, seed: 1, numClasses: labels.length });

  // a) On pictures: 2 epochs, each runs the frozen backbone on every batch.
  const onPictures = createClassifier({ backbone: await loadBB(), labels, seed: 1 });
  const hp = await trainClassifier(onPictures, { train: batches(true), epochs: 2, progress: false });
  const pictureEpochs = hp.epochs.map((e) => e.seconds);
  const pictureEpoch = Math.min(...pictureEpochs);
  console.log(`  on pictures: epochs ${pictureEpochs.map(fmt).join(', ')}`);
  onPictures.dispose();

  // b) Cache once, then train the head on the features.
  const onFeatures = createClassifier({ backbone: await loadBB(), labels, seed: 1 });
  let t0 = clock();
  const cache = await cacheFeatures(onFeatures, batches(false));
  const cacheSeconds = clock() - t0;
  const hf = await trainHeadOnFeatures(onFeatures, { train: cache, epochs: 20, progress: false });
  const featureEpochs = hf.epochs.map((e) => e.seconds);
  const featureEpoch = featureEpochs.reduce((a, b) => a + b, 0) / featureEpochs.length;
  cache.dispose();
  onFeatures.dispose();
  const speedup = pictureEpoch / featureEpoch;
  const breakEven = cacheSeconds / Math.max(pictureEpoch - featureEpoch, 1e-9);
  console.log(`  cached features: caching ${fmt(cacheSeconds)} once, then ${(featureEpoch * 1000).toFixed(0)} ms per epoch (mean of 20)`);
  console.log(`  speed-up per epoch: ${speedup.toFixed(0)}x; the cache pays for itself after ${breakEven.toFixed(1)} epochs`);
  results.featureCache = { backbone: source, data: dataName, pictures: items.length, size, pictureEpochSeconds: pictureEpochs, cacheSeconds, featureEpochSeconds: featureEpoch, speedupPerEpoch: speedup, breakEvenEpochs: breakEven };
  if (tmp && !args.keep) await rm(tmp, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------
let failed = false;
if (!args['skip-memory']) {
  const cap = Number(args['cap-mib']) * MiB;
  const [h, w] = [2048, 2048];
  const perPicture = h * w * 3; // decoded RGB bytes (uint8); tfjs holds them as int32 (4x) while resizing
  const classes = 2;
  const perClass = Math.ceil((10 * cap) / perPicture / classes);
  console.log(`\n2. Bounded memory: cap ${args['cap-mib']} MiB; generated folder ${classes} x ${perClass} JPEGs of ${w}x${h}`);
  const tmp = await mkdtemp(join(tmpdir(), 'cnn-transfer-membench-'));
  try {
    let t0 = clock();
    await writeGeneratedFolder(tmp, classes, perClass, [h, w], 6);
    const folder = await readImageFolder(tmp);
    let fileBytes = 0;
    for (const it of folder.items) fileBytes += (await stat(it.path)).size;
    const decodedBytes = folder.items.length * perPicture;
    console.log(`  ${folder.items.length} files, ${(fileBytes / MiB).toFixed(0)} MiB on disk, ${(decodedBytes / 2 ** 30).toFixed(2)} GiB decoded (RGB uint8) = ${(decodedBytes / cap).toFixed(1)}x the cap; written in ${fmt(clock() - t0)}`);
    // Train in a child process so that its resident memory is the training's alone (generating the
    // pictures above grew this process's wasm heap, which never shrinks).
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--train-from', tmp], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * MiB });
    const m = JSON.parse(out.trim().split('\n').pop());
    const ok = m.peakRssMiB * MiB < cap;
    failed = !ok;
    const seconds = m.seconds;
    console.log(`  trained 1 epoch over ${m.images} pictures in ${fmt(seconds)} (${(m.images / seconds).toFixed(1)} pictures/s incl. decoding)`);
    console.log(`  peak resident memory ${m.peakRssMiB.toFixed(0)} MiB (${ok ? 'under' : 'OVER'} the ${args['cap-mib']} MiB cap; ${m.startRssMiB.toFixed(0)} MiB before training); peak tfjs tensor bytes ${m.peakTfMiB.toFixed(0)} MiB`);
    const startRss = m.startRssMiB * MiB;
    peakRss = m.peakRssMiB * MiB;
    peakTfBytes = m.peakTfMiB * MiB;
    results.boundedMemory = { capMiB: Number(args['cap-mib']), pictures: folder.items.length, pictureSize: [h, w], fileMiB: fileBytes / MiB, decodedGiB: decodedBytes / 2 ** 30, decodedOverCap: decodedBytes / cap, seconds, startRssMiB: startRss / MiB, peakRssMiB: peakRss / MiB, peakTfMiB: peakTfBytes / MiB, underCap: ok };
  } finally {
    if (!args.keep) await rm(tmp, { recursive: true, force: true });
  }
}

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench-results');
mkdirSync(out, { recursive: true });
// A run with --skip-cache or --skip-memory keeps the other part's last measurement.
const file = join(out, 'transfer-bench.json');
const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
writeFileSync(file, JSON.stringify({ ...previous, ...results }, null, 1));
console.log(`\nwrote ${join(out, 'transfer-bench.json')}`);
process.exit(failed ? 1 : 0);
