import { createServer, type Server } from 'node:http';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { AbortedError, InvalidArgumentError, UnsafePathError, WeightsMismatchError, WeightsNotFoundError } from '../errors/errors.js';
import { expectNoLeaks } from '../testing/index.js';
import { fetchJson, fetchModel, fetchWeights, folderUrl, jsonFileUrl, urlInFolder } from './fetch-weights.js';

// A uint8-quantized weight (value = min + q·scale) and a float32 one, split over two shards of unequal
// size, the way face-api and tfjs-converter ship them.
const q8 = Uint8Array.from([0, 1, 2, 127, 128, 254, 255]);
const f32 = Float32Array.from([1.5, -2.25, 3]);
const all = new Uint8Array(q8.byteLength + f32.byteLength);
all.set(q8, 0);
all.set(new Uint8Array(f32.buffer), q8.byteLength);
const weights = [
  { name: 'conv0/filters', shape: [7], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.01, min: -1.2 } },
  { name: 'conv0/bias', shape: [3], dtype: 'float32' },
];
const files: Record<string, { type: string; body: Uint8Array | string; status?: number }> = {
  '/models/face/manifest.json': { type: 'application/json', body: JSON.stringify([{ paths: ['shard1', 'shard2'], weights }]) },
  '/models/face/shard1': { type: 'application/octet-stream', body: all.subarray(0, 4) },
  '/models/face/shard2': { type: 'application/octet-stream', body: all.subarray(4) },
  '/models/shapes/model.json': { type: 'application/json', body: JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['w/model.bin'], weights }] }) },
  '/models/shapes/w/model.bin': { type: 'application/octet-stream', body: all },
  '/models/short/manifest.json': { type: 'application/json', body: JSON.stringify([{ paths: ['short.bin'], weights }]) },
  '/models/short/short.bin': { type: 'application/octet-stream', body: all.subarray(0, all.length - 1) },
  '/models/gone/manifest.json': { type: 'application/json', body: JSON.stringify([{ paths: ['gone.bin'], weights }]) },
  '/models/escape/manifest.json': { type: 'application/json', body: JSON.stringify([{ paths: ['../secret.bin'], weights }]) },
  '/models/encoded/manifest.json': { type: 'application/json', body: JSON.stringify([{ paths: ['%2e%2e/secret.bin'], weights }]) },
  '/models/secret.bin': { type: 'application/octet-stream', body: all },
  '/models/text/manifest.json': { type: 'application/json', body: '<html>not json</html>' },
  '/models/object/manifest.json': { type: 'application/json', body: '{"modelTopology":{}}' },
  '/models/escape/model.json': { type: 'application/json', body: JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['../secret.bin'], weights }] }) },
  '/models/meta/detector.json': { type: 'application/json', body: '{"format":"x","labels":["a"]}' },
};
const hits: string[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.push(path);
    const file = files[path];
    if (!file) return void res.writeHead(404, 'Not Found').end('no such file');
    res.writeHead(200, { 'content-type': file.type }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const expectWeights = (w: tf.NamedTensorMap) => {
  expect(Object.keys(w).sort()).toEqual(['conv0/bias', 'conv0/filters']);
  expect(Array.from(w['conv0/filters']!.dataSync())).toEqual(Array.from(q8, (q) => Math.fround(-1.2 + q * 0.01)));
  expect(Array.from(w['conv0/bias']!.dataSync())).toEqual([1.5, -2.25, 3]);
};

describe('fetchWeights', () => {
  it("fetches a bare manifest's shards relative to it, checks and dequantizes them", async () => {
    const w = await expectNoLeaks(() => fetchWeights(`${base}/models/face/manifest.json`), { allowReturned: true });
    expectWeights(w);
    expect(hits).toContain('/models/face/shard1');
    expect(hits).toContain('/models/face/shard2');
    tf.dispose(Object.values(w));
  });

  it("reads a model.json's weightsManifest, shards in a subfolder, and takes a URL object and a custom fetch", async () => {
    const seen: string[] = [];
    const spy: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    const w = await fetchWeights(new URL(`${base}/models/shapes/model.json`), { fetch: spy, requestInit: { cache: 'no-store' } });
    expectWeights(w);
    expect(seen).toEqual([`${base}/models/shapes/model.json`, `${base}/models/shapes/w/model.bin`]);
    tf.dispose(Object.values(w));
  });

  it('refuses a truncated shard before any tensor exists, naming the shard', async () => {
    const before = tf.memory().numTensors;
    await expect(fetchWeights(`${base}/models/short/manifest.json`)).rejects.toThrow(WeightsMismatchError);
    await expect(fetchWeights(`${base}/models/short/manifest.json`)).rejects.toThrow(/short\.bin.*18 bytes.*need 19.*truncated/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the URL that could not be fetched (HTTP status, unreachable host)', async () => {
    await expect(fetchWeights(`${base}/models/nowhere/manifest.json`)).rejects.toThrow(WeightsNotFoundError);
    await expect(fetchWeights(`${base}/models/nowhere/manifest.json`)).rejects.toThrow(/models\/nowhere\/manifest\.json': HTTP 404/);
    await expect(fetchWeights(`${base}/models/gone/manifest.json`)).rejects.toThrow(/weight shard \(group 0 .*gone\.bin': HTTP 404/);
    const failing: typeof fetch = () => Promise.reject(new TypeError('network down'));
    await expect(fetchWeights(`${base}/models/face/manifest.json`, { fetch: failing })).rejects.toThrow(/network down/);
  });

  it('keeps shards inside the manifest folder, also against percent-encoded dots', async () => {
    hits.length = 0;
    await expect(fetchWeights(`${base}/models/escape/manifest.json`)).rejects.toThrow(UnsafePathError);
    await expect(fetchWeights(`${base}/models/encoded/manifest.json`)).rejects.toThrow(UnsafePathError);
    expect(hits).not.toContain('/models/secret.bin');
  });

  it('says what is wrong with a file that is not a manifest', async () => {
    await expect(fetchWeights(`${base}/models/text/manifest.json`)).rejects.toThrow(/not valid JSON/);
    await expect(fetchWeights(`${base}/models/object/manifest.json`)).rejects.toThrow(/neither a weights manifest .* nor a model\.json/);
  });

  it('stops with AbortedError when the signal fires', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(fetchWeights(`${base}/models/face/manifest.json`, { signal: controller.signal })).rejects.toThrow(AbortedError);
    const later = new AbortController();
    const slow: typeof fetch = (input, init) => {
      later.abort();
      return fetch(input, init);
    };
    await expect(fetchWeights(`${base}/models/face/manifest.json`, { fetch: slow, signal: later.signal })).rejects.toThrow(AbortedError);
  });

  it('needs an absolute URL outside a page', async () => {
    await expect(fetchWeights('models/face/manifest.json')).rejects.toThrow(InvalidArgumentError);
  });
});

describe('fetchModel / fetchJson', () => {
  it("fetchModel is a tfjs IOHandler: model.json's topology and its checked shards as one weight buffer", async () => {
    for (const url of [`${base}/models/shapes/model.json`, `${base}/models/shapes/`, `${base}/models/shapes`]) {
      const artifacts = await fetchModel(url).load!();
      expect(artifacts.modelTopology).toEqual({});
      expect(artifacts.weightSpecs).toEqual(weights);
      expect(new Uint8Array(artifacts.weightData as ArrayBuffer)).toEqual(all);
      const w = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs!);
      expectWeights(w);
      tf.dispose(Object.values(w));
    }
    await expect(fetchModel(`${base}/models/escape/`).load!()).rejects.toThrow(UnsafePathError);
    await expect(fetchModel(`${base}/models/face/manifest.json`).load!()).rejects.toThrow(/not a tfjs model\.json/);
    await expect(fetchModel(`${base}/models/none/`).load!()).rejects.toThrow(WeightsNotFoundError);
  });

  it('fetchJson reads JSON with typed errors for HTTP failures and bad JSON', async () => {
    expect(await fetchJson(`${base}/models/meta/detector.json`)).toEqual({ format: 'x', labels: ['a'] });
    await expect(fetchJson(`${base}/models/meta/nothing.json`, { what: 'detector file' })).rejects.toThrow(/detector file .*HTTP 404/);
    await expect(fetchJson(`${base}/models/text/manifest.json`)).rejects.toThrow(WeightsMismatchError);
    await expect(fetchJson('http://[bad')).rejects.toThrow(InvalidArgumentError);
  });
});

describe('folder URLs', () => {
  it('folderUrl ends in one "/", jsonFileUrl keeps a .json URL or names the file in the folder, urlInFolder stays inside', () => {
    expect(folderUrl('http://h/models/a').href).toBe('http://h/models/a/');
    expect(folderUrl('http://h/models/a//').href).toBe('http://h/models/a/');
    expect(jsonFileUrl('http://h/m/model.json', 'x.json')).toBe('http://h/m/model.json');
    expect(jsonFileUrl('http://h/m/model.json?v=2', 'x.json')).toBe('http://h/m/model.json?v=2');
    expect(jsonFileUrl('http://h/m', 'model.json')).toBe('http://h/m/model.json');
    const folder = folderUrl('http://h/m/');
    expect(urlInFolder(folder, 'w/shard1').href).toBe('http://h/m/w/shard1');
    expect(() => urlInFolder(folder, '../secret.bin')).toThrow(UnsafePathError);
    expect(() => urlInFolder(folder, '%2e%2e/secret.bin')).toThrow(UnsafePathError);
    expect(() => urlInFolder(folder, 'http://elsewhere/x')).toThrow(UnsafePathError);
    expect(() => folderUrl('no-scheme-outside-a-page')).toThrow(InvalidArgumentError);
  });
});
