/** Real tfjs models from CNN_WEIGHTS_PATH load through resolveWeights + fileSystem + decodeWeightsManifest. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { fileSystem } from './file-system-handler.js';
import { resolveWeights } from './resolve-weights.js';
import { decodeWeightsManifest } from './weights-manifest.js';

const hasWeights = Boolean(process.env['CNN_WEIGHTS_PATH']);

describe.runIf(hasWeights)('real weights (CNN_WEIGHTS_PATH)', () => {
  beforeAll(async () => {
    await ready();
  });

  it.each([
    { id: 'vgg19-imagenet-block1-3', tensors: 16, params: 2_325_568 },
    { id: 'darknet-tiny-imagenet', tensors: 77, params: 1_046_488 },
  ])('$id: $tensors tensors, $params parameters, all finite', async ({ id, tensors, params }) => {
    const dir = await resolveWeights(id, { offline: true });
    const artifacts = await fileSystem(dir).load();
    expect(artifacts.modelTopology).toBeDefined();
    const manifest = (JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON).weightsManifest;
    const weights = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
    const ours = decodeWeightsManifest(manifest, await Promise.all(manifest.map(async (g) => Promise.all(g.paths.map(async (p) => {
      const b = await readFile(join(dir, p));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    })))));
    expect(Object.keys(weights)).toHaveLength(tensors);
    expect(Object.keys(ours).sort()).toEqual(Object.keys(weights).sort());
    expect(Object.values(weights).reduce((s, t) => s + t.size, 0)).toBe(params);
    for (const [name, t] of Object.entries(weights)) {
      expect(tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0]), name).toBe(1);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(t, ours[name]!))).dataSync()[0]), name).toBe(0);
    }
    tf.dispose([...Object.values(weights), ...Object.values(ours)]);
  });
});

describe.skipIf(hasWeights)('real weights', () => {
  it('need CNN_WEIGHTS_PATH (CI sets it to ../shared/weights)', () => {
    expect(hasWeights).toBe(false);
  });
});
