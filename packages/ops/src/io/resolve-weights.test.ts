import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChecksumMismatchError, InvalidArgumentError, WeightsNotFoundError } from '../errors/errors.js';
import { defaultCacheDir, resolveData, resolveWeights } from './resolve-weights.js';
import { payload, payloadSha256, startTestServer, type TestServer } from './test-server.js';
import { registerData, registerWeights } from './weights-registry.js';

const ENV_VARS = ['CNN_WEIGHTS_PATH', 'CNN_DATA_PATH', 'CNN_CACHE_DIR', 'CNN_OFFLINE'] as const;
let saved: Record<string, string | undefined>;
let server: TestServer;
let root: string;
let n = 0;
/** A fresh empty folder per call. */
const fresh = async (name: string) => {
  const d = join(root, `${name}-${++n}`);
  await mkdir(d, { recursive: true });
  return d;
};
const undo: (() => void)[] = [];

beforeAll(async () => {
  server = await startTestServer();
  root = await mkdtemp(join(tmpdir(), 'cnn-resolve-'));
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});
// Every test starts from a clean environment (CI sets these) and gets it back afterwards.
beforeEach(() => {
  saved = Object.fromEntries(ENV_VARS.map((k) => [k, process.env[k]]));
  for (const k of ENV_VARS) delete process.env[k];
});
afterEach(() => {
  for (const k of ENV_VARS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  while (undo.length) undo.pop()!();
});

const modelFolder = async (parent: string, id: string, marker: string) => {
  await mkdir(join(parent, id), { recursive: true });
  await writeFile(join(parent, id, 'model.json'), JSON.stringify({ modelTopology: { marker } }));
};

describe('resolveWeights: the search order', () => {
  it('explicit path > CNN_WEIGHTS_PATH (in order) > cache > download', async () => {
    const [a, b, cache, elsewhere] = await Promise.all(['path-a', 'path-b', 'cache', 'elsewhere'].map(fresh));
    undo.push(registerWeights({ id: 'net', files: ['model.json'], urls: { 'model.json': `${server.base}/model/model.json` } }));
    await mkdir(join(a!, 'net')); // incomplete (no model.json): skipped, and said so
    await modelFolder(b!, 'net', 'b');
    await modelFolder(cache!, 'net', 'cache');
    await modelFolder(elsewhere!, 'net', 'explicit');
    process.env['CNN_WEIGHTS_PATH'] = [a, b].join(delimiter);
    process.env['CNN_CACHE_DIR'] = cache;

    expect(await resolveWeights('net')).toBe(join(b!, 'net'));
    // An explicit path wins over everything (absolute, relative with a separator, file:// URL).
    expect(await resolveWeights(join(elsewhere!, 'net'))).toBe(join(elsewhere!, 'net'));
    expect(await resolveWeights(relative(process.cwd(), join(elsewhere!, 'net')))).toBe(join(elsewhere!, 'net'));
    expect(await resolveWeights(`file://${join(elsewhere!, 'net', 'model.json')}`)).toBe(join(elsewhere!, 'net', 'model.json'));
    // options.searchPath replaces the variable.
    expect(await resolveWeights('net', { searchPath: [elsewhere!, b!] })).toBe(join(elsewhere!, 'net'));

    await rm(join(b!, 'net'), { recursive: true });
    expect(await resolveWeights('net')).toBe(join(cache!, 'net'));

    await rm(join(cache!, 'net'), { recursive: true });
    const before = server.hits.get('/model/model.json') ?? 0;
    expect(await resolveWeights('net', { onProgress: () => {} })).toBe(join(cache!, 'net'));
    expect(server.hits.get('/model/model.json')).toBe(before + 1);
    expect(await readFile(join(cache!, 'net', 'model.json'), 'utf8')).toBe('{"modelTopology":{}}');
  });

  it('finds an unregistered id as whatever file or folder is at <dir>/<id>; the cache defaults to CNN_CACHE_DIR', async () => {
    const dir = await fresh('plain');
    await mkdir(join(dir, 'yolo-fastest'));
    await writeFile(join(dir, 'coco.names'), 'person\n');
    process.env['CNN_WEIGHTS_PATH'] = dir;
    expect(await resolveWeights('yolo-fastest')).toBe(join(dir, 'yolo-fastest'));
    expect(await resolveWeights('coco.names')).toBe(join(dir, 'coco.names'));
    process.env['CNN_CACHE_DIR'] = join(dir, 'my-cache');
    expect(await defaultCacheDir()).toBe(join(dir, 'my-cache'));
  });
});

describe('resolveWeights: downloads into the cache', () => {
  it('downloads once with progress events and a sha256 check, then serves the cache', async () => {
    const cache = await fresh('dl-cache');
    undo.push(registerWeights({ id: 'toy_weights.h5', urls: `${server.base}/w.bin`, sha256: payloadSha256 }));
    const events: number[] = [];
    const p = await resolveWeights('toy_weights.h5', { searchPath: [], cacheDir: cache, onProgress: (e) => events.push(e.loaded) });
    expect(p).toBe(join(cache, 'toy_weights.h5'));
    expect((await readFile(p)).equals(payload)).toBe(true);
    expect(events[0]).toBe(0);
    expect(events.at(-1)).toBe(payload.length);
    const hits = server.hits.get('/w.bin');
    expect(await resolveWeights('toy_weights.h5', { searchPath: [], cacheDir: cache, onProgress: () => events.push(-1) })).toBe(p);
    expect(events).not.toContain(-1);
    expect(server.hits.get('/w.bin')).toBe(hits);
  });

  it('replaces a corrupt cached copy when it can download, and reports it when offline', async () => {
    const cache = await fresh('corrupt-cache');
    undo.push(registerWeights({ id: 'c.bin', urls: `${server.base}/w.bin`, sha256: payloadSha256 }));
    await writeFile(join(cache, 'c.bin'), 'not the weights');
    await expect(resolveWeights('c.bin', { searchPath: [], cacheDir: cache, offline: true })).rejects.toThrow(ChecksumMismatchError);
    expect(await resolveWeights('c.bin', { searchPath: [], cacheDir: cache, onProgress: () => {} })).toBe(join(cache, 'c.bin'));
    expect((await readFile(join(cache, 'c.bin'))).equals(payload)).toBe(true);
    // A wrong file on the search path is an error too (verify: false skips the check).
    const dir = await fresh('wrong-on-path');
    await writeFile(join(dir, 'c.bin'), 'wrong');
    await expect(resolveWeights('c.bin', { searchPath: [dir], cacheDir: cache })).rejects.toThrow(/sha256 of '.*c\.bin'/);
    expect(await resolveWeights('c.bin', { searchPath: [dir], cacheDir: cache, verify: false })).toBe(join(dir, 'c.bin'));
  });

  it('checks md5 digests the way Keras publishes them (file_hash), on the search path, in the cache and on download', async () => {
    const payloadMd5 = createHash('md5').update(payload).digest('hex');
    const cache = await fresh('md5-cache');
    undo.push(registerWeights({ id: 'keras_style.h5', urls: `${server.base}/w.bin`, md5: payloadMd5 }));
    // Downloaded and checked.
    expect(await resolveWeights('keras_style.h5', { searchPath: [], cacheDir: cache, onProgress: () => {} })).toBe(join(cache, 'keras_style.h5'));
    expect((await readFile(join(cache, 'keras_style.h5'))).equals(payload)).toBe(true);
    // A wrong md5 rejects the download and leaves nothing behind.
    const cache2 = await fresh('md5-wrong');
    const err = (await resolveWeights('keras_style.h5', { searchPath: [], cacheDir: cache2, md5: '0'.repeat(32), onProgress: () => {} }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect(err.message).toMatch(/^md5 of /);
    expect(await readdir(cache2)).toEqual([]);
    // A wrong file on the search path is reported with its md5.
    const dir = await fresh('md5-on-path');
    await writeFile(join(dir, 'keras_style.h5'), 'wrong');
    await expect(resolveWeights('keras_style.h5', { searchPath: [dir], cacheDir: cache })).rejects.toThrow(/md5 of '.*keras_style\.h5'/);
    // An explicit path with a given md5, and a malformed digest.
    expect(await resolveWeights(join(cache, 'keras_style.h5'), { md5: payloadMd5 })).toBe(join(cache, 'keras_style.h5'));
    await expect(resolveWeights(join(dir, 'keras_style.h5'), { md5: payloadMd5 })).rejects.toThrow(ChecksumMismatchError);
    await expect(resolveWeights('keras_style.h5', { md5: 'xyz', searchPath: [dir] })).rejects.toThrow(/an md5 digest \(32 hex digits\)/);
  });

  it('completes a partly downloaded folder: keeps files that check out, fetches the rest', async () => {
    const cache = await fresh('partial');
    const modelJson = '{"modelTopology":{}}';
    const { createHash } = await import('node:crypto');
    undo.push(
      registerWeights({
        id: 'two-files',
        files: ['model.json', 'group1-shard1of1.bin'],
        urls: { 'model.json': `${server.base}/model/model.json`, 'group1-shard1of1.bin': `${server.base}/w.bin` },
        sha256: { 'model.json': createHash('sha256').update(modelJson).digest('hex'), 'group1-shard1of1.bin': payloadSha256 },
      }),
    );
    await mkdir(join(cache, 'two-files'));
    await writeFile(join(cache, 'two-files', 'model.json'), modelJson);
    const jsonHits = server.hits.get('/model/model.json') ?? 0;
    const binHits = server.hits.get('/w.bin') ?? 0;
    expect(await resolveWeights('two-files', { searchPath: [], cacheDir: cache, onProgress: () => {} })).toBe(join(cache, 'two-files'));
    expect(server.hits.get('/model/model.json') ?? 0).toBe(jsonHits);
    expect(server.hits.get('/w.bin')).toBe(binHits + 1);
    expect((await readFile(join(cache, 'two-files', 'group1-shard1of1.bin'))).equals(payload)).toBe(true);
  });

  it('resolves a URL by its file name: search path and cache first, then a download', async () => {
    const cache = await fresh('url-cache');
    const url = `${server.base}/w.bin`;
    expect(await resolveWeights(url, { searchPath: [], cacheDir: cache, sha256: payloadSha256, onProgress: () => {} })).toBe(join(cache, 'w.bin'));
    const hits = server.hits.get('/w.bin');
    expect(await resolveWeights(url, { searchPath: [], cacheDir: cache })).toBe(join(cache, 'w.bin'));
    expect(server.hits.get('/w.bin')).toBe(hits);
  });

  it('one download when several resolves ask at once', async () => {
    const cache = await fresh('together');
    const before = server.hits.get('/chunked.bin') ?? 0;
    const all = await Promise.all([1, 2, 3].map(() => resolveWeights(`${server.base}/chunked.bin`, { searchPath: [], cacheDir: cache, onProgress: () => {} })));
    expect(new Set(all)).toEqual(new Set([join(cache, 'chunked.bin')]));
    expect(server.hits.get('/chunked.bin')).toBe(before + 1);
  });

  it('a wrong checksum, a 404 and a connection cut mid-stream leave nothing in the cache', async () => {
    const cache = await fresh('bad-cache');
    const opts = { searchPath: [], cacheDir: cache, onProgress: () => {} };
    await expect(resolveWeights(`${server.base}/w.bin`, { ...opts, sha256: '0'.repeat(64) })).rejects.toThrow(ChecksumMismatchError);
    await expect(resolveWeights(`${server.base}/missing.bin`, opts)).rejects.toThrow(/The download failed: Could not download 'missing\.bin': .*HTTP 404/);
    const cut = (await resolveWeights(`${server.base}/cut.bin`, opts).catch((e: unknown) => e)) as WeightsNotFoundError;
    expect(cut).toBeInstanceOf(WeightsNotFoundError);
    expect(cut.searched).toEqual([join(cache, 'cut.bin')]);
    undo.push(registerWeights({ id: 'folder-model', files: ['model.json'], urls: { 'model.json': `${server.base}/nope/model.json` } }));
    await expect(resolveWeights('folder-model', opts)).rejects.toThrow(WeightsNotFoundError);
    expect(await readdir(cache)).toEqual([]);
  });
});

describe('resolveWeights: nothing found', () => {
  it('offline: names the file, every place searched, the URL and where to put it', async () => {
    const [x, y, cache] = await Promise.all(['x', 'y', 'c'].map(fresh));
    await mkdir(join(y!, 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5')); // a folder, not the file
    undo.push(registerWeights({ id: 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5', urls: 'https://example.invalid/keras/vgg19_notop.h5', sha256: 'b'.repeat(64) }));
    process.env['CNN_WEIGHTS_PATH'] = [x, y].join(delimiter);
    process.env['CNN_OFFLINE'] = '1';
    const err = (await resolveWeights('vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5', { cacheDir: cache }).catch((e: unknown) => e)) as WeightsNotFoundError;
    expect(err).toBeInstanceOf(WeightsNotFoundError);
    expect(err.code).toBe('WEIGHTS_NOT_FOUND');
    const file = 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5';
    expect(err.id).toBe(file);
    expect(err.searched).toEqual([join(x!, file), join(y!, file), join(cache!, file)]);
    expect(err.message).toContain(`Could not find weights '${file}'`);
    expect(err.message).toContain(`${join(x!, file)} (not found)`);
    expect(err.message).toContain(`${join(y!, file)} (not a file)`);
    expect(err.message).toContain(`${join(cache!, file)} (not found)`);
    expect(err.message).toContain('offline (CNN_OFFLINE is set)');
    expect(err.message).toContain(`To fix: download https://example.invalid/keras/vgg19_notop.h5 and put it at ${join(cache!, file)} (or into any folder listed in CNN_WEIGHTS_PATH).`);
  });

  it('no URL known: says so, says the variable is unset, and names the folder and files to provide', async () => {
    const cache = await fresh('c');
    undo.push(registerWeights({ id: 'my-model', files: ['model.json', 'group1-shard1of1.bin'] }));
    const err = (await resolveWeights('my-model', { cacheDir: cache }).catch((e: unknown) => e)) as WeightsNotFoundError;
    expect(err.message).toContain('CNN_WEIGHTS_PATH is not set.');
    expect(err.message).toContain('No download address is known for it.');
    expect(err.message).toContain(`To fix: put the folder 'my-model' (with model.json, group1-shard1of1.bin) in ${cache} or in any folder listed in CNN_WEIGHTS_PATH.`);
    await mkdir(join(cache, 'my-model'));
    await writeFile(join(cache, 'my-model', 'model.json'), '{}');
    await expect(resolveWeights('my-model', { cacheDir: cache })).rejects.toThrow('(incomplete: missing group1-shard1of1.bin)');
  });

  it('a missing explicit path, a bad id or URL are typed errors', async () => {
    const missing = join(root, 'does', 'not', 'exist');
    const err = (await resolveWeights(missing).catch((e: unknown) => e)) as WeightsNotFoundError;
    expect(err).toBeInstanceOf(WeightsNotFoundError);
    expect(err.searched).toEqual([missing]);
    await expect(resolveWeights('')).rejects.toThrow(InvalidArgumentError);
    await expect(resolveWeights('https://example.invalid/')).rejects.toThrow(/a URL that ends in a file name/);
    await expect(resolveWeights('bad\0id')).rejects.toThrow(InvalidArgumentError);
    const file = join(root, 'explicit.bin');
    await writeFile(file, payload);
    expect(await resolveWeights(file, { sha256: payloadSha256 })).toBe(file);
    await expect(resolveWeights(file, { sha256: 'c'.repeat(64) })).rejects.toThrow(ChecksumMismatchError);
    // '..' is a path (the parent folder), not an id.
    expect(await resolveWeights('..')).toBe(join(process.cwd(), '..'));
  });
});

describe('resolveData', () => {
  it('searches CNN_DATA_PATH and <cache>/data, and names CNN_DATA_PATH when nothing is found', async () => {
    const [data, cache] = await Promise.all(['data', 'c'].map(fresh));
    await mkdir(join(data!, 'raccoon', 'images'), { recursive: true });
    process.env['CNN_DATA_PATH'] = data;
    expect(await resolveData('raccoon', { cacheDir: cache })).toBe(join(data!, 'raccoon'));
    await mkdir(join(cache!, 'data', 'faces'), { recursive: true });
    expect(await resolveData('faces', { cacheDir: cache })).toBe(join(cache!, 'data', 'faces'));
    const err = (await resolveData('no-such-set', { cacheDir: cache }).catch((e: unknown) => e)) as WeightsNotFoundError;
    expect(err.message).toContain("Could not find data 'no-such-set'");
    expect(err.message).toContain(`put the folder 'no-such-set' in ${join(cache!, 'data')} or in any folder listed in CNN_DATA_PATH`);
    // Registered data sets download like weights.
    undo.push(registerData({ id: 'tiny.bin', urls: `${server.base}/w.bin`, sha256: payloadSha256 }));
    expect(await resolveData('tiny.bin', { cacheDir: cache, onProgress: () => {} })).toBe(join(cache!, 'data', 'tiny.bin'));
  });
});
