/**
 * Downloads over http(s) with Node's global `fetch` (Node only), streamed to disk. A download is written to
 * `<dest>.<pid>.<random>.part` beside the target, hashed while it streams, fsynced, and renamed over `dest`
 * only when it is complete (Content-Length reached) and its sha256 matches; any failure — HTTP error, a
 * connection cut mid-stream, a stall, a wrong checksum, an abort — removes the partial file, so `dest` is
 * either absent, the previous file, or the whole verified new one. Mirrors are tried in order.
 */
import { AbortedError, ChecksumMismatchError, InvalidArgumentError, WeightsNotFoundError } from '../errors/errors.js';
import { normalizeMd5, normalizeSha256 } from './checksum.js';

export interface DownloadProgress {
  /** The file being fetched (its name, or the label passed as `file`). */
  file: string;
  /** Bytes received so far. */
  loaded: number;
  /** Bytes expected (Content-Length), when the server says. */
  total?: number;
}

export interface DownloadOptions {
  /** Published sha256 (hex): the download is rejected (and deleted) unless it matches. */
  sha256?: string;
  /** Published md5 (hex), as Keras publishes for its weights: checked like `sha256`. */
  md5?: string;
  /** Called with the bytes received, once at the start (loaded 0) and after every chunk. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Name shown in progress events and errors (default: the file name of `dest`). */
  file?: string;
  /** Stops the download (AbortedError); the partial file is removed. */
  signal?: AbortSignal;
  /** Give up on a URL when no bytes arrive for this long, in ms (default 60 000). */
  stallTimeoutMs?: number;
}

export interface DownloadResult {
  path: string;
  sha256: string;
  bytes: number;
  url: string;
}

/** An HTTP answer that is not 2xx, kept apart so the message can say "HTTP 404 Not Found". */
class HttpStatus extends Error {}

function reason(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause ? ` (${e.cause.code ?? e.cause.message})` : '';
  return `${e?.message ?? String(err)}${cause}`;
}

async function fetchOnce(url: string, dest: string, file: string, options: DownloadOptions): Promise<DownloadResult> {
  const fs = await import('node:fs/promises');
  const { createHash, randomBytes } = await import('node:crypto');
  const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  const controller = new AbortController();
  const forwardAbort = () => controller.abort();
  options.signal?.addEventListener('abort', forwardAbort, { once: true });
  const stallMs = options.stallTimeoutMs ?? 60_000;
  let stalled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, stallMs);
  };
  let handle: import('node:fs/promises').FileHandle | undefined;
  try {
    if (options.signal?.aborted) throw new AbortedError(`download of ${url}`);
    arm();
    const res = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    if (!res.ok) throw new HttpStatus(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    if (!res.body) throw new Error('the response has no body');
    // fetch decompresses gzip/br, so Content-Length then counts other bytes than we receive.
    const encoding = res.headers.get('content-encoding');
    const length = res.headers.get('content-length');
    const total = length !== null && (!encoding || encoding === 'identity') && /^\d+$/.test(length) ? Number(length) : undefined;
    handle = await fs.open(tmp, 'wx');
    const hash = createHash('sha256');
    const md5 = options.md5 !== undefined ? createHash('md5') : undefined;
    let loaded = 0;
    options.onProgress?.({ file, loaded, total });
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arm();
      hash.update(value);
      md5?.update(value);
      for (let off = 0; off < value.byteLength; ) off += (await handle.write(value, off, value.byteLength - off)).bytesWritten;
      loaded += value.byteLength;
      options.onProgress?.({ file, loaded, total });
    }
    clearTimeout(timer);
    if (total !== undefined && loaded !== total) throw new Error(`the connection ended after ${loaded} of ${total} bytes`);
    await handle.sync();
    await handle.close();
    handle = undefined;
    const digest = hash.digest('hex');
    if (options.sha256 !== undefined && digest !== options.sha256) throw new ChecksumMismatchError(`${file}' (from '${url}`, options.sha256, digest);
    const md5Digest = md5?.digest('hex');
    if (options.md5 !== undefined && md5Digest !== options.md5) throw new ChecksumMismatchError(`${file}' (from '${url}`, options.md5, md5Digest ?? '', 'md5');
    await fs.rename(tmp, dest);
    return { path: dest, sha256: digest, bytes: loaded, url };
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    if (options.signal?.aborted) throw new AbortedError(`download of ${url}`);
    if (stalled) throw new Error(`no data for ${stallMs} ms`, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', forwardAbort);
  }
}

/**
 * Downloads `url` (or the first of several mirrors that works) to `dest`, atomically. Throws
 * ChecksumMismatchError when a copy arrived but its sha256 is wrong, AbortedError on abort, and otherwise
 * WeightsNotFoundError listing every URL tried and why it failed.
 */
export async function downloadFile(url: string | readonly string[], dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const { mkdir } = await import('node:fs/promises');
  const { basename, dirname } = await import('node:path');
  const urls = typeof url === 'string' ? [url] : [...url];
  if (urls.length === 0) throw new InvalidArgumentError('url', 'an http(s) URL or a list of mirrors', 'an empty list');
  for (const u of urls) {
    if (typeof u !== 'string' || !/^https?:\/\//i.test(u)) throw new InvalidArgumentError('url', 'an http:// or https:// URL', typeof u === 'string' ? JSON.stringify(u) : typeof u);
  }
  const opts: DownloadOptions = {
    ...options,
    ...(options.sha256 !== undefined ? { sha256: normalizeSha256(options.sha256, 'options.sha256') } : {}),
    ...(options.md5 !== undefined ? { md5: normalizeMd5(options.md5, 'options.md5') } : {}),
  };
  const file = options.file ?? basename(dest);
  await mkdir(dirname(dest), { recursive: true });
  const failures: string[] = [];
  let badChecksum: ChecksumMismatchError | undefined;
  let last: unknown;
  for (const u of urls) {
    try {
      return await fetchOnce(u, dest, file, opts);
    } catch (err) {
      if (err instanceof AbortedError) throw err;
      if (err instanceof ChecksumMismatchError) badChecksum ??= err;
      failures.push(`${u}: ${err instanceof ChecksumMismatchError ? 'wrong checksum' : reason(err)}`);
      last = err;
    }
  }
  // A copy that arrived but is not the published file says more than a 404 from a mirror.
  if (badChecksum) throw badChecksum;
  throw new WeightsNotFoundError(file, urls, `Could not download '${file}': ${failures.join('; ')}.`, { cause: last });
}
