import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { ChecksumMismatchError, FileNotFoundError, UnsafePathError, WeightsMismatchError, WeightsNotFoundError } from '../errors/errors.js';
import { expectNoLeaks } from '../testing/index.js';
import { writeFileAtomic } from './atomic-write.js';
import { fileSystem } from './file-system-handler.js';
import { registerWeights, resolveData, resolveWeights } from './resolve-weights.js';
import { decodeWeightsManifest } from './weights-manifest.js';

let dir: string;
let server: Server;
let base: string;
const payload = Buffer.from(Array.from({ length: 50_000 }, (_, i) => i % 251));
const payloadSha = createHash('sha256').update(payload).digest('hex');

beforeAll(async () => {
  await ready();
  dir = await mkdtemp(join(tmpdir(), 'cnn-io-'));
  server = createServer((req, res) => {
    if (req.url === '/w.bin') {
      res.writeHead(200, { 'content-length': String(payload.length) });
      res.end(payload);
    } else if (req.url === '/cut.bin') {
      res.writeHead(200, { 'content-length': String(payload.length) });
      res.write(payload.subarray(0, 1000));
      setTimeout(() => res.destroy(), 20);
    } else {
      res.writeHead(404);
      res.end('no');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** A tiny "model": topology + three weights. */
function artifacts(scale = 1): tf.io.ModelArtifacts {
  const a = new Float32Array([1, 2, 3, 4, 5, 6].map((v) => v * scale));
  const b = new Int32Array([7, 8]);
  return {
    modelTopology: { class_name: 'Toy', config: { scale } },
    format: 'layers-model',
    weightSpecs: [
      { name: 'dense/kernel', shape: [2, 3], dtype: 'float32' },
      { name: 'dense/count', shape: [2], dtype: 'int32' },
    ],
    weightData: tf.io.concatenateArrayBuffers([a.buffer, b.buffer]),
  };
}

describe('fileSystem IOHandler', () => {
  it('save -> load round-trips topology and weights bit for bit', async () => {
    const target = join(dir, 'toy');
    await fileSystem(target).save(artifacts());
    const loaded = await fileSystem(target).load();
    expect(loaded.modelTopology).toEqual({ class_name: 'Toy', config: { scale: 1 } });
    expect(loaded.weightSpecs?.map((w) => w.name)).toEqual(['dense/kernel', 'dense/count']);
    expect(Buffer.compare(Buffer.from(loaded.weightData as ArrayBuffer), Buffer.from(artifacts().weightData as ArrayBuffer))).toBe(0);
    expect((await fileSystem(join(target, 'model.json')).load()).format).toBe('layers-model');
  });

  it('round-trips a graph model (format, signature, user metadata)', async () => {
    const target = join(dir, 'graph');
    const graph: tf.io.ModelArtifacts = {
      modelTopology: { node: [{ name: 'x', op: 'Placeholder' }, { name: 'w', op: 'Const' }, { name: 'y', op: 'MatMul', input: ['x', 'w'] }] },
      format: 'graph-model',
      generatedBy: '2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      signature: { inputs: { x: { name: 'x:0' } }, outputs: { y: { name: 'y:0' } } },
      userDefinedMetadata: { labels: ['cat', 'dog'] },
      weightSpecs: [{ name: 'w', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 0.5 } }],
      weightData: Uint8Array.from([0, 1, 2, 3]).buffer,
    };
    await fileSystem(target).save(graph);
    const back = await fileSystem(target).load();
    expect(back.format).toBe('graph-model');
    expect(back.modelTopology).toEqual(graph.modelTopology);
    expect(back.signature).toEqual(graph.signature);
    expect(back.userDefinedMetadata).toEqual({ labels: ['cat', 'dog'] });
    const w = tf.io.decodeWeights(back.weightData!, back.weightSpecs!);
    expect(Array.from(w['w']!.dataSync())).toEqual([0, 0.5, 1, 1.5]);
    tf.dispose(Object.values(w));
  });

  it('overwrites atomically: a failing save keeps the old model and leaves no temp folders', async () => {
    const target = join(dir, 'safe');
    await fileSystem(target).save(artifacts(1));
    await writeFile(join(target, 'labels.txt'), 'cat\ndog\n');
    const broken = { ...artifacts(2), weightData: 42 as never };
    await expect(fileSystem(target).save(broken)).rejects.toThrow();
    const loaded = await fileSystem(target).load();
    expect((loaded.modelTopology as { config: { scale: number } }).config.scale).toBe(1);
    await fileSystem(target).save(artifacts(3));
    expect((((await fileSystem(target).load()).modelTopology) as { config: { scale: number } }).config.scale).toBe(3);
    expect(await readFile(join(target, 'labels.txt'), 'utf8')).toBe('cat\ndog\n');
    expect((await readdir(dir)).filter((f) => f.includes('.saving-') || f.includes('.old-'))).toEqual([]);
  });

  it('rejects manifest paths that escape the folder, missing and short shards', async () => {
    const m = join(dir, 'evil');
    await mkdir(m, { recursive: true });
    const json = (paths: string[]) => JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths, weights: [{ name: 'w', shape: [2], dtype: 'float32' }] }] });
    for (const p of ['../secret.bin', '/etc/passwd', 'C:\\x.bin']) {
      await writeFile(join(m, 'model.json'), json([p]));
      await expect(fileSystem(m).load()).rejects.toThrow(UnsafePathError);
    }
    await writeFile(join(m, 'model.json'), json(['w.bin']));
    await expect(fileSystem(m).load()).rejects.toThrow(FileNotFoundError);
    await writeFile(join(m, 'w.bin'), Buffer.alloc(4));
    await expect(fileSystem(m).load()).rejects.toThrow(WeightsMismatchError);
    await expect(fileSystem(join(dir, 'nope')).load()).rejects.toThrow(FileNotFoundError);
  });
});

