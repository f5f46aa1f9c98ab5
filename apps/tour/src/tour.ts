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
  decodeImage,
  iou,
  mulberry32,
  renderLinePlot,
  resizeImage,
  writeFileAtomic,
  writeImage,
} from '@cnn/ops';
import {
  createFaceDetector,
  drawDetections,
  drawGridOverlay,
  encodeTargets,
  evaluateDetector,
  generateDataset,
  generateScene,
  kmeansAnchors,
  loadShapesDetector,
  sceneToSample,
} from '@cnn/yolo';
import { stylize, vggFeatures } from '@cnn/style';
import { cacheFeatures, createClassifier, evaluateClassifier, learningCurves, loadBackbone, renderConfusionMatrix, trainHeadOnFeatures } from '@cnn/transfer';
import { FaceDatabase, createFacePipeline, distanceMatrix, renderDistanceMatrix } from '@cnn/face';
import type * as tfl from '@tensorflow/tfjs-layers';
import { alexnet, basicResNet, formatSummary, googlenet, inceptionV3, lenet5, mobilenet, mobilenetV2, resnet50, summary, unet, vgg16 } from '@cnn/architectures';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'out');
const started = performance.now();
// Paths relative to the repository root, where the README's commands run.
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const shown = (p: string) => relative(repoRoot, p) || p;
// The gallery (out/index.html): each section's title, the functions that made it, what it printed, its pictures.
interface GallerySection {
  title: string;
  fn: string;
  lines: string[];
  pictures: string[];
}
const gallery: GallerySection[] = [];
const print = console.log.bind(console);
console.log = (...args: unknown[]) => {
  print(...args);
  const current = gallery.at(-1);
  if (current) current.lines.push(...args.map(String).join(' ').split('\n').filter((l) => l.trim() !== ''));
};
const section = (title: string, fn: string) => {
  gallery.push({ title, fn, lines: [], pictures: [] });
  print(`\n── ${title}  (${fn})`);
};

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
  gallery.at(-1)?.pictures.push(name);
};
/** Saves an RGB picture from the packages' renderers ({ width, height, pixels }). */
const savePicture = async (name: string, picture: { width: number; height: number; pixels: Uint8Array }) => {
  const image = tf.tensor3d(picture.pixels, [picture.height, picture.width, 3], 'int32');
  await save(name, image);
  image.dispose();
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

// 7. A small ResNet learns a SIGNS-style task from generated pictures
section('A small ResNet counts raised fingers (generated SIGNS-style data)', '@cnn/architectures basicResNet + model.fit');
{
  // The course's SIGNS task is "how many fingers does the hand show". The tour must run offline on a fresh
  // clone, so it draws its own: a palm blob with 0-5 raised fingers, random skin tone, position, size, tilt
  // and a noisy background (the real data set is in apps/architectures-demo: `signs`).
  const size = 32;
  const rand = mulberry32(7);
  const draw = (fingers: number): Float32Array => {
    const px = new Float32Array(size * size * 3);
    const bg = [rand(), rand(), rand()].map((v) => 0.2 + 0.5 * v);
    const skin = [0.75 + 0.2 * rand(), 0.5 + 0.2 * rand(), 0.35 + 0.2 * rand()];
    const cx = 16 + (rand() - 0.5) * 6;
    const cy = 21 + (rand() - 0.5) * 4;
    const r = 6 + rand() * 2;
    const tilt = (rand() - 0.5) * 0.5;
    const inside = (x: number, y: number): boolean => {
      if ((x - cx) ** 2 + ((y - cy) * 1.2) ** 2 < r * r) return true; // palm
      for (let f = 0; f < fingers; f++) {
        const a = -Math.PI / 2 + tilt + (f - (fingers - 1) / 2) * 0.45;
        const [dx, dy] = [Math.cos(a), Math.sin(a)];
        const t = (x - cx) * dx + (y - cy) * dy; // along the finger
        const d = Math.abs(-(x - cx) * dy + (y - cy) * dx); // across it
        if (t > r * 0.5 && t < r + 8 && d < 1.3) return true;
      }
      return false;
    };
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const on = inside(x + 0.5, y + 0.5);
        for (let c = 0; c < 3; c++) px[(y * size + x) * 3 + c] = Math.min(1, Math.max(0, (on ? skin[c]! : bg[c]!) + (rand() - 0.5) * 0.15));
      }
    }
    return px;
  };
  const make = (n: number) => {
    const labels = Array.from({ length: n }, (_, i) => i % 6);
    const data = new Float32Array(n * size * size * 3);
    labels.forEach((l, i) => data.set(draw(l), i * size * size * 3));
    return { x: tf.tensor4d(data, [n, size, size, 3]), y: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 6)), labels };
  };
  const train = make(1500);
  const test = make(180);
  const sample = tf.tidy(() => tf.cast(tf.mul(tf.concat(tf.unstack(tf.slice(test.x, [0, 0, 0, 0], [6, size, size, 3])), 1), 255), 'int32') as tf.Tensor3D);
  await save('signs-generated.png', sample);
  sample.dispose();
  const model = await basicResNet({ blocks: [1, 1], filters: [16, 32], inputShape: [size, size, 3], classes: 6, name: 'fingers_resnet' });
  const adam = tf.train.adam(3e-3); // disposed below: tfjs-layers does not dispose an optimizer it was given
  model.compile({ optimizer: adam, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const epochs = 8;
  const batches = Math.ceil(1500 / 32);
  const t0 = performance.now();
  await model.fit(train.x, train.y, {
    epochs,
    batchSize: 32,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onBatchEnd: async (batch) => {
        if (process.stdout.isTTY) process.stdout.write(`\r  epoch progress [${'#'.repeat(Math.round((20 * (batch + 1)) / batches)).padEnd(20)}]`);
      },
      onEpochEnd: async (epoch, logs) => {
        console.log(`${process.stdout.isTTY ? '\r' : ''}  epoch ${epoch + 1}/${epochs}: loss ${logs?.['loss']?.toFixed(3)}, train accuracy ${(100 * (logs?.['acc'] ?? 0)).toFixed(1)}%        `);
      },
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const [loss, acc] = model.evaluate(test.x, test.y, { batchSize: 64 }) as tf.Scalar[];
  console.log(`  ${model.countParams().toLocaleString('en-US')} params; test accuracy ${(100 * (await acc!.data())[0]!).toFixed(1)}% on 180 held-out pictures after ${seconds.toFixed(0)} s of training on ${info.backend}`);
  tf.dispose([train.x, train.y, test.x, test.y, loss!, acc!]);
  adam.dispose();
  console.log(`  wrote ${shown(join(outDir, 'signs-generated.png'))} (six test pictures: 0..5 fingers)`);

  // 7b. Transfer: that network's features learn a new task from a few pictures.
  section('Transfer learning: a new task from 60 pictures', '@cnn/transfer loadBackbone, createClassifier, cacheFeatures, trainHeadOnFeatures');
  console.log('  backbone: the finger-counting ResNet just trained above (the tour trains its own; nothing is downloaded)');
  const parity = (n: number) => {
    const d = make(n);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(d.labels.map((l) => l % 2), 'int32'), 2));
    const x = tf.mul(d.x, 255);
    tf.dispose([d.x, d.y]);
    return { x, y };
  };
  const small = parity(60);
  const held = parity(180);
  const backbone = await loadBackbone(model, { cutLayer: 'avg_pool', pooling: null, inputShape: [size, size, 3], preprocessing: { mode: 'rescale', scale: 1 / 255 } });
  const classifier = createClassifier({ backbone, labels: ['even', 'odd'], dropout: 0 });
  let t1 = performance.now();
  const cache = await cacheFeatures(classifier, [small]);
  const heldCache = await cacheFeatures(classifier, [held]);
  const history = await trainHeadOnFeatures(classifier, { train: cache, validation: heldCache, epochs: 60, learningRate: 1e-2, progress: false });
  const headSeconds = (performance.now() - t1) / 1000;
  const headEval = await evaluateClassifier(classifier, [held]);
  const headAcc = headEval.accuracy;
  await savePicture('transfer-learning-curves.png', learningCurves(history, { title: 'head on reused features' }));
  await savePicture('transfer-confusion-matrix.png', renderConfusionMatrix(headEval.confusion, ['even', 'odd'], { title: 'held-out pictures' }));
  cache.dispose();
  heldCache.dispose();
  classifier.dispose();
  // The same network from scratch on the same 60 pictures, for at least as long.
  const scratch = await basicResNet({ blocks: [1, 1], filters: [16, 32], inputShape: [size, size, 3], classes: 2, name: 'parity_scratch' });
  const scratchAdam = tf.train.adam(3e-3);
  scratch.compile({ optimizer: scratchAdam, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const smallX = tf.div(small.x, 255);
  const heldX = tf.div(held.x, 255);
  t1 = performance.now();
  let epochsRun = 0;
  while ((performance.now() - t1) / 1000 < Math.max(headSeconds, 3)) {
    await scratch.fit(smallX, small.y, { epochs: 1, batchSize: 16, verbose: 0 });
    epochsRun++;
  }
  const scratchSeconds = (performance.now() - t1) / 1000;
  const [sLoss, sAcc] = scratch.evaluate(heldX, held.y) as tf.Scalar[];
  const scratchAcc = (await sAcc!.data())[0]!;
  console.log(`  even or odd fingers, 60 training pictures, 180 held out:`);
  console.log(`    reused features, head only: ${(100 * headAcc).toFixed(1)}% (${headSeconds.toFixed(1)} s)`);
  console.log(`    same network from scratch:  ${(100 * scratchAcc).toFixed(1)}% (${scratchSeconds.toFixed(1)} s, ${epochsRun} epochs)`);
  console.log(`  wrote ${shown(join(outDir, 'transfer-learning-curves.png'))} (@cnn/transfer learningCurves: loss and accuracy per epoch, training and held out)`);
  console.log(`       ${shown(join(outDir, 'transfer-confusion-matrix.png'))} (@cnn/transfer renderConfusionMatrix)`);
  tf.dispose([small.x, small.y, held.x, held.y, smallX, heldX, sLoss!, sAcc!]);
  scratch.dispose();
  scratchAdam.dispose();
}

// 8. YOLO's labels: the grid, the anchors, and who owns each object
section("YOLO's labels: grid cells and anchor boxes", '@cnn/yolo generateScene, kmeansAnchors, encodeTargets, drawGridOverlay');
{
  const size = 256;
  const gridN = 4;
  const scene = generateScene({ size, seed: 3, minObjects: 3, maxObjects: 5 });
  const cell = size / gridN;
  const wh = generateDataset(100, { size, seed: 4 }).flatMap((s) => s.objects.map((o) => [(o.box[2] - o.box[0]) / cell, (o.box[3] - o.box[1]) / cell] as [number, number]));
  const km = kmeansAnchors(wh, 3, { seed: 1 });
  const anchors = km.anchors.map(([w, h]) => [Number(w.toFixed(2)), Number(h.toFixed(2))] as [number, number]);
  const { targets, assignments } = encodeTargets(scene.objects, { grid: gridN, anchors, classes: scene.classNames.length, imageSize: [size, size] });
  console.log(`  ${scene.objects.length} objects on a ${gridN}x${gridN} grid with ${anchors.length} anchors (k-means over 100 scenes, mean IoU ${(100 * km.meanIou).toFixed(1)}%): target tensor ${targets.shape.join('x')} = S x S x B x (5 + C)`);
  for (const a of assignments) console.log(`    ${scene.classNames[scene.objects[a.index]!.class]!.padEnd(8)} -> cell (${a.row},${a.col}), anchor ${a.anchor} (IoU ${a.anchorIou.toFixed(2)})`);
  const pixels = tf.tensor3d(scene.image, [size, size, 3], 'int32');
  const big = resizeImage(pixels, [512, 512], { method: 'nearest' });
  const picture = drawGridOverlay(big, scene.objects, { grid: gridN, anchors, labels: scene.classNames, imageSize: [size, size] });
  await save('yolo-grid.png', picture);
  tf.dispose([targets, pixels, big, picture]);
  console.log(`  wrote ${shown(join(outDir, 'yolo-grid.png'))}`);
}

// 9. The shapes detector shipped with @cnn/yolo (trainDetector on generated scenes), on scenes it never saw
section('Detecting shapes (the shipped YOLOv2 shapes detector)', '@cnn/yolo loadShapesDetector, detect, evaluateDetector');
{
  const t0 = performance.now();
  const detector = await loadShapesDetector();
  const size = detector.inputSize[0];
  // Seed 4242: none of training's (1000 scenes, 2000 validation, 3000 anchors) nor the held-out tests' (9000, 7000).
  const sceneOptions = { size, maxObjects: 5, seed: 4242 };
  const zoom = 3; // drawn enlarged, so the labels stay readable
  const drawn: tf.Tensor3D[] = [];
  for (const [i, scene] of generateDataset(3, sceneOptions).entries()) {
    const pixels = tf.tensor3d(scene.image, [size, size, 3], 'int32');
    const found = await detector.detect(pixels, { scoreThreshold: 0.4 });
    // A true object is found when a detection of its class overlaps it by IoU >= 0.5 (each detection counts once).
    const used = new Set<number>();
    for (const o of scene.objects) {
      const k = found.findIndex((d, j) => !used.has(j) && d.class === o.class && iou(d.box, o.box) >= 0.5);
      if (k >= 0) used.add(k);
    }
    const truth = scene.objects.map((o) => o.name).join(', ');
    const seen = found.map((d) => `${d.label} ${d.score.toFixed(2)}`).join(', ') || 'nothing';
    console.log(`  scene ${i + 1}: truth ${truth} -> found ${seen} (${used.size} of ${scene.objects.length} at IoU 0.5, ${found.length - used.size} false)`);
    const big = resizeImage(pixels, [size * zoom, size * zoom], { method: 'nearest' });
    drawn.push(drawDetections(big, found.map((d) => ({ ...d, box: d.box.map((v) => v * zoom) }))));
    tf.dispose([pixels, big]);
  }
  const picture = tf.concat(drawn, 1);
  await save('shapes-detections.png', picture);
  tf.dispose([...drawn, picture]);
  const r = await evaluateDetector(detector, generateDataset(20, sceneOptions).map(sceneToSample));
  console.log(`  mAP@0.5 on 20 fresh scenes (the 3 above and 17 more, ${r.groundTruth.length} objects): ${r.map.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  console.log(`  wrote ${shown(join(outDir, 'shapes-detections.png'))}`);
  detector.dispose();
}

// 10. Faces: the tiny YOLOv2 face detector shipped with @cnn/yolo, on @vladmandic/face-api's sample photos
section('Face detection (a one-class tiny YOLOv2)', '@cnn/yolo createFaceDetector');
{
  const samples = join(dirname(fileURLToPath(import.meta.resolve('@vladmandic/face-api/package.json'))), 'demo');
  const detector = await createFaceDetector();
  for (const name of ['sample1.jpg', 'sample5.jpg']) {
    const image = await decodeImage(join(samples, name));
    const t0 = performance.now();
    const faces = await detector.detect(image);
    const ms = performance.now() - t0;
    const drawn = drawDetections(image, faces.map((f) => ({ ...f, class: 0, label: 'face' })));
    await save(`faces-${name.replace('.jpg', '.png')}`, drawn);
    console.log(`  ${name} (${image.shape[1]}x${image.shape[0]}): ${faces.length} faces, scores ${faces.map((f) => f.score.toFixed(2)).join(' ')} (${ms.toFixed(0)} ms) -> ${shown(join(outDir, `faces-${name.replace('.jpg', '.png')}`))}`);
    tf.dispose([image, drawn]);
  }
  detector.dispose();
}

// 10b. Faces: who is who. dlib's ResNet descriptor (face-api's weights from the installed npm package) after
// detection, 68 landmarks and dlib's face-chip alignment; a distance matrix and one-shot identification.
section('Face verification and one-shot recognition', '@cnn/face createFacePipeline, distanceMatrix, renderDistanceMatrix, FaceDatabase.identify');
{
  const samples = join(dirname(fileURLToPath(import.meta.resolve('@vladmandic/face-api/package.json'))), 'demo');
  const faces = await createFacePipeline();
  const photo1 = await decodeImage(join(samples, 'sample1.jpg'), { channels: 3 });
  const photo5 = await decodeImage(join(samples, 'sample5.jpg'), { channels: 3 });
  // A second picture of sample1's three people, made here: mirrored and shrunk to 60% (a different picture of
  // the same faces; the photos ship no second shot of anyone), and sample2's faces, which were never enrolled.
  const second = tf.tidy(() => resizeImage(tf.reverse(photo1, 1), [Math.round(photo1.shape[0] * 0.6), Math.round(photo1.shape[1] * 0.6)]) as tf.Tensor3D);
  const photo2 = await decodeImage(join(samples, 'sample2.jpg'), { channels: 3 });
  const t0 = performance.now();
  const enrolledFaces = [...(await faces.describe(photo1)).map((f) => ({ ...f, photo: photo1 })), ...(await faces.describe(photo5)).map((f) => ({ ...f, photo: photo5 }))];
  const queryFaces = [...(await faces.describe(second)).map((f) => ({ ...f, photo: second })), ...(await faces.describe(photo2)).map((f) => ({ ...f, photo: photo2 }))];
  const ms = (performance.now() - t0) / (enrolledFaces.length + queryFaces.length);
  const names = enrolledFaces.map((_, i) => `person ${String.fromCharCode(65 + i)}`);
  const db = new FaceDatabase({ modelId: 'dlib-resnet34-face-api' });
  for (const [i, f] of enrolledFaces.entries()) await db.enroll(names[i]!, f.descriptor);
  console.log(`  enrolled ${enrolledFaces.length} faces (sample1: ${enrolledFaces.filter((f) => f.photo === photo1).length}, sample5: ${enrolledFaces.filter((f) => f.photo === photo5).length}), one picture each (one-shot); ${ms.toFixed(0)} ms per face (detect, landmarks, chip, descriptor)`);
  const queryLabels: string[] = [];
  for (const [j, q] of queryFaces.entries()) {
    const r = await db.identify(q.descriptor, { topK: 2 });
    const where = q.photo === second ? 'sample1 mirrored, 60%' : 'sample2';
    queryLabels.push(`q${j + 1}`);
    const borderline = Math.abs(r.distance - r.threshold) < 0.05 ? ' — borderline: within 0.05 of the threshold, a decision a calibrated threshold (@cnn/face evaluateFaceFolder) could flip' : '';
    console.log(`  q${j + 1} (${where}): ${r.known ? r.identity : 'unknown'} — nearest ${r.matches.map((m) => `${m.identity} ${m.distance.toFixed(3)}`).join(', ')} (threshold ${r.threshold})${borderline}`);
  }
  // Thumbnails: each face's box (grown 20%) cut from its picture.
  const thumb = (f: { box: readonly number[]; photo: tf.Tensor3D }) =>
    tf.tidy(() => {
      const [h, w] = f.photo.shape;
      const [x1, y1, x2, y2] = f.box as [number, number, number, number];
      const gx = 0.2 * (x2 - x1);
      const gy = 0.2 * (y2 - y1);
      const top = Math.max(0, Math.floor(y1 - gy));
      const left = Math.max(0, Math.floor(x1 - gx));
      return tf.slice(f.photo, [top, left, 0], [Math.min(h, Math.ceil(y2 + gy)) - top, Math.min(w, Math.ceil(x2 + gx)) - left, 3]) as tf.Tensor3D;
    });
  const rowImages = enrolledFaces.map(thumb);
  const colImages = queryFaces.map(thumb);
  const matrix = distanceMatrix(enrolledFaces.map((f) => f.descriptor), queryFaces.map((f) => f.descriptor));
  await savePicture('face-distance-matrix.png', renderDistanceMatrix(matrix, { threshold: 0.6, rowLabels: names, colLabels: queryLabels, rowImages, colImages, cellSize: 56, title: 'face distances (euclidean)' }));
  console.log(`  wrote ${shown(join(outDir, 'face-distance-matrix.png'))} (rows: enrolled faces; columns: queries; green = same person, <= 0.6)`);
  tf.dispose([...rowImages, ...colImages, photo1, photo5, photo2, second]);
  await db.dispose();
  faces.dispose();
}

// 11. Style transfer, offline: random multi-scale filters unless ImageNet VGG-19 weights are on CNN_WEIGHTS_PATH
section('Neural style transfer (small, offline default)', '@cnn/style vggFeatures, stylize');
{
  const size = 64;
  const shapes = generateScene({ size, seed: 5, minObjects: 2, maxObjects: 3 });
  const contentImg = tf.tidy(() => tf.cast(tf.tensor3d(shapes.image, [size, size, 3], 'int32'), 'float32') as tf.Tensor3D);
  // A generated "painting": swirling strokes of two colors.
  const styleImg = tf.tidy(() => {
    const ys = tf.tile(tf.reshape(tf.linspace(-1, 1, size), [size, 1]), [1, size]);
    const xs = tf.tile(tf.reshape(tf.linspace(-1, 1, size), [1, size]), [size, 1]);
    const swirl = tf.sin(tf.add(tf.mul(tf.sqrt(tf.add(tf.square(xs), tf.square(ys))), 18), tf.mul(tf.atan2(ys, xs), 3)));
    const t = tf.div(tf.add(swirl, 1), 2);
    return tf.stack([tf.add(tf.mul(t, 200), 30), tf.add(tf.mul(t, 120), 40), tf.sub(220, tf.mul(t, 170))], 2) as tf.Tensor3D;
  });
  const features = await vggFeatures({ contentLayer: 'block2_conv2', styleLayers: [['block1_conv1', 0.5], ['block2_conv1', 0.5]], onNotice: (m) => console.log(`  notice: ${m}`) });
  const r = await stylize(contentImg, styleImg, features, { iterations: 60 });
  const first = r.losses[0]!;
  const last = r.losses.at(-1)!;
  console.log(`  ${size}x${size}, features ${features.model.name} (${features.weights}), 60 Adam steps: style cost ÷${(first.style / last.style).toFixed(1)}, ${r.seconds.toFixed(0)} s`);
  // Shown 3× larger (nearest neighbour: the pixels stay as computed).
  const side = tf.tidy(() => resizeImage(tf.cast(tf.concat([contentImg, styleImg, r.image], 1), 'int32') as tf.Tensor3D, [3 * size, 9 * size], { method: 'nearest' }));
  await save('style-side-by-side.png', side);
  const steps = r.losses.map((l) => l.step);
  await savePicture('style-loss-curve.png', renderLinePlot([
    { x: steps, y: r.losses.map((l) => l.total), label: 'total J', color: [31, 119, 180] },
    { x: steps, y: r.losses.map((l) => l.content), label: 'content', color: [44, 160, 44] },
    { x: steps, y: r.losses.map((l) => l.style), label: 'style', color: [214, 39, 40] },
  ], { title: `Adam, ${size} px, ${info.backend}`, yScale: 'log', xLabel: 'step' }));
  console.log(`  wrote ${shown(join(outDir, 'style-side-by-side.png'))} (content | style | result, 3× enlarged) and ${shown(join(outDir, 'style-loss-curve.png'))}`);
  tf.dispose([contentImg, styleImg, r.image, side]);
  features.dispose();
}

const seconds = (performance.now() - started) / 1000;
const escape = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>CNN for All — demo tour</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
code { background: #f4f4f4; padding: 0 .3em; }
pre { background: #f8f8f8; padding: .8em; overflow-x: auto; font-size: 13px; }
figure { display: inline-block; margin: .5em; vertical-align: top; }
img { max-width: 100%; image-rendering: pixelated; border: 1px solid #ccc; }
figcaption { font-size: 12px; color: #666; }
</style>
</head>
<body>
<h1>CNN for All — demo tour</h1>
<p>Made by <code>npm run tour</code> on ${escape(new Date().toISOString().slice(0, 10))} in ${seconds.toFixed(1)} s, offline, with the packages' embedded defaults. Each section names the package functions that made it.</p>
${gallery
  .map(
    (g) => `<h2>${escape(g.title)}</h2>
<p><code>${escape(g.fn)}</code></p>
${g.lines.length ? `<pre>${escape(g.lines.join('\n'))}</pre>` : ''}
${g.pictures.map((p) => `<figure><img src="${escape(p)}" alt="${escape(p)}"><figcaption>${escape(p)}</figcaption></figure>`).join('\n')}`,
  )
  .join('\n')}
</body>
</html>
`;
await writeFileAtomic(join(outDir, 'index.html'), html);
print(`\nDone in ${seconds.toFixed(1)} s. Pictures are in ${shown(outDir)}/, with a gallery page ${shown(join(outDir, 'index.html'))} (tensors alive: ${tf.memory().numTensors}).`);
