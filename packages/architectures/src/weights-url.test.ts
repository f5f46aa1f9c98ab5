/** loadWeightsByName from a URL (a browser's way): the same weights as from the folder, clear errors otherwise. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { fileSystem, InvalidArgumentError, ready, WeightsNotFoundError } from '@cnn/ops';
import { serveFolder, type ServedFolder } from '@cnn/ops/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { lenet5 } from './lenet.js';
import { seeded } from './test-support/seeded.js';
import { loadLayersModel } from './classify.js';
import { loadWeightsByName } from './weights.js';

let dir: string;
let served: ServedFolder;
let base: string;
beforeAll(async () => {
  await ready({ backend: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'cnn-weights-url-'));
  served = await serveFolder(dir);
  base = served.url.slice(0, -1);
});
afterAll(async () => {
  await served.close();
  await rm(dir, { recursive: true, force: true });
});

const values = (m: tfl.LayersModel) => Object.fromEntries(m.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));

it('loads a tfjs model folder by URL (folder or model.json) into another model by name, as from disk', async () => {
  const saved = await seeded(1, async () => lenet5());
  await saved.save(fileSystem(join(dir, 'lenet')));
  for (const url of [`${base}/lenet`, `${base}/lenet/`, `${base}/lenet/model.json`]) {
    const fresh = await seeded(2, async () => lenet5());
    expect(values(fresh)).not.toEqual(values(saved));
    const before = tf.memory().numTensors;
    const r = await loadWeightsByName(fresh, url);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.assigned).toBe(saved.weights.length);
    expect(values(fresh)).toEqual(values(saved));
    fresh.dispose();
  }
  const other = lenet5();
  await expect(loadWeightsByName(other, `${base}/missing/`)).rejects.toThrow(WeightsNotFoundError);
  await expect(loadWeightsByName(other, `${base}/vgg19.h5`)).rejects.toThrow(InvalidArgumentError);
  other.dispose();
  // loadLayersModel takes the URL too: the whole model, same predictions.
  const tensors = tf.memory().numTensors;
  const whole = await loadLayersModel(`${base}/lenet/`);
  const x = tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 4);
  const [p1, p2] = [saved.predict(x) as tf.Tensor, whole.predict(x) as tf.Tensor];
  expect(Array.from(p2.dataSync())).toEqual(Array.from(p1.dataSync()));
  tf.dispose([x, p1, p2]);
  whole.dispose();
  expect(tf.memory().numTensors).toBe(tensors);
  saved.dispose();
});