describe('decodeWeightsManifest', () => {
  it('dequantizes uint8, uint16 and float16 like the hand formula value = min + q·scale', async () => {
    const q8 = Uint8Array.from([0, 1, 128, 255]);
    const q16 = Uint16Array.from([0, 1000, 65535]);
    // float16 bit patterns: 1.0 = 0x3c00, -2.0 = 0xc000, 0.5 = 0x3800, 65504 = 0x7bff
    const f16 = Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x7bff]);
    const manifest: tf.io.WeightsManifestConfig = [
      {
        paths: ['a'],
        weights: [
          { name: 'u8', shape: [4], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 0.01 } },
          { name: 'u16', shape: [3], dtype: 'float32', quantization: { dtype: 'uint16', min: 0.5, scale: 0.001 } },
        ],
      },
      { paths: ['b'], weights: [{ name: 'f16', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'float16' } }] },
    ];
    const decoded = await expectNoLeaks(() => decodeWeightsManifest(manifest, [[q8.buffer, q16.buffer], f16.buffer]), { allowReturned: true });
    const close = (t: tf.Tensor, want: number[]) => Array.from(t.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    close(decoded['u8']!, [-1, -0.99, 0.28, 1.55]);
    close(decoded['u16']!, [0.5, 1.5, 0.5 + 65.535]);
    close(decoded['f16']!, [1, -2, 0.5, 65504]);
    tf.dispose(Object.values(decoded));
    expect(() => decodeWeightsManifest(manifest, [q8.buffer, f16.buffer])).toThrow(/group 0/);
    expect(() => decodeWeightsManifest(manifest, [q8.buffer])).toThrow(WeightsMismatchError);
  });
});

