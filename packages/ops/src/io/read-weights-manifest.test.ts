import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileNotFoundError, InvalidArgumentError, UnsafePathError, WeightsMismatchError, WeightsNotFoundError } from '../errors/errors.js';
import { ready } from '../backend/index.js';
import { serveFolder } from '../testing/index.js';
import { isWeightsUrl, readWeightsManifest } from './read-weights-manifest.js';

let dir: string;
const manifest = (paths: string[]) => [
  {
    paths,
    weights: [
      { name: 'a/kernel', shape: [2, 2], dtype: 'float32' },
      { name: 'a/bias', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 0.5 } },
    ],
  },
];

beforeAll(async () => {
  await ready({ backend: 'cpu' });
  dir = await mkdtemp(join(tmpdir(), 'cnn-manifest-'));
  const floats = new Float32Array([1, 2, 3, 4]);
  const bytes = new Uint8Array([...new Uint8Array(floats.buffer), 0, 2, 4]);
  await writeFile(join(dir, 'm.bin'), bytes);
  await writeFile(join(dir, 'm-weights_manifest.json'), JSON.stringify(manifest(['m.bin'])));
  await writeFile(join(dir, 'short-weights_manifest.json'), JSON.stringify([{ ...manifest(['m.bin'])[0], weights: [{ name: 'x', shape: [9], dtype: 'float32' }] }]));
  await writeFile(join(dir, 'escape-weights_manifest.json'), JSON.stringify(manifest(['../m.bin'])));
  await writeFile(join(dir, 'missing-weights_manifest.json'), JSON.stringify(manifest(['gone.bin'])));
  await writeFile(join(dir, 'bad-weights_manifest.json'), '{ not json');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readWeightsManifest', () => {
  it('reads a folder + manifest name, or the manifest path, and dequantizes (value = min + scale · byte)', async () => {
    for (const w of [await readWeightsManifest(dir, { manifestName: 'm-weights_manifest.json' }), await readWeightsManifest(join(dir, 'm-weights_manifest.json'))]) {
      expect(Array.from(await w['a/kernel']!.data())).toEqual([1, 2, 3, 4]);
      expect(Array.from(await w['a/bias']!.data())).toEqual([-1, 0, 1]);
      tf.dispose(Object.values(w));
    }
  });

  it('gives typed errors: no manifest, wrong byte count, a shard outside the folder, a missing shard, bad JSON', async () => {
    await expect(readWeightsManifest(dir, { manifestName: 'nope.json', hint: 'get it from X' })).rejects.toThrow(/get it from X/);
    await expect(readWeightsManifest(dir)).rejects.toThrow(FileNotFoundError);
    await expect(readWeightsManifest(join(dir, 'short-weights_manifest.json'))).rejects.toThrow(WeightsMismatchError);
    await expect(readWeightsManifest(join(dir, 'escape-weights_manifest.json'))).rejects.toThrow(UnsafePathError);
    await expect(readWeightsManifest(join(dir, 'missing-weights_manifest.json'))).rejects.toThrow(/gone\.bin/);
    await expect(readWeightsManifest(join(dir, 'bad-weights_manifest.json'))).rejects.toThrow(/not valid JSON/);
    await expect(readWeightsManifest('')).rejects.toThrow(/weights folder/);
  });

  it('fetches an http URL (a folder + manifest name, or the manifest) to the same tensors as the files', async () => {
    const served = await serveFolder(dir);
    const base = served.url.slice(0, -1); // no trailing '/': a folder URL either way
    try {
      expect(isWeightsUrl(base)).toBe(true);
      expect(isWeightsUrl(dir)).toBe(false);
      expect(isWeightsUrl('')).toBe(false);
      expect(isWeightsUrl('  ')).toBe(false);
      expect(isWeightsUrl(undefined as never)).toBe(false);
      for (const w of [await readWeightsManifest(base, { manifestName: 'm-weights_manifest.json' }), await readWeightsManifest(`${base}/`, { manifestName: 'm-weights_manifest.json' }), await readWeightsManifest(`${base}/m-weights_manifest.json`)]) {
        expect(Array.from(await w['a/kernel']!.data())).toEqual([1, 2, 3, 4]);
        expect(Array.from(await w['a/bias']!.data())).toEqual([-1, 0, 1]);
        tf.dispose(Object.values(w));
      }
      await expect(readWeightsManifest(base)).rejects.toThrow(InvalidArgumentError);
      await expect(readWeightsManifest(base, { manifestName: 'nope-weights_manifest.json' })).rejects.toThrow(WeightsNotFoundError);
      await expect(readWeightsManifest(`${base}/short-weights_manifest.json`)).rejects.toThrow(WeightsMismatchError);
      await expect(readWeightsManifest(`${base}/escape-weights_manifest.json`)).rejects.toThrow(UnsafePathError);
    } finally {
      await served.close();
    }
  });
});
