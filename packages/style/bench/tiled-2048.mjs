#!/usr/bin/env node
/**
 * The large-image check: a 2048 px (long side) render in tiles completes within this machine's
 * memory. Content tubingen.jpg upscaled to 2048×1536, style starry_night.jpg; VGG-19 weights from
 * `vgg19-imagenet-block1-3` (CNN_WEIGHTS_PATH), content block2_conv2, style block1_conv1 + block2_conv1 (kept
 * shallow so the run takes minutes on 2 cores); tiles of 512 px with 64 px overlap after a 256 px coarse pass.
 * Reports wall time, peak RSS and tfjs memory. Writes bench-results/tiled-2048.json and the picture.
 * Usage: node bench/tiled-2048.mjs [tileIterations=5] [coarseIterations=40]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { clearInterval, setInterval } from 'node:timers';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage, ready, resizeImage, resolveData, writeImage } from '@cnn/ops';
import { stylizeTiled, vggFeatures } from '../dist/index.js';

const tileIterations = Number(process.argv[2] ?? 5);
const coarseIterations = Number(process.argv[3] ?? 40);
await ready({ backend: 'wasm' });
const dir = await resolveData('style-images', { offline: true });
const contentImg = await decodeImage(join(dir, 'tubingen.jpg'));
const content = tf.tidy(() => tf.cast(resizeImage(contentImg, [1536, 2048]), 'float32'));
const styleImg = await decodeImage(join(dir, 'starry_night.jpg'));
const style = tf.tidy(() => tf.cast(resizeImage(styleImg, [320, 512]), 'float32'));
tf.dispose([contentImg, styleImg]);
const features = await vggFeatures({ weights: 'vgg19-imagenet-block1-3', contentLayer: 'block2_conv2', styleLayers: [['block1_conv1', 0.5], ['block2_conv1', 0.5]] });
let peakRss = 0;
let peakTfBytes = 0;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  peakTfBytes = Math.max(peakTfBytes, tf.memory().numBytes);
};
const timer = setInterval(sample, 200);
const t0 = performance.now();
const r = await stylizeTiled(content, style, features, {
  tileSize: 512,
  overlap: 64,
  coarseSize: 256,
  coarseIterations,
  iterations: tileIterations,
  onTile: ({ tile, tiles, seconds }) => {
    sample();
    console.log(tile === 0 ? `coarse pass done (${seconds.toFixed(0)} s)` : `tile ${tile}/${tiles} (${seconds.toFixed(0)} s, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB)`);
  },
});
clearInterval(timer);
sample();
const seconds = (performance.now() - t0) / 1000;
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'bench-results');
mkdirSync(out, { recursive: true });
await writeImage(join(out, 'tiled-2048.jpg'), tf.tidy(() => tf.cast(tf.round(r.image), 'int32')));
const result = { size: [2048, 1536], tiles: r.tiles, tileSize: 512, overlap: 64, tileIterations, coarseIterations, seconds, peakRssMiB: peakRss / 2 ** 20, peakTfjsMiB: peakTfBytes / 2 ** 20, machineMemoryGiB: (await import('node:os')).totalmem() / 2 ** 30 };
writeFileSync(join(out, 'tiled-2048.json'), JSON.stringify(result, null, 1));
console.log(`2048x1536 in ${r.tiles} tiles: ${seconds.toFixed(0)} s, peak RSS ${result.peakRssMiB.toFixed(0)} MiB, peak tfjs memory ${result.peakTfjsMiB.toFixed(0)} MiB (machine: ${result.machineMemoryGiB.toFixed(0)} GiB)`);
tf.dispose([content, style, r.image]);
features.dispose();
