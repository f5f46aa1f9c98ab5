import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ready, UnsafePathError, WeightsMismatchError, WeightsNotFoundError } from '@cnn/ops';
import type { NDArray } from '@cnn/ops/reference';
import { expectNoLeaks, expectTensorsClose, serveFolder } from '@cnn/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFastStyle, readFastStyleManifest, writeFastStyle } from './load-fast-style.js';
import { ml5TransformForward, randomFastStyleVariables } from './reference.js';
import { transformNet } from './transform-net.js';

const FILTERS = [2, 3, 4] as const;
let root: string;

/** Writes an ml5-format folder: manifest.json + raw little-endian float32 files. */
async function writeFolder(dir: string, vars: ReadonlyMap<string, NDArray>, edit: (manifest: Record<string, { filename: string; shape: number[] }>) => void = () => {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const manifest: Record<string, { filename: string; shape: number[] }> = {};
  for (const [name, a] of vars) {
    const bytes = Buffer.alloc(a.data.length * 4);
    a.data.forEach((v, i) => bytes.writeFloatLE(v, 4 * i));
    await writeFile(join(dir, name), bytes);
    manifest[name] = { filename: name, shape: a.shape };
  }
  edit(manifest);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

beforeAll(async () => {
  await ready({ backend: 'wasm' });
  root = await mkdtemp(join(tmpdir(), 'cnn-fast-style-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadFastStyle', () => {
  it('maps ml5 variables to the layers (kernel id, shift id+1, scale id+2) and agrees with ml5’s own tf-ops forward pass', async () => {
    const vars = randomFastStyleVariables(FILTERS, 2, 21);
    const dir = join(root, 'weights', 'fast-style-test', 'tiny');
    await writeFolder(dir, vars);
    const net = await expectNoLeaks(() => loadFastStyle(dir), { allowReturned: true });
    const x = tf.randomUniform([12, 8, 3], 0, 255, 'float32', 5) as tf.Tensor3D;
    const tensors = Object.fromEntries([...vars].map(([k, a]) => [k, tf.tensor(Float32Array.from(a.data), a.shape)]));
    tf.tidy(() => {
      const expected = ml5TransformForward(x, tensors, 2);
      const got = tf.squeeze(net.predict(tf.expandDims(x, 0)) as tf.Tensor, [0]);
      expect(tf.moments(expected).variance.dataSync()[0]).toBeGreaterThan(10);
      expectTensorsClose(got, expected, { rtol: 1e-3, atol: 1e-2 });
    });
    tf.dispose([x, ...Object.values(tensors)]);
    net.dispose();
  });

  it('finds a folder by path, by nested id "fast-style-test/tiny" and by bare id on the search path', async () => {
    const searchPath = [join(root, 'weights')];
    const a = await loadFastStyle('fast-style-test/tiny', { resolve: { searchPath, offline: true } });
    expect(a.getLayer('conv1').getWeights()[0]!.shape).toEqual([9, 9, 3, 2]);
    const b = await loadFastStyle('tiny', { resolve: { searchPath: [join(root, 'weights', 'fast-style-test')], offline: true } });
    a.dispose();
    b.dispose();
    await expect(loadFastStyle('fast-style-test/nope', { resolve: { searchPath, offline: true } })).rejects.toThrow(WeightsNotFoundError);
    await expect(loadFastStyle(join(root, 'nowhere'))).rejects.toThrow(WeightsNotFoundError);
  });

  it('loads the same net from the URL of its folder (as ml5 does in a page); a short file, a climbing name, a 404 are errors', async () => {
    const dir = join(root, 'served', 'net');
    await writeFolder(dir, randomFastStyleVariables(FILTERS, 1, 5));
    const served = await serveFolder(join(root, 'served'));
    const base = served.url.slice(0, -1);
    try {
      const before = tf.memory().numTensors;
      const [fromDisk, fromUrl] = [await loadFastStyle(dir), await loadFastStyle(`${base}/net`)];
      expect(fromUrl.weights.map((w) => Array.from(w.read().dataSync()))).toEqual(fromDisk.weights.map((w) => Array.from(w.read().dataSync())));
      fromDisk.dispose();
      fromUrl.dispose();
      expect(tf.memory().numTensors).toBe(before);
      await expect(loadFastStyle(`${base}/nothing/`)).rejects.toThrow(WeightsNotFoundError);
      await writeFolder(join(root, 'served', 'short'), randomFastStyleVariables(FILTERS, 1, 5));
      await writeFile(join(root, 'served', 'short', 'Variable_3'), Buffer.alloc(8));
      await expect(loadFastStyle(`${base}/short/`)).rejects.toThrow(/Variable_3: file 'Variable_3' has 8 bytes/);
      await writeFolder(join(root, 'served', 'climb'), randomFastStyleVariables(FILTERS, 1, 5), (m) => (m['Variable_1']!.filename = '../net/Variable_1'));
      await expect(loadFastStyle(`${base}/climb/`)).rejects.toThrow(UnsafePathError);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await served.close();
    }
  });

  it('lists every mismatch in one WeightsMismatchError: wrong shape, missing variable, short file, extra variable', async () => {
    const vars = randomFastStyleVariables(FILTERS, 1, 2);
    const dir = join(root, 'bad');
    await writeFolder(dir, vars, (m) => {
      m['Variable_9']!.shape = [3, 3, 4, 5]; // a kernel of the wrong shape (its file is then too short as well)
      delete m['Variable_23']; // the last scale
      m['Variable_99'] = { filename: 'Variable_1', shape: [2] };
    });
    await writeFile(join(dir, 'Variable_7'), Buffer.alloc(8)); // conv3 shift: 2 floats instead of 4
    const before = tf.memory().numTensors;
    const err = await loadFastStyle(dir).catch((e: unknown) => e);
    expect(tf.memory().numTensors).toBe(before); // the half-built net was disposed
    expect(err).toBeInstanceOf(WeightsMismatchError);
    const message = (err as Error).message;
    // One residual block is inferred from the 24 entries; filters from the first three kernels.
    expect(message).toMatch(/Variable_9 \(res1_conv1 kernel\): shape \[3,3,4,5\] in the manifest, the layer needs \[3,3,4,4\]/);
    expect(message).toMatch(/Variable_9: file 'Variable_9' has 576 bytes, shape \[3,3,4,5\] needs 720/);
    expect(message).toMatch(/Variable_23 \(conv_out_norm gamma \[3\]\): missing/);
    expect(message).toMatch(/Variable_7: file 'Variable_7' has 8 bytes, shape \[4\] needs 16/);
    expect(message).toMatch(/Variable_99: not a variable/);
    expect(message).toMatch(/5 mismatches/);
  });

  it('a missing or malformed manifest and a file name leaving the folder are clear errors', async () => {
    await mkdir(join(root, 'empty'), { recursive: true });
    await expect(loadFastStyle(join(root, 'empty'))).rejects.toThrow(/No manifest.json/);
    await mkdir(join(root, 'json'), { recursive: true });
    await writeFile(join(root, 'json', 'manifest.json'), '{ not json');
    await expect(readFastStyleManifest(join(root, 'json'))).rejects.toThrow(WeightsMismatchError);
    await writeFile(join(root, 'json', 'manifest.json'), JSON.stringify({ Variable: { filename: 'Variable', shape: 'big' } }));
    await expect(readFastStyleManifest(join(root, 'json'))).rejects.toThrow(/entry 'Variable' must be/);
    const dir = join(root, 'escape');
    await writeFolder(dir, randomFastStyleVariables(FILTERS, 1, 3), (m) => (m['Variable_1']!.filename = '../../etc/passwd'));
    await expect(loadFastStyle(dir)).rejects.toThrow(UnsafePathError);
  });

  it('writeFastStyle writes the same format back (a trained net loads in ml5 and here)', async () => {
    const net = transformNet({ filters: FILTERS, residualBlocks: 1, seed: 9 });
    net.getLayer('conv2_norm').setWeights([tf.fill([3], 1.5), tf.fill([3], 0.25)]);
    const dir = join(root, 'written');
    await writeFastStyle(net, dir);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, { shape: number[] }>;
    expect(Object.keys(manifest)).toHaveLength(24);
    expect(manifest['Variable_15']!.shape).toEqual([3, 3, 3, 4]); // deconv1: [h, w, out, in]
    expect([...(await readFile(join(dir, 'Variable_4')))].length).toBe(12); // conv2 shift, 3 floats
    expect((await readFile(join(dir, 'Variable_5'))).readFloatLE(0)).toBe(1.5); // conv2 scale
    const back = await loadFastStyle(dir);
    tf.tidy(() => {
      const x = tf.randomUniform([1, 8, 8, 3], 0, 255, 'float32', 8);
      expectTensorsClose(back.predict(x) as tf.Tensor, net.predict(x) as tf.Tensor, { rtol: 0, atol: 0 });
    });
    back.dispose();
    net.dispose();
  });
});
