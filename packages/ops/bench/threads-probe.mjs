#!/usr/bin/env node
/**
 * Stretch experiment: tfjs-backend-wasm with 2 threads in Node (tfjs disables threads in Node; see
 * node-wasm-threads.mjs). Times the VGG 3×3 forward and the two gradient kernels with 1 and 2 threads, each in a
 * fresh process:  node bench/threads-probe.mjs [threads]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const threads = Number(process.argv[2] ?? 0);
if (!threads) {
  for (const t of [1, 2]) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), String(t)], { encoding: 'utf8', timeout: 300_000 });
    process.stdout.write((r.stdout || '') + (r.status ? `exit ${r.status}: ${(r.stderr || '').split('\n').slice(0, 5).join('\n')}\n` : ''));
  }
  process.exit(0);
}
const tf = await import('@tensorflow/tfjs-core');
const { enableNodeWasmThreads } = await import('./node-wasm-threads.mjs');
const wasm = await import('@tensorflow/tfjs-backend-wasm');
let restore = () => {};
if (threads > 1) restore = enableNodeWasmThreads(threads)(wasm.setThreadsCount);
const { ready } = await import('../dist/index.js');
await ready({ backend: 'wasm' });
restore();
const x = tf.randomNormal([8, 56, 56, 64], 0, 1, 'float32', 1);
const f = tf.randomNormal([3, 3, 64, 64], 0, 1, 'float32', 2);
const dy = tf.randomNormal([8, 56, 56, 64], 0, 1, 'float32', 3);
const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC' };
const cases = {
  forward: () => tf.conv2d(x, f, 1, 'same'),
  backpropInput: () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: x.shape }),
  backpropFilter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: f.shape }),
};
const out = { threads: wasm.getThreadsCount(), checksums: {} };
for (const [name, fn] of Object.entries(cases)) {
  const y0 = fn();
  out.checksums[name] = +tf.sum(tf.abs(y0)).dataSync()[0].toPrecision(7); // same in every thread count
  y0.dispose();
  let best = Infinity;
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const y = fn();
    await y.data();
    y.dispose();
    if (i) best = Math.min(best, performance.now() - t0);
  }
  out[name] = +best.toFixed(1);
}
console.log(JSON.stringify(out));
process.exit(0);
