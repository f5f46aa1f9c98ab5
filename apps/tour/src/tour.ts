/**
 * The CNN for All demo tour. Thin on purpose: every number and picture comes from a package function,
 * and each step names the function that made it. Runs offline on what the packages ship or generate.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import {
  conv2d,
  convOutputShape,
  detectEdges,
  describeBackend,
  drawBoxes,
  edgeFilter,
  maxPool,
  poolOutputShape,
  ready,
  samePadding,
  writeImage,
} from '@cnn/ops';
import type * as tfl from '@tensorflow/tfjs-layers';
import { alexnet, formatSummary, googlenet, inceptionV3, lenet5, mobilenet, mobilenetV2, resnet50, summary, unet, vgg16 } from '@cnn/architectures';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'out');
const started = performance.now();
// Paths relative to the repository root, where the README's commands run.
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const shown = (p: string) => relative(repoRoot, p) || p;
const section = (title: string, fn: string) => console.log(`\n── ${title}  (${fn})`);

console.log('CNN for All — demo tour');

// 1. Backend
const info = await ready();
section('Backend', '@cnn/ops ready()');
console.log(`  ${describeBackend(info)}`);
for (const a of info.attempts) console.log(`  tried ${a.backend.padEnd(10)} ${a.ok ? 'yes' : 'no '} — ${a.reason}`);
if (info.trainingKernels.length) console.log(`  training kernels added for wasm: ${info.trainingKernels.join(', ')}`);

// 2. Shapes through a small ConvNet, by formula and by running it
section('Output volumes of a ConvNet (the course example)', '@cnn/ops convOutputShape, poolOutputShape, conv2d');
const layers: { name: string; filter: [number, number, number, number]; strides: number }[] = [
  { name: 'conv 3x3, s=1, p=0, 10 filters', filter: [3, 3, 3, 10], strides: 1 },
  { name: 'conv 5x5, s=2, p=0, 20 filters', filter: [5, 5, 10, 20], strides: 2 },
  { name: 'conv 5x5, s=2, p=0, 40 filters', filter: [5, 5, 20, 40], strides: 2 },
];
let shape = [39, 39, 3];
let activation: tf.Tensor3D = tf.randomNormal([39, 39, 3], 0, 1, 'float32', 1);
console.log(`  input                              ${shape.join('x')}`);
for (const layer of layers) {
  const predicted = convOutputShape(shape, layer.filter, { strides: layer.strides, padding: 'valid' });
  const filter = tf.randomNormal(layer.filter, 0, 0.1, 'float32', 2) as tf.Tensor4D;
  const next = conv2d(activation, filter, { strides: layer.strides, padding: 'valid' });
  console.log(`  ${layer.name.padEnd(34)} ${predicted.join('x').padEnd(9)} formula ⌊(n+2p−f)/s⌋+1; conv2d gave ${next.shape.join('x')}`);
  tf.dispose([activation, filter]);
  activation = next;
  shape = predicted;
}
console.log(`  flatten -> ${shape.reduce((a, b) => a * b, 1)} features for the softmax`);
const pooled = maxPool(activation, 2, { padding: 'same' });
console.log(`  max pool 2x2 ('same') of 7x7x40     ${poolOutputShape([7, 7, 40], 2, { padding: 'same' }).join('x')}; maxPool gave ${pooled.shape.join('x')}`);
console.log(`  TF 'same' padding is asymmetric: n=6, f=2, s=1 pads [before, after] = [${samePadding(6, 2, 1).join(', ')}]`);
tf.dispose([activation, pooled]);

// 3. The vertical edge detector on the course's 6x6 image
section('A vertical edge detector (6x6 image * 3x3 filter = 4x4)', '@cnn/ops edgeFilter, conv2d');
const course = tf.tidy(() => tf.tile(tf.tensor3d([10, 10, 10, 0, 0, 0], [1, 6, 1]), [6, 1, 1])) as tf.Tensor3D;
const filter = edgeFilter('vertical');
const response = conv2d(course, filter);
const rows = (t: tf.Tensor) => (t.arraySync() as number[][][]).map((r) => r.map((v) => String(v[0]).padStart(3)).join(' '));
const left = rows(course);
const right = rows(response);
for (let i = 0; i < 6; i++) console.log(`  ${left[i]}   ${i === 2 ? '*  [[1,0,-1]x3]  =' : '                 '}   ${right[i] ?? ''}`);
console.log('  the bright-to-dark edge in the middle shows up as the column of 30s');
tf.dispose([course, filter, response]);

// 4. Edge detection on a generated picture, written as PNG
section('Edge detection on a picture', '@cnn/ops detectEdges, writeImage, drawBoxes');
await mkdir(outDir, { recursive: true });
const scene = tf.tidy(() => {
  const h = 240;
  const w = 320;
  const y = tf.reshape(tf.range(0, h), [h, 1]);
  const x = tf.reshape(tf.range(0, w), [1, w]);
  const sky = tf.add(tf.mul(tf.div(y, h), 120), 60); // vertical gradient
  const disc = tf.cast(tf.less(tf.add(tf.square(tf.sub(x, 90)), tf.square(tf.sub(y, 100))), 45 * 45), 'float32');
  const square = tf.cast(tf.logicalAnd(tf.logicalAnd(tf.greater(x, 170), tf.less(x, 270)), tf.logicalAnd(tf.greater(y, 60), tf.less(y, 160))), 'float32');
  const ground = tf.cast(tf.greater(y, tf.add(190, tf.mul(tf.sin(tf.div(x, 25)), 10))), 'float32');
  const r = tf.add(tf.mul(sky, 0.6), tf.add(tf.mul(disc, 150), tf.add(tf.mul(square, 40), tf.mul(ground, 20))));
  const g = tf.add(tf.mul(sky, 0.8), tf.add(tf.mul(disc, 120), tf.add(tf.mul(square, 90), tf.mul(ground, 80))));
  const b = tf.add(sky, tf.add(tf.mul(disc, -60), tf.add(tf.mul(square, 130), tf.mul(ground, -100))));
  return tf.clipByValue(tf.stack([r, g, b], 2), 0, 255) as tf.Tensor3D;
});
const files: string[] = [];
const save = async (name: string, image: tf.Tensor2D | tf.Tensor3D) => {
  const path = join(outDir, name);
  await writeImage(path, image);
  files.push(path);
};
await save('scene.png', scene);
for (const operator of ['sobel', 'vertical', 'horizontal'] as const) {
  const edges = detectEdges(scene, { operator });
  await save(`edges-${operator}.png`, edges);
  edges.dispose();
}
const annotated = drawBoxes(scene, [
  { box: [45, 55, 135, 145], label: 'disc' },
  { box: [171, 61, 269, 159], label: 'square', class: 1 },
]);
await save('scene-boxes.png', annotated);
tf.dispose([scene, annotated]);
for (const f of files) console.log(`  wrote ${shown(f)}`);

// 5. A small CNN trains on this backend
section(`A small CNN trains on ${info.backend}`, 'tf.train.adam + @cnn/ops kernels');
const steps = 8;
const losses = tf.tidy(() => {
  const x = tf.randomUniform([8, 16, 16, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
  const w1 = tf.variable(tf.randomNormal([3, 3, 3, 8], 0, 0.3, 'float32', 4));
  const w2 = tf.variable(tf.randomNormal([3, 3, 8, 8], 0, 0.3, 'float32', 5));
  const dense = tf.variable(tf.randomNormal([4 * 4 * 8, 3], 0, 0.1, 'float32', 6));
  const opt = tf.train.adam(0.02);
  const out: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const loss = opt.minimize(() => {
      const h1 = maxPool(tf.relu(conv2d(x, w1 as tf.Variable as unknown as tf.Tensor4D, { padding: 'same' })), 2);
      const h2 = maxPool(tf.relu(conv2d(h1, w2 as unknown as tf.Tensor4D, { padding: 'same' })), 2);
      return tf.losses.softmaxCrossEntropy(labels, tf.matMul(tf.reshape(h2, [8, -1]), dense)) as tf.Scalar;
    }, true)!;
    out.push(loss.dataSync()[0]!);
  }
  const ms = (performance.now() - t0) / steps;
  opt.dispose();
  tf.dispose([w1, w2, dense]);
  return { out, ms };
});
console.log(`  Adam, batch 8, ${steps} steps: loss ${losses.out.map((v) => v.toFixed(3)).join(' → ')} (${losses.ms.toFixed(1)} ms/step)`);

// 6. The course's architectures, built with Keras layer names and parameter counts
section('The networks of the course', '@cnn/architectures builders, summary, formatSummary');
const builds: [string, () => Promise<tfl.LayersModel> | tfl.LayersModel][] = [
  ['LeNet-5', () => lenet5()],
  ['AlexNet', () => alexnet()],
  ['VGG-16', () => vgg16()],
  ['ResNet-50', () => resnet50()],
  ['GoogLeNet (Inception v1)', () => googlenet()],
  ['InceptionV3', () => inceptionV3()],
  ['MobileNet', () => mobilenet()],
  ['MobileNetV2', () => mobilenetV2()],
  ['U-Net (96x128, 23 classes)', () => unet()],
];
for (const [label, build] of builds) {
  const model = await build();
  const s = summary(model);
  const out = model.outputs[0]!.shape.slice(1).join('x');
  console.log(`  ${label.padEnd(28)} ${String(s.rows.length).padStart(4)} layers ${s.totalParams.toLocaleString('en-US').padStart(12)} params  -> ${out}`);
  model.dispose();
}
const lenet = lenet5();
console.log(formatSummary(summary(lenet)).split('\n').map((l) => `  ${l}`).join('\n'));
lenet.dispose();

console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s. Pictures are in ${shown(outDir)}/ (tensors alive: ${tf.memory().numTensors}).`);
