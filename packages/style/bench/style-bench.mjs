#!/usr/bin/env node
/**
 * @cnn/style benchmark (wasm):
 *  1. the recipe: VGG-19 blocks 1-3 (content block3_conv2, style block1..3_conv1) on tubingen +
 *     starry_night at 256 px, 300 Adam steps from content + noise; then L-BFGS until it reaches Adam's final
 *     cost (evaluations counted); both cost curves are written out (JSON and bench-results/adam-vs-lbfgs.png);
 *  2. optimization iterations/s at 256 and 512 px and peak memory;
 *  3. tensor count across 1,000 iterations (64 px) — must not grow.
 * Needs CNN_WEIGHTS_PATH / CNN_DATA_PATH (../shared). Writes bench-results/style-bench.json.
 * Options: --quick (fewer steps, for a smoke run), --only recipe|speed|growth.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { ready, renderLinePlot, writeImage } from '@cnn/ops';
import { contentCost, stylize, vggFeatures } from '../dist/index.js';
import { ACTIVATION_SCALE, BLOCKS_1_3, loadStylePair } from './recipe.mjs';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'bench-results');
mkdirSync(out, { recursive: true });
// --only runs one part: the other parts' last results stay in the file.
const file = join(out, 'style-bench.json');
const previous = values.only && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
const results = { ...previous, backend: 'wasm', date: new Date().toISOString() };
const save = () => writeFileSync(file, JSON.stringify(results, null, 1));
const wants = (part) => !values.only || values.only === part;

await ready({ backend: 'wasm' });
const features = await vggFeatures(BLOCKS_1_3);
let peakRss = 0;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

if (wants('recipe')) {
  const size = values.quick ? 96 : 256;
  const steps = values.quick ? 40 : 300;
  const { content, style } = await loadStylePair(size);
  const reference = tf.tidy(() => contentCost(features.extract(content).content, features.extract(style).content).dataSync()[0] * ACTIVATION_SCALE ** 2);
  const log = (what) => (_img, l) => {
    sampleRss();
    if (l.step % 25 === 0) console.log(`  ${what} step ${l.step} (evaluations ${l.evaluations}): total ${l.total.toExponential(3)} content ${l.content.toExponential(3)} style ${l.style.toExponential(3)}`);
  };
  console.log(`recipe: ${size} px, ${steps} Adam steps from content + noise`);
  const adam = await stylize(content, style, features, { iterations: steps, onStep: log('adam') });
  const a0 = adam.losses[0];
  const aN = adam.losses.at(-1);
  console.log(`adam: style ÷${(a0.style / aN.style).toFixed(1)}, content ${((100 * aN.content) / reference).toFixed(1)}% of J_content(C, S), ${adam.seconds.toFixed(0)} s`);
  adam.image.dispose();
  console.log(`L-BFGS until it reaches Adam's final cost ${aN.total.toExponential(4)} (at most ${steps} evaluations)`);
  let reachedAt;
  const lb = await stylize(content, style, features, {
    optimizer: 'lbfgs',
    iterations: steps,
    onStep: (img, l) => {
      log('lbfgs')(img, l);
      if (reachedAt === undefined && l.total <= aN.total) reachedAt = l.evaluations;
    },
  });
  const lN = lb.losses.at(-1);
  console.log(`lbfgs: reached Adam's final cost after ${reachedAt ?? 'never (within the budget)'} evaluations; final total ${lN.total.toExponential(4)}, style ÷${(a0.style / lN.style).toFixed(1)}, content ${((100 * lN.content) / reference).toFixed(1)}%, ${lb.seconds.toFixed(0)} s`);
  lb.image.dispose();
  results.recipe = {
    size,
    steps,
    referenceContentCost: reference,
    adam: { seconds: adam.seconds, styleFall: a0.style / aN.style, contentOverReference: aN.content / reference, curve: adam.losses.map((l) => [l.evaluations, l.total, l.content, l.style]) },
    lbfgs: { seconds: lb.seconds, evaluationsToAdamFinal: reachedAt ?? null, evaluations: lb.evaluations, styleFall: a0.style / lN.style, contentOverReference: lN.content / reference, curve: lb.losses.map((l) => [l.evaluations, l.total, l.content, l.style]) },
  };
  // Both curves in one picture: total cost against cost evaluations (log scale).
  const plot = renderLinePlot(
    [
      { x: adam.losses.map((l) => l.evaluations), y: adam.losses.map((l) => l.total), label: 'Adam', color: [31, 119, 180] },
      { x: lb.losses.map((l) => l.evaluations), y: lb.losses.map((l) => l.total), label: 'L-BFGS', color: [230, 110, 0] },
    ],
    { title: `total cost J(G), ${size} px: Adam vs L-BFGS (log scale)`, xLabel: 'cost evaluations', yScale: 'log' },
  );
  const plotTensor = tf.tensor3d(plot.pixels, [plot.height, plot.width, 3], 'int32');
  await writeImage(join(out, 'adam-vs-lbfgs.png'), plotTensor);
  plotTensor.dispose();
  tf.dispose([content, style]);
  save();
}

if (wants('speed')) {
  results.speed = [];
  for (const size of values.quick ? [128] : [256, 512]) {
    const { content, style } = await loadStylePair(size);
    const n = values.quick ? 5 : 10;
    const r = await stylize(content, style, features, { iterations: n + 2, onStep: sampleRss });
    // steps after the first two (warm-up) from the per-step timestamps are not recorded; time the whole run
    const t0 = performance.now();
    const r2 = await stylize(content, style, features, { iterations: n, onStep: sampleRss });
    const perSecond = n / ((performance.now() - t0) / 1000);
    console.log(`speed ${size} px: ${perSecond.toFixed(2)} Adam iterations/s (incl. the one-off target features); peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB, tfjs bytes ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MiB`);
    results.speed.push({ size, iterationsPerSecond: perSecond, peakRssMiB: peakRss / 2 ** 20 });
    tf.dispose([content, style, r.image, r2.image]);
    save();
  }
}

if (wants('growth')) {
  const { content, style } = await loadStylePair(64);
  const iterations = values.quick ? 100 : 1000;
  const counts = [];
  const r = await stylize(content, style, features, { iterations, reportEvery: 100, onStep: () => counts.push(tf.memory().numTensors) });
  const growth = counts.at(-1) - counts[0];
  console.log(`growth: tensors at every 100th of ${iterations} iterations: ${counts.join(', ')} (growth ${growth})`);
  results.growth = { iterations, counts, growth };
  tf.dispose([content, style, r.image]);
  save();
}
results.peakRssMiB = Math.max(peakRss / 2 ** 20, values.only ? (previous.peakRssMiB ?? 0) : 0);
save();
features.dispose();
console.log(`wrote ${join(out, 'style-bench.json')}`);
