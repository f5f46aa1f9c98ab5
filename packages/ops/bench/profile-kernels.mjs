#!/usr/bin/env node
// Times the pieces of the wasm gradient kernels (dev aid): node bench/profile-kernels.mjs [batch]
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '../dist/index.js';

await ready({ backend: 'wasm' });
const batch = Number(process.argv[2] ?? 8);
async function time(name, fn, iters = 5) {
  const r = fn(); await r.data(); r.dispose();
  const ts = [];
  for (let i = 0; i < iters; i++) { const t0 = performance.now(); const y = fn(); await y.data(); ts.push(performance.now() - t0); y.dispose(); }
  ts.sort((a, b) => a - b);
  console.log(`${name.padEnd(50)} ${ts[Math.floor(ts.length / 2)].toFixed(1)} ms (min ${ts[0].toFixed(1)})`);
}
for (const [label, xs, fs, s] of [['VGG', [batch, 56, 56, 64], [3, 3, 64, 64], 1], ['s2', [batch, 56, 56, 64], [3, 3, 64, 128], 2], ['1x1', [batch, 28, 28, 256], [1, 1, 256, 64], 1]]) {
  const x = tf.randomNormal(xs); const f = tf.randomNormal(fs);
  const y = tf.conv2d(x, f, s, 'same'); const dy = tf.randomNormal(y.shape); y.dispose();
  const attrs = { strides: s, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
  await time(`${label} fwd`, () => tf.conv2d(x, f, s, 'same'));
  await time(`${label} Conv2DBackpropInput`, () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: x.shape }));
  await time(`${label} Conv2DBackpropFilter`, () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: f.shape }));
  await time(`${label}   transpose x [3,1,2,0]`, () => tf.transpose(x, [3, 1, 2, 0]));
  await time(`${label}   transpose dy [1,2,0,3]`, () => tf.transpose(dy, [1, 2, 0, 3]));
  const xT = tf.transpose(x, [3, 1, 2, 0]); const dyT = tf.transpose(dy, [1, 2, 0, 3]);
  const p = Math.floor((fs[0] - 1) / 2);
  await time(`${label}   conv xT*dyT`, () => tf.conv2d(xT, dyT, 1, [[0, 0], [p, p], [p, p], [0, 0]], 'NHWC', s));
  // im2col-free matmul per tap: dW[i,j] = x_shift^T dy
  const dy2 = dy.reshape([-1, fs[3]]);
  await time(`${label}   matmul per tap (x ${fs[0] * fs[1]}) transposeA`, () => tf.tidy(() => {
    const xp = tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]);
    const outs = [];
    for (let i = 0; i < fs[0]; i++) for (let j = 0; j < fs[1]; j++) {
      const xs2 = tf.stridedSlice(xp, [0, i, j, 0], [batch, i + (y.shape[1] - 1) * s + 1, j + (y.shape[2] - 1) * s + 1, fs[2]], [1, s, s, 1]).reshape([-1, fs[2]]);
      outs.push(tf.matMul(xs2, dy2, true, false));
    }
    return tf.stack(outs);
  }));
  tf.dispose([x, f, dy, xT, dyT, dy2]);
}
{
  const x = tf.randomNormal([batch, 56, 56, 128]); const f = tf.randomNormal([3, 3, 128, 1]);
  const dy = tf.randomNormal([batch, 56, 56, 128]);
  const attrs = { strides: 1, pad: 'same', dilations: 1 };
  await time('dw fwd', () => tf.depthwiseConv2d(x, f, 1, 'same'));
  await time('dw BackpropInput', () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { ...attrs, inputShape: x.shape }));
  await time('dw BackpropFilter', () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: f.shape }));
  await time('dw mul', () => tf.mul(x, dy));
  await time('dw sum(mul) 9x', () => tf.tidy(() => tf.stack(Array.from({ length: 9 }, () => tf.sum(tf.mul(x, dy), [0, 1, 2])))));
  tf.dispose([x, f, dy]);
}
{
  const x = tf.randomNormal([batch, 56, 56, 64]);
  const y = tf.maxPool(x, 2, 2, 'valid'); const dy = tf.randomNormal(y.shape);
  await time('maxPool fwd', () => tf.maxPool(x, 2, 2, 'valid'));
  await time('MaxPoolGrad', () => tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: 2, strides: 2, pad: 'valid' }));
  await time('AvgPoolGrad', () => tf.engine().runKernel('AvgPoolGrad', { dy, input: x }, { filterSize: 2, strides: 2, pad: 'valid' }));
  tf.dispose([x, y, dy]);
}
