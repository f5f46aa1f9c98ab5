import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { WeightsMismatchError } from '../errors/errors.js';
import { expectNoLeaks } from '../testing/index.js';
import { fileSystem } from './file-system-handler.js';
import { loadWeights } from './load-weights.js';

let dir: string;
beforeAll(async () => {
  await ready({ backend: 'cpu' });
  dir = await mkdtemp(join(tmpdir(), 'cnn-loadw-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('loadWeights', () => {
  it('resolves, reads and decodes a model folder into named tensors without leaking', async () => {
    const kernel = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
    const q = Uint8Array.from([0, 128, 255, 7]);
    await fileSystem(join(dir, 'toy'), { shardSizeBytes: 20 }).save({
      modelTopology: {},
      weightSpecs: [
        { name: 'block1_conv1/kernel', shape: [1, 1, 3, 4], dtype: 'float32' },
        { name: 'block1_conv1/bias', shape: [4], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 1 / 128 } },
      ],
      weightData: [kernel.buffer, q.buffer],
    });
    const w = await expectNoLeaks(() => loadWeights(join(dir, 'toy')), { allowReturned: true });
    expect(Object.keys(w)).toEqual(['block1_conv1/kernel', 'block1_conv1/bias']);
    expect(w['block1_conv1/kernel']!.shape).toEqual([1, 1, 3, 4]);
    expect(Array.from(w['block1_conv1/kernel']!.dataSync())).toEqual(Array.from(kernel));
    expect(Array.from(w['block1_conv1/bias']!.dataSync())).toEqual(Array.from(q, (v) => Math.fround(-1 + v / 128)));
    tf.dispose(Object.values(w));
    // By id through the search path, too.
    const byId = await loadWeights('toy', { searchPath: [dir], cacheDir: join(dir, 'cache') });
    expect(Object.keys(byId)).toHaveLength(2);
    tf.dispose(Object.values(byId));
  });

  it('a broken model creates no tensors', async () => {
    await expectNoLeaks(async () => {
      await expect(loadWeights(join(dir, 'missing'))).rejects.toThrow();
      await fileSystem(join(dir, 'bad')).save({ modelTopology: {}, weightSpecs: [{ name: 'w', shape: [2], dtype: 'float32' }], weightData: new ArrayBuffer(8) });
      const { writeFile, readdir } = await import('node:fs/promises');
      const shard = (await readdir(join(dir, 'bad'))).find((f) => f.endsWith('.bin'))!;
      await writeFile(join(dir, 'bad', shard), Buffer.alloc(6));
      await expect(loadWeights(join(dir, 'bad'))).rejects.toThrow(WeightsMismatchError);
    });
  });
});
