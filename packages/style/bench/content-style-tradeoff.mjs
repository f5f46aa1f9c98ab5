#!/usr/bin/env node
/**
 * Where the two targets meet: with VGG-19 blocks 1-3 (content block3_conv2, style block1..3_conv1 × 1/3)
 * on tubingen + starry_night, how far can the content cost fall (as a share of J_content(C, S), the content cost
 * between the two pictures themselves) while the style cost falls a given factor? Each α/β gives one point;
 * run long (L-BFGS, many evaluations) the points trace the objective's own trade-off, which no optimizer
 * setting can cross. Prints every `every`-th step: content share, style fall, and each style layer's cost and fall.
 * Needs CNN_WEIGHTS_PATH / CNN_DATA_PATH (../shared). Appends to bench-results/content-style-tradeoff.json.
 * Usage: node bench/content-style-tradeoff.mjs [--size 128] [--steps 300] [--optimizer adam|lbfgs] [--noise 63.75]
 *        [--every 50] [--beta 40] [--pooling max|avg] alpha [alpha ...]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@cnn/ops';
import { contentCost, stylize, vggFeatures } from '../dist/index.js';
import { ACTIVATION_SCALE, BLOCKS_1_3, loadStylePair } from './recipe.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    size: { type: 'string', default: '128' },
    steps: { type: 'string', default: '300' },
    optimizer: { type: 'string', default: 'adam' },
    noise: { type: 'string' },
    every: { type: 'string', default: '50' },
    beta: { type: 'string', default: '40' },
    pooling: { type: 'string', default: 'max' },
  },
});
const size = Number(values.size);
const alphas = positionals.length > 0 ? positionals.map(Number) : [10, 100, 1000];
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench-results');
mkdirSync(out, { recursive: true });
const file = join(out, 'content-style-tradeoff.json');
const results = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { runs: [] };

const info = await ready({ backend: 'wasm' });
const features = await vggFeatures({ ...BLOCKS_1_3, pooling: values.pooling });
const { content, style } = await loadStylePair(size);
const reference = tf.tidy(() => contentCost(features.extract(content).content, features.extract(style).content).dataSync()[0] * ACTIVATION_SCALE ** 2);
const share = (c) => `${((100 * c) / reference).toFixed(1)}%`;

for (const alpha of alphas) {
  const options = { iterations: Number(values.steps), optimizer: values.optimizer, alpha, beta: Number(values.beta), ...(values.noise ? { noise: Number(values.noise) } : {}) };
  let first;
  const every = Number(values.every);
  const r = await stylize(content, style, features, {
    ...options,
    onStep: (_img, l) => {
      first ??= l;
      if (l.step === 1 || l.step % every === 0) {
        const layers = l.styleLayers.map((v, i) => `${v.toExponential(2)} (÷${(first.styleLayers[i] / v).toFixed(0)})`).join(', ');
        console.log(`α ${alpha} step ${l.step} (evaluations ${l.evaluations}): content ${share(l.content)}, style ÷${(first.style / l.style).toFixed(1)}; style layers ${layers}`);
      }
    },
  });
  const f = r.losses[0];
  const l = r.losses.at(-1);
  console.log(`α ${alpha}, β ${options.beta}, ${options.optimizer}, ${options.iterations} steps at ${size} px, ${values.pooling} pooling: content ${share(l.content)} of J_content(C, S), style ÷${(f.style / l.style).toFixed(1)}, ${r.seconds.toFixed(0)} s`);
  results.runs.push({ date: new Date().toISOString(), backend: info.backend, size, pooling: values.pooling, ...options, contentShare: l.content / reference, styleFall: f.style / l.style, initialContentShare: f.content / reference, seconds: r.seconds });
  writeFileSync(file, JSON.stringify(results, null, 1));
  r.image.dispose();
}
tf.dispose([content, style]);
features.dispose();
