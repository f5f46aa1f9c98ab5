/**
 * @cnn/architectures demo: print the summary of a network, or train a small ResNet (basic blocks) on the
 * sign-language digits data set (the course's SIGNS task: 10 hand signs, 64×64 RGB) and report test accuracy.
 * Thin on purpose: data come from @cnn/ops (resolveData, decodeImage, resizeImage), the model from
 * @cnn/architectures, training from tfjs-layers' fit.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { basicResNet, formatSummary, summary } from '@cnn/architectures';
import { CnnError, decodeImage, describeBackend, mulberry32, ready, resizeImage, resolveData, shuffleInPlace } from '@cnn/ops';

const HELP = `Usage: cnn-architectures-demo signs [options]

Trains a small ResNet on the sign-language digits (10 classes) and prints the test accuracy.

Options:
  --data <dir>      the data set folder (default: 'sign-language-digits' on CNN_DATA_PATH)
  --epochs <n>      training epochs (default 12)
  --size <px>       image size (default 64)
  --seed <n>        split and shuffle seed (default 1)
  --json            print the result as JSON
  -h, --help        this help

Examples:
  CNN_DATA_PATH=../shared/data cnn-architectures-demo signs
  cnn-architectures-demo signs --data ./Dataset --epochs 5 --json`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string' },
    epochs: { type: 'string', default: '12' },
    size: { type: 'string', default: '64' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function fail(message: string, code = 2): never {
  console.error(`error: ${message}\n\n${HELP}`);
  process.exit(code);
}

if (values.help) {
  console.log(HELP);
  process.exit(0);
}
if (positionals[0] !== 'signs') fail(positionals[0] ? `unknown command '${positionals[0]}'` : 'missing command');
const epochs = Number(values.epochs);
const size = Number(values.size);
const seed = Number(values.seed);
if (!Number.isInteger(epochs) || epochs < 1) fail(`--epochs must be a positive integer, got '${values.epochs}'`);
if (!Number.isInteger(size) || size < 32) fail(`--size must be an integer >= 32, got '${values.size}'`);

const log = (s: string) => {
  if (!values.json) console.log(s);
};

/** A seeded shuffle of a copy of `items`, so the split is reproducible. */
function shuffled<T>(items: T[], s: number): T[] {
  return shuffleInPlace([...items], mulberry32(s));
}

try {
  const info = await ready();
  log(describeBackend(info));
  const root = values.data ?? (await resolveData('sign-language-digits', { offline: true }));
  const files: { path: string; label: number }[] = [];
  for (let label = 0; label < 10; label++) {
    const dir = join(root, String(label));
    for (const f of (await readdir(dir)).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort()) files.push({ path: join(dir, f), label });
  }
  // Stratified split: 80% train, 20% test per class.
  const train: typeof files = [];
  const test: typeof files = [];
  for (let label = 0; label < 10; label++) {
    const ofClass = shuffled(files.filter((f) => f.label === label), seed + label);
    const cut = Math.round(ofClass.length * 0.8);
    train.push(...ofClass.slice(0, cut));
    test.push(...ofClass.slice(cut));
  }
  log(`data: ${files.length} images in 10 classes (${root}); train ${train.length}, test ${test.length}; ${size}x${size}`);
  const load = async (set: typeof files, what: string) => {
    const images: tf.Tensor3D[] = [];
    for (const [i, f] of set.entries()) {
      const img = await decodeImage(f.path);
      images.push(tf.tidy(() => tf.div(resizeImage(img, [size, size]), 255) as tf.Tensor3D));
      img.dispose();
      if (!values.json && (i % 100 === 0 || i === set.length - 1)) process.stdout.write(`\r  decoding ${what} ${i + 1}/${set.length}`);
    }
    if (!values.json) process.stdout.write('\n');
    const x = tf.stack(images) as tf.Tensor4D;
    tf.dispose(images);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(set.map((f) => f.label), 'int32'), 10));
    return { x, y };
  };
  const tr = await load(shuffled(train, seed), 'train');
  const te = await load(test, 'test');

  const model: tfl.LayersModel = await basicResNet({ blocks: [1, 1, 1], filters: [32, 64, 128], inputShape: [size, size, 3], classes: 10, name: 'signs_resnet' });
  log(formatSummary(summary(model)));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const started = performance.now();
  await model.fit(tr.x, tr.y, {
    epochs,
    batchSize: 32,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onBatchEnd: async (batch) => {
        if (!values.json) process.stdout.write(`\r  batch ${batch + 1}/${Math.ceil(train.length / 32)}`);
      },
      onEpochEnd: async (epoch, logs) => {
        log(`\r  epoch ${epoch + 1}/${epochs}: loss ${logs?.['loss']?.toFixed(4)}, train accuracy ${(100 * (logs?.['acc'] ?? 0)).toFixed(1)}%  (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      },
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const [, acc] = model.evaluate(te.x, te.y, { batchSize: 64 }) as tf.Scalar[];
  const accuracy = (await acc!.data())[0]!;
  const result = { task: 'sign-language-digits', model: model.name, params: model.countParams(), backend: info.backend, epochs, imageSize: size, train: train.length, test: test.length, testAccuracy: accuracy, trainSeconds: seconds };
  if (values.json) console.log(JSON.stringify(result));
  else console.log(`test accuracy ${(100 * accuracy).toFixed(1)}% on ${test.length} images after ${epochs} epochs, ${seconds.toFixed(0)} s of training on ${info.backend}`);
  tf.dispose([tr.x, tr.y, te.x, te.y]);
  model.dispose();
} catch (err) {
  if (err instanceof CnnError) fail(err.message, 1);
  throw err;
}
