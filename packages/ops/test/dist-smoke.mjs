#!/usr/bin/env node
// The built package in plain Node ESM (no bundler, no vite): gradients registered, wasm chosen with the
// training kernels, tf.grad through a conv net works. Prints one line per check and "N passed, N failed".
import * as tf from '@tensorflow/tfjs-core';
import { conv2d, maxPool, ready, WASM_TRAINING_KERNELS } from '../dist/index.js';

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? '✓' : '✗'} dist: ${name}${detail ? ` (${detail})` : ''}`);
}

const info = await ready();
check('ready() picks wasm when tfjs-node is absent', info.backend === 'wasm', info.backend);
check('wasm training kernels registered', WASM_TRAINING_KERNELS.every((k) => tf.getKernel(k, 'wasm') != null));
check('tfjs-core gradients registered in Node ESM', ['Conv2D', 'MaxPool', 'Relu', 'FusedBatchNorm', 'Softmax'].every((k) => tf.getGradient(k) != null));
const before = tf.memory().numTensors;
const g = tf.tidy(() => {
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
  const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2);
  return tf.grad((f) => maxPool(tf.relu(conv2d(x, f, { padding: 'same' })), 2).sum())(w);
});
check('tf.grad through conv2d + relu + maxPool on wasm', g.shape.join() === '3,3,3,4' && g.dataSync().every(Number.isFinite));
g.dispose();
check('no tensors leaked', tf.memory().numTensors === before);
console.log(`${passed} passed, ${failed} failed`);
if (process.env.CNN_REPORT_DIR) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${process.env.CNN_REPORT_DIR}/ops-dist-smoke.json`, JSON.stringify({ numPassedTests: passed, numFailedTests: failed, testResults: [] }));
}
process.exit(failed ? 1 : 0);
