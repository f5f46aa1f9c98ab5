#!/usr/bin/env node
/**
 * @cnn/architectures benchmark: ResNet-50 and VGG-16 forward at 224×224, batch 1, random weights — tfjs wasm
 * vs onnxruntime-node 1.16.3 (CPU execution provider, 2 and 1 intra-op threads) running the same graph,
 * exported with exportOnnx. Median of 5 after one warm-up run each, the three runtimes interleaved round by
 * round (fair under load from other processes). Also checks that they give the same output (logits).
 * Prints a table, writes bench-results/ort-bench.json.
 *
 * Needs the built package: `npx tsup` with the `onnx/index` entry (dist/onnx/index.js), then
 * `node bench/ort-bench.mjs`. Optional: ORT_BENCH_MODELS=resnet50,vgg16  ORT_BENCH_ITERS=5.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@cnn/ops';
import { resnet50, vgg16 } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const ortVersion = require('onnxruntime-node/package.json').version;

async function loadExporter() {
  try {
    return (await import('../dist/onnx/index.js')).exportOnnx;
  } catch (onnxEntryError) {
    const main = await import('../dist/index.js');
    if (typeof main.exportOnnx === 'function') return main.exportOnnx;
    throw new Error(`exportOnnx not built: add the tsup entry 'onnx/index': 'src/onnx/index.ts' and run npx tsup (${onnxEntryError.message})`, { cause: onnxEntryError });
  }
}
const exportOnnx = await loadExporter();

const ITERS = Number(process.env.ORT_BENCH_ITERS ?? 5);
const wanted = (process.env.ORT_BENCH_MODELS ?? 'resnet50,vgg16').split(',');
const MODELS = [
  ['ResNet-50', 'resnet50', resnet50],
  ['VGG-16', 'vgg16', vgg16],
].filter(([, id]) => wanted.includes(id));

/**
 * Times the runners interleaved (one run of each per round, in rotating order) so that load from other
 * processes on a shared machine falls on all of them alike; one warm-up run each first.
 */
async function timeInterleaved(runners) {
  for (const r of runners) await r.run();
  const times = runners.map(() => []);
  for (let i = 0; i < ITERS; i++) {
    for (let k = 0; k < runners.length; k++) {
      const j = (i + k) % runners.length;
      const t0 = performance.now();
      await runners[j].run();
      times[j].push(performance.now() - t0);
    }
  }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    return { ms: t[Math.floor(t.length / 2)], min: t[0], max: t[t.length - 1] };
  });
}

function maxRelative(actual, expected) {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
  }
  return diff / scale;
}

const backend = await ready({ backend: 'wasm' });
const results = {
  date: new Date().toISOString(),
  node: process.version,
  tfjs: tf.version_core,
  tfjsBackend: backend.backend ?? tf.getBackend(),
  onnxruntimeNode: ortVersion,
  iterations: ITERS,
  loadAverageAtStart: loadavg(),
  note: 'Batch 1, 224×224×3, random weights, logits output; median of the timed runs after one warm-up, runtimes interleaved; same graph in both runtimes.',
  forward: [],
};
const row = (r) =>
  `${r.runtime.padEnd(22)} ${r.model.padEnd(10)} ${r.ms.toFixed(1).padStart(8)} ms ${r.imagesPerSecond.toFixed(2).padStart(8)} img/s   (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)})`;
console.log(`${'runtime'.padEnd(22)} ${'model'.padEnd(10)} ${'median'.padStart(11)} ${'speed'.padStart(14)}`);

for (const [name, , build] of MODELS) {
  // Logits (classifierActivation 'linear'): with random weights a softmax over 1000 classes is nearly uniform and
  // would hide differences; the softmax itself costs nothing measurable.
  const model = await build({ classifierActivation: 'linear' });
  const x = tf.randomUniform([1, 224, 224, 3], 0, 1, 'float32', 1);
  const input = await x.data();
  const feedName = model.inputs[0].sourceLayer.name;
  const t0 = performance.now();
  const bytes = exportOnnx(model, { batchSize: 1 });
  const exportMs = performance.now() - t0;

  const outputs = {};
  const runners = [
    {
      runtime: 'tfjs wasm',
      run: async () => {
        const y = model.predict(x);
        outputs['tfjs wasm'] = await y.data();
        y.dispose();
      },
    },
  ];
  const sessions = [];
  for (const threads of [2, 1]) {
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    sessions.push(session);
    const feeds = { [feedName]: new ort.Tensor('float32', Float32Array.from(input), [1, 224, 224, 3]) };
    const runtime = `onnxruntime-node ${threads}T`;
    runners.push({ runtime, threads, run: async () => (outputs[runtime] = (await session.run(feeds))[session.outputNames[0]].data) });
  }
  const timings = await timeInterleaved(runners);
  runners.forEach((runner, i) => {
    const t = timings[i];
    const r = { runtime: runner.runtime, model: name, batch: 1, size: 224, ...t, imagesPerSecond: 1000 / t.ms };
    if (runner.threads !== undefined) {
      Object.assign(r, { threads: runner.threads, onnxBytes: bytes.length, exportMs, maxRelativeErrorVsWasm: maxRelative(outputs[runner.runtime], outputs['tfjs wasm']) });
    }
    results.forward.push(r);
    console.log(`${row(r)}${r.maxRelativeErrorVsWasm === undefined ? '' : `  max rel vs wasm ${r.maxRelativeErrorVsWasm.toExponential(1)}`}`);
  });
  console.log(`  (${name}: exportOnnx ${exportMs.toFixed(0)} ms, ${(bytes.length / 2 ** 20).toFixed(1)} MiB)`);
  for (const s of sessions) await s.release?.();
  tf.dispose(x);
  model.dispose();
}
results.loadAverageAtEnd = loadavg();
mkdirSync(join(here, '..', 'bench-results'), { recursive: true });
writeFileSync(join(here, '..', 'bench-results', 'ort-bench.json'), JSON.stringify(results, null, 2));
console.log(`wrote bench-results/ort-bench.json (load average ${results.loadAverageAtEnd.map((l) => l.toFixed(1)).join(', ')} on ${(await import('node:os')).availableParallelism()} cores)`);
