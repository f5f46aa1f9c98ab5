/**
 * Real tfjs models from CNN_WEIGHTS_PATH (CI: ../shared/weights) through the whole weights I/O path:
 * resolveWeights (offline) -> fileSystem().load() -> decodeWeightsManifest / loadWeights.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { FileNotFoundError } from '../errors/errors.js';
import { expectNoLeaks } from '../testing/index.js';
import { fileSystem, readModelFiles } from './file-system-handler.js';
import { loadWeights } from './load-weights.js';
import { resolveWeights } from './resolve-weights.js';
import { decodeWeightsManifest } from './weights-manifest.js';

const weightsPath = process.env['CNN_WEIGHTS_PATH'];
const SKIP = 'skipped: CNN_WEIGHTS_PATH is not set (CI sets it to ../shared/weights)';
if (!weightsPath) console.warn(`io.integration.test.ts ${SKIP}`);

const MODELS = [
  { id: 'vgg19-imagenet-block1-3', tensors: 16, params: 2_325_568, bytes: 9_302_272, first: 'block1_conv1/kernel' },
  { id: 'darknet-tiny-imagenet', tensors: 77, params: 1_046_488, bytes: 4_185_952, first: undefined },
];

describe.skipIf(!weightsPath)(`real weights from CNN_WEIGHTS_PATH${weightsPath ? '' : ` (${SKIP})`}`, () => {
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
  });

  it.each(MODELS)('$id: $tensors tensors, $params parameters, all finite, same as tfjs decodes', async ({ id, tensors, params, bytes, first }) => {
    const dir = await resolveWeights(id, { offline: true, files: ['model.json'] });
    expect(dir).toMatch(new RegExp(`${id}$`));
    const artifacts = await fileSystem(dir).load();
    expect(artifacts.format ?? 'layers-model').toBe('layers-model'); // the 2018 darknet export predates 'format'
    expect(artifacts.modelTopology).toHaveProperty('model_config');
    expect((artifacts.weightData as ArrayBuffer).byteLength).toBe(bytes);

    const files = await readModelFiles(dir);
    const ours = await expectNoLeaks(() => decodeWeightsManifest(files.manifest, files.groups), { allowReturned: true });
    const names = Object.keys(ours);
    expect(names).toHaveLength(tensors);
    if (first) expect(names[0]).toBe(first);
    expect(Object.values(ours).reduce((s, t) => s + t.size, 0)).toBe(params);
    const reference = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
    for (const name of names) {
      const t = ours[name]!;
      expect(t.dtype, name).toBe('float32');
      expect(tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0]), `${name} finite`).toBe(1);
      expect(Buffer.from(t.dataSync().buffer).equals(Buffer.from(reference[name]!.dataSync().buffer)), `${name} equals tfjs`).toBe(true);
    }
    tf.dispose([...Object.values(ours), ...Object.values(reference)]);

    const viaLoad = await expectNoLeaks(() => loadWeights(id, { offline: true }), { allowReturned: true });
    expect(Object.keys(viaLoad)).toEqual(names);
    tf.dispose(Object.values(viaLoad));
  });

  it('vgg19 model.full.json (untouched upstream manifest) names its first missing shard and the manifest', async () => {
    const dir = await resolveWeights('vgg19-imagenet-block1-3', { offline: true });
    const err = (await fileSystem(join(dir, 'model.full.json')).load().catch((e: unknown) => e)) as FileNotFoundError;
    expect(err).toBeInstanceOf(FileNotFoundError);
    expect(err.path).toBe(join(dir, 'group9-shard1of2'));
    expect(err.message).toContain(`weightsManifest[8].paths of '${join(dir, 'model.full.json')}'`);
  });
});
