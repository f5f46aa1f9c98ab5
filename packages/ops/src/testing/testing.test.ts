import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { defaultTolerance, expectNoLeaks, expectTensorsClose, maxRelativeError, serveFolder, testBackends } from './index.js';

describe('@cnn/ops/testing helpers can fail', () => {
  beforeAll(async () => {
    await ready();
  });

  it('expectTensorsClose passes within tolerance and throws outside it, naming the element', () => {
    expectTensorsClose([1, 2, 3], [1, 2, 3.0001], { rtol: 1e-4 });
    expect(() => expectTensorsClose([1, 2, 3], [1, 2, 3.01])).toThrow(/flat index 2/);
    expect(() => expectTensorsClose(tf.zeros([2, 2]), tf.zeros([4]))).toThrow();
    expect(() => expectTensorsClose([Number.NaN], [0])).toThrow();
    expect(defaultTolerance()).toBe(1e-4);
  });

  it('expectNoLeaks fails when a tensor is left behind', async () => {
    let leaked: tf.Tensor | undefined;
    await expect(
      expectNoLeaks(() => {
        leaked = tf.ones([2]);
      }),
    ).rejects.toThrow(/leaked/);
    leaked?.dispose();
    const kept = await expectNoLeaks(() => tf.ones([3]), { allowReturned: true });
    expect(kept.shape).toEqual([3]);
    kept.dispose();
  });

  it('maxRelativeError and testBackends', () => {
    expect(maxRelativeError([2, 4], [2, 5])).toBeCloseTo(0.2, 12);
    expect(testBackends().length).toBeGreaterThan(0);
  });
});

describe('serveFolder', () => {
  it('serves the folder\'s files, records what was asked, 404 for anything else or outside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cnn-serve-'));
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'a.bin'), Uint8Array.from([1, 2, 3]));
    await writeFile(join(dir, '..', 'cnn-serve-outside.txt'), 'secret');
    const served = await serveFolder(dir);
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const ok = await fetch(`${served.url}sub/a.bin`);
      expect(ok.status).toBe(200);
      expect(Array.from(new Uint8Array(await ok.arrayBuffer()))).toEqual([1, 2, 3]);
      expect((await fetch(`${served.url}sub/missing`)).status).toBe(404);
      // URL parsing removes '..' segments, but an encoded slash ('..%2F') becomes one after decoding.
      const { get } = await import('node:http');
      const raw = await new Promise<number>((done) => get({ host: '127.0.0.1', port: new URL(served.url).port, path: '/..%2Fcnn-serve-outside.txt' }, (res) => (res.resume(), done(res.statusCode!))));
      expect(raw).toBe(404);
      expect(served.hits).toEqual(['/sub/a.bin', '/sub/missing', '/../cnn-serve-outside.txt']);
    } finally {
      await served.close();
      await rm(dir, { recursive: true, force: true });
      await rm(join(dir, '..', 'cnn-serve-outside.txt'), { force: true });
    }
  });
});
