import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortedError, ChecksumMismatchError, InvalidArgumentError, WeightsNotFoundError } from '../errors/errors.js';
import { downloadFile, type DownloadProgress } from './download.js';
import { payload, payloadSha256, startTestServer, type TestServer } from './test-server.js';

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'cnn-dl-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** The folder holds exactly `names` (no .part leftovers). */
const expectFiles = async (names: string[]) => expect((await readdir(dir)).sort()).toEqual([...names].sort());

describe('downloadFile', () => {
  it('streams to disk with progress events, verifies sha256 and reports it', async () => {
    const events: DownloadProgress[] = [];
    const dest = join(dir, 'w.bin');
    const result = await downloadFile(`${server.base}/w.bin`, dest, { sha256: payloadSha256.toUpperCase(), onProgress: (p) => events.push({ ...p }) });
    expect(result).toEqual({ path: dest, sha256: payloadSha256, bytes: payload.length, url: `${server.base}/w.bin` });
    expect((await readFile(dest)).equals(payload)).toBe(true);
    expect(events[0]).toEqual({ file: 'w.bin', loaded: 0, total: payload.length });
    expect(events.at(-1)).toEqual({ file: 'w.bin', loaded: payload.length, total: payload.length });
    expect(events.length).toBeGreaterThan(2);
    expect(events.every((e, i) => i === 0 || e.loaded >= events[i - 1]!.loaded)).toBe(true);
    await expectFiles(['w.bin']);
    await rm(dest);
  });

  it('handles an unknown size (chunked) and gzip transfer encoding', async () => {
    const events: DownloadProgress[] = [];
    await downloadFile(`${server.base}/chunked.bin`, join(dir, 'c.bin'), { onProgress: (p) => events.push(p), sha256: payloadSha256 });
    expect(events.at(-1)).toEqual({ file: 'c.bin', loaded: payload.length, total: undefined });
    await downloadFile(`${server.base}/gzip.bin`, join(dir, 'z.bin'), { sha256: payloadSha256 });
    expect((await readFile(join(dir, 'z.bin'))).equals(payload)).toBe(true);
    await Promise.all(['c.bin', 'z.bin'].map((f) => rm(join(dir, f))));
  });

  it('a wrong sha256 throws ChecksumMismatchError and removes the download', async () => {
    const err = await downloadFile(`${server.base}/w.bin`, join(dir, 'bad.bin'), { sha256: '0'.repeat(64) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as Error).message).toContain(payloadSha256);
    expect((err as Error).message).toContain(`${server.base}/w.bin`);
    await expectFiles([]);
  });

  it.each([
    ['a 404', '/missing.bin', /HTTP 404 Not Found/],
    ['a connection cut mid-stream', '/cut.bin', /terminated|ended after/],
    ['a chunked connection cut mid-stream', '/cut-chunked.bin', /terminated/],
  ])('%s throws WeightsNotFoundError and leaves no file', async (_name, path, message) => {
    const err = await downloadFile(`${server.base}${path}`, join(dir, 'x.bin'), { onProgress: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsNotFoundError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(`${server.base}${path}`);
    await expectFiles([]);
  });

  it('gives up on a stalled connection and keeps the previous file', async () => {
    const dest = join(dir, 'keep.bin');
    await writeFile(dest, 'previous');
    await expect(downloadFile(`${server.base}/stall.bin`, dest, { stallTimeoutMs: 150 })).rejects.toThrow(/no data for 150 ms/);
    expect(await readFile(dest, 'utf8')).toBe('previous');
    await expectFiles(['keep.bin']);
    await rm(dest);
  });

  it('stops on abort with AbortedError and leaves no file', async () => {
    const controller = new AbortController();
    const dl = downloadFile(`${server.base}/slow.bin`, join(dir, 'slow.bin'), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.loaded >= 30_000) controller.abort();
      },
    });
    await expect(dl).rejects.toThrow(AbortedError);
    await expectFiles([]);
    await expect(downloadFile(`${server.base}/w.bin`, join(dir, 'never.bin'), { signal: AbortSignal.abort() })).rejects.toThrow(AbortedError);
    await expectFiles([]);
  });

  it('tries mirrors in order and says why each failed', async () => {
    const dest = join(dir, 'm.bin');
    const r = await downloadFile([`${server.base}/gone.bin`, `${server.base}/w.bin`], dest, { sha256: payloadSha256 });
    expect(r.url).toBe(`${server.base}/w.bin`);
    await rm(dest);
    await expect(downloadFile([`${server.base}/gone.bin`, `${server.base}/cut.bin`], dest)).rejects.toThrow(/gone\.bin: HTTP 404.*; .*cut\.bin: /);
    await expectFiles([]);
  });

  it('validates its arguments', async () => {
    await expect(downloadFile('ftp://x/y', join(dir, 'y'))).rejects.toThrow(InvalidArgumentError);
    await expect(downloadFile([], join(dir, 'y'))).rejects.toThrow(InvalidArgumentError);
    await expect(downloadFile(`${server.base}/w.bin`, join(dir, 'y'), { sha256: 'abc' })).rejects.toThrow(/64 hex digits/);
  });
});
