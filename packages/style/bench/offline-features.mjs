#!/usr/bin/env node
/**
 * Which download-free feature extractor should be the offline default? Same budget for each (Adam steps at
 * one size, tubingen + starry night), then both results are judged with the real ImageNet VGG-19 (blocks 1-3:
 * style block1..3_conv1, content block3_conv2): lower style and content costs under the judge win.
 * Candidates: VGG-19 with random (He) weights (He et al. 2016) and one layer of random multi-scale filters
 * (Ustyuzhaninov et al. 2016). Writes bench-results/offline-features.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@cnn/ops';
import { contentCost, randomMultiScaleFeatures, styleLayerCost, stylize, vggFeatures } from '../dist/index.js';
import { ACTIVATION_SCALE, BLOCKS_1_3, loadStylePair } from './recipe.mjs';

const size = Number(process.argv[2] ?? 96);
const steps = Number(process.argv[3] ?? 150);
await ready({ backend: 'wasm' });
const { content, style } = await loadStylePair(size);
const judge = await vggFeatures(BLOCKS_1_3);
const s = ACTIVATION_SCALE;
const judged = (img) =>
  tf.tidy(() => {
    const g = judge.extract(img);
    const c = judge.extract(content);
    const st = judge.extract(style);
    const jc = contentCost(tf.mul(c.content, s), tf.mul(g.content, s)).dataSync()[0];
    const js = st.styles.reduce((sum, a, l) => sum + styleLayerCost(tf.mul(a, s), tf.mul(g.styles[l], s)).dataSync()[0] / 3, 0);
    return { content: jc, style: js };
  });
const candidates = {
  'random VGG-19 (He et al. 2016)': () => vggFeatures({ ...BLOCKS_1_3, weights: 'random' }),
  'random multi-scale filters (Ustyuzhaninov et al. 2016)': async () => randomMultiScaleFeatures(),
};
const start = judged(tf.tidy(() => tf.clipByValue(tf.add(content, tf.randomUniform(content.shape, -64, 64, 'float32', 1)), 0, 255)));
console.log(`judge (ImageNet VGG-19 blocks 1-3) at the start (content + noise): style ${start.style.toExponential(3)}, content ${start.content.toExponential(3)}`);
const results = { size, steps, start, candidates: {} };
for (const [name, make] of Object.entries(candidates)) {
  const f = await make();
  const t0 = performance.now();
  const r = await stylize(content, style, f, { iterations: steps });
  const j = judged(r.image);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${name}: judge style ${j.style.toExponential(3)} (÷${(start.style / j.style).toFixed(1)}), content ${j.content.toExponential(3)}, ${seconds.toFixed(0)} s`);
  results.candidates[name] = { ...j, styleFall: start.style / j.style, seconds };
  r.image.dispose();
  f.dispose();
}
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench-results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'offline-features.json'), JSON.stringify(results, null, 1));
