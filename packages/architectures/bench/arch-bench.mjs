#!/usr/bin/env node
/**
 * @cnn/architectures benchmark: forward images/s of ResNet-50 and VGG-16 at 224×224, batch 1, on wasm, and
 * a ResNet-18 training step (Adam) on wasm vs tfjs-cpu. Prints a table, writes bench-results/arch-bench.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@cnn/ops';
import { resnet18, resnet50, vgg16 } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const results = { forward: [], training: [] };

async function median(fn, iters) {
  const times = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

await ready({ backend: 'wasm' });
for (const [name, build] of [['ResNet-50', resnet50], ['VGG-16', vgg16]]) {
  const model = await build();
  const x = tf.randomUniform([1, 224, 224, 3], 0, 1, 'float32', 1);
  const run = async () => {
    const y = model.predict(x);
    await y.data();
    y.dispose();
  };
  await run();
  const ms = await median(run, 5);
  results.forward.push({ backend: 'wasm', model: name, batch: 1, size: 224, ms, imagesPerSecond: 1000 / ms });
  console.log(`wasm  ${name.padEnd(10)} forward 224x224 b1: ${ms.toFixed(1)} ms = ${(1000 / ms).toFixed(2)} img/s`);
  x.dispose();
  model.dispose();
}

const SIZE = 64;
const BATCH = 8;
for (const backend of ['wasm', 'cpu']) {
  await ready({ backend });
  const model = await resnet18({ inputShape: [SIZE, SIZE, 3], classes: 10 });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomUniform([BATCH, SIZE, SIZE, 3], 0, 1, 'float32', 2);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 10), 'int32'), 10));
  const step = () => model.trainOnBatch(x, y);
  await step();
  const ms = await median(step, backend === 'cpu' ? 1 : 5);
  results.training.push({ backend, model: 'ResNet-18', batch: BATCH, size: SIZE, ms, imagesPerSecond: (1000 * BATCH) / ms });
  console.log(`${backend.padEnd(5)} ResNet-18 training step ${SIZE}x${SIZE} b${BATCH}: ${ms.toFixed(0)} ms = ${((1000 * BATCH) / ms).toFixed(2)} img/s`);
  tf.dispose([x, y]);
  model.dispose();
}
const [w, c] = results.training;
results.trainingSpeedup = c.ms / w.ms;
console.log(`ResNet-18 training: wasm is ${results.trainingSpeedup.toFixed(0)}x faster than tfjs-cpu`);
mkdirSync(join(here, '..', 'bench-results'), { recursive: true });
writeFileSync(join(here, '..', 'bench-results', 'arch-bench.json'), JSON.stringify(results, null, 2));