describe('resolveWeights', () => {
  it('searches explicit path > CNN_WEIGHTS_PATH > cache, in that order', async () => {
    const a = join(dir, 'path-a');
    const b = join(dir, 'path-b');
    const cache = join(dir, 'cache');
    await mkdir(join(b, 'net'), { recursive: true });
    await writeFile(join(b, 'net', 'model.json'), '{}');
    await mkdir(join(cache, 'net'), { recursive: true });
    await writeFile(join(cache, 'net', 'model.json'), '{}');
    await mkdir(join(a, 'net'), { recursive: true }); // incomplete (no model.json): skipped
    expect(await resolveWeights('net', { searchPath: [a, b], cacheDir: cache })).toBe(join(b, 'net'));
    expect(await resolveWeights('net', { searchPath: [a], cacheDir: cache })).toBe(join(cache, 'net'));
    expect(await resolveWeights(join(a, 'net'), { cacheDir: cache })).toBe(join(a, 'net'));
    const saved = process.env['CNN_WEIGHTS_PATH'];
    process.env['CNN_WEIGHTS_PATH'] = `${a}:${b}`;
    try {
      expect(await resolveWeights('net', { cacheDir: join(dir, 'empty-cache') })).toBe(join(b, 'net'));
    } finally {
      if (saved === undefined) delete process.env['CNN_WEIGHTS_PATH'];
      else process.env['CNN_WEIGHTS_PATH'] = saved;
    }
  });

  it('downloads once into the cache with progress and a sha256 check', async () => {
    const cache = join(dir, 'dl-cache');
    registerWeights({ id: 'toy.bin', urls: { 'toy.bin': `${base}/w.bin` }, sha256: { 'toy.bin': payloadSha } });
    const events: number[] = [];
    const p = await resolveWeights('toy.bin', { searchPath: [], cacheDir: cache, onProgress: (e) => events.push(e.loaded) });
    expect(p).toBe(join(cache, 'toy.bin'));
    expect(Buffer.compare(await readFile(p), payload)).toBe(0);
    expect(events.at(-1)).toBe(payload.length);
    // second time: from the cache, no download
    expect(await resolveWeights('toy.bin', { searchPath: [], cacheDir: cache, onProgress: () => events.push(-1) })).toBe(p);
    expect(events).not.toContain(-1);
  });

  it('wrong checksum, 404 and a connection cut mid-stream leave no file behind', async () => {
    const cache = join(dir, 'bad-cache');
    await expect(resolveWeights(`${base}/w.bin`, { searchPath: [], cacheDir: cache, sha256: { 'w.bin': '0'.repeat(64) }, onProgress: () => {} })).rejects.toThrow(ChecksumMismatchError);
    await expect(resolveWeights(`${base}/missing.bin`, { searchPath: [], cacheDir: cache, onProgress: () => {} })).rejects.toThrow(/HTTP 404/);
    await expect(resolveWeights(`${base}/cut.bin`, { searchPath: [], cacheDir: cache, onProgress: () => {} })).rejects.toThrow(WeightsNotFoundError);
    expect(await readdir(cache).catch(() => [])).toEqual([]);
  });

  it('offline and nothing found: the error names the file, the places searched and where to put it', async () => {
    registerWeights({ id: 'big.h5', urls: { 'big.h5': 'https://example.invalid/big.h5' } });
    const err = (await resolveWeights('big.h5', { searchPath: [join(dir, 'x')], cacheDir: join(dir, 'c2'), offline: true }).catch((e: unknown) => e)) as WeightsNotFoundError;
    expect(err).toBeInstanceOf(WeightsNotFoundError);
    expect(err.message).toContain("'big.h5'");
    expect(err.message).toContain(join(dir, 'x', 'big.h5'));
    expect(err.message).toContain('https://example.invalid/big.h5');
    expect(err.message).toMatch(/Put the file 'big.h5' in .*c2 or in a folder listed in CNN_WEIGHTS_PATH/);
    await expect(resolveData('no-such-set', { searchPath: [dir] })).rejects.toThrow(/CNN_DATA_PATH/);
    expect(() => registerWeights({ id: '../x' })).toThrow(/entry.id/);
  });

  it('writeFileAtomic replaces files whole', async () => {
    const f = join(dir, 'atomic.txt');
    await writeFileAtomic(f, 'one');
    await writeFileAtomic(f, 'two');
    expect(await readFile(f, 'utf8')).toBe('two');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
