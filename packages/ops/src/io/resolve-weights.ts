/**
 * Weights are found, not fetched blindly (DESIGN decision 4). `resolveWeights(idOrPathOrUrl)` returns an
 * absolute local path, looking in order at:
 *   1. an explicit path (absolute, `./x`, `../x`, `~/x`, anything with a separator, or a file:// URL);
 *   2. `<dir>/<id>` for each dir on CNN_WEIGHTS_PATH (path-delimiter separated; `options.searchPath` instead);
 *   3. the user cache: `<cache>/<id>` with cache = options.cacheDir, CNN_CACHE_DIR or ~/.cache/cnn;
 *   4. a download of the known URL(s) into the cache — progress events, atomic, sha256- or md5-checked;
 * and otherwise throws WeightsNotFoundError naming the file, every place searched, and where to put it.
 * An id is a plain name: a file (`x.h5`) or a folder (`vgg19-imagenet-block1-3`). When the files it needs
 * are known (registry or options), a folder only counts if it holds them all.
 * `resolveData` does the same for data sets with CNN_DATA_PATH and `<cache>/data/<id>`. Node only.
 */
import { AbortedError, ChecksumMismatchError, InvalidArgumentError, WeightsNotFoundError } from '../errors/errors.js';
import { md5File, normalizeMd5, normalizeSha256, sha256File } from './checksum.js';
import { downloadFile, type DownloadProgress } from './download.js';
import { terminalProgressBar } from './progress-bar.js';
import { isPlainId, normalizeRegistryEntry, registeredData, registeredWeights, type NormalizedWeightsEntry, type WeightsUrls } from './weights-registry.js';

export type ResolveProgress = DownloadProgress;

export interface ResolveOptions {
  /** Files the id must provide (default: from the registry; else the id itself for a URL, else anything at `<dir>/<id>`). */
  files?: readonly string[];
  /** Published sha256 per file (or one digest for a single file); merged over the registry's. */
  sha256?: string | Readonly<Record<string, string>>;
  /** Published md5 per file (or one digest), as Keras publishes them; merged over the registry's. */
  md5?: string | Readonly<Record<string, string>>;
  /** Download URL(s) per file (or one URL / mirrors for a single file); merged over the registry's. */
  urls?: WeightsUrls;
  /** Download progress; default a progress bar on stderr when it is a terminal, silent otherwise. */
  onProgress?: (progress: ResolveProgress) => void;
  /** Root of the user cache (default CNN_CACHE_DIR or ~/.cache/cnn). Data sets go to `<cacheDir>/data`. */
  cacheDir?: string;
  /** Never download (default: CNN_OFFLINE is 1/true/yes). */
  offline?: boolean;
  /** Folders to search instead of CNN_WEIGHTS_PATH / CNN_DATA_PATH. */
  searchPath?: readonly string[];
  /** Check the sha256 of files found locally too, when it is known (default true; downloads are always checked). */
  verify?: boolean;
  /** Abort a download (AbortedError). */
  signal?: AbortSignal;
  /** Give up on a stalled download after this many ms without data (default 60 000). */
  stallTimeoutMs?: number;
}

type Kind = 'weights' | 'data';
const ENV: Record<Kind, string> = { weights: 'CNN_WEIGHTS_PATH', data: 'CNN_DATA_PATH' };

async function nodeMods() {
  return { fs: await import('node:fs/promises'), path: await import('node:path'), os: await import('node:os'), url: await import('node:url') };
}

function env(name: string): string | undefined {
  const v = typeof process !== 'undefined' ? process.env[name] : undefined;
  return v === undefined || v === '' ? undefined : v;
}

async function expandHome(p: string): Promise<string> {
  const { os, path } = await nodeMods();
  return p === '~' || p.startsWith('~/') || p.startsWith('~\\') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** The user cache root: CNN_CACHE_DIR, else ~/.cache/cnn. */
export async function defaultCacheDir(): Promise<string> {
  const { os, path } = await nodeMods();
  const fromEnv = env('CNN_CACHE_DIR');
  return fromEnv ? path.resolve(await expandHome(fromEnv)) : path.join(os.homedir(), '.cache', 'cnn');
}

/** The folders on CNN_WEIGHTS_PATH (or another variable), split on the platform's path delimiter. */
export async function searchPathFromEnv(name = 'CNN_WEIGHTS_PATH'): Promise<string[]> {
  const { path } = await nodeMods();
  return (env(name) ?? '').split(path.delimiter).filter((d) => d.trim().length > 0);
}

function looksLikePath(s: string): boolean {
  return /^\.{1,2}([\\/]|$)/.test(s) || s === '~' || /^~[\\/]/.test(s) || /[\\/]/.test(s) || /^[a-zA-Z]:/.test(s);
}

type Check = { found: true } | { found: false; note: string };

/** Does `candidate` provide `files`? A single-file entry (files == [id]) must be a file itself. */
async function check(candidate: string, entry: NormalizedWeightsEntry): Promise<Check> {
  const { fs, path } = await nodeMods();
  const stat = await fs.stat(candidate).catch(() => undefined);
  if (!stat) return { found: false, note: 'not found' };
  if (isSingleFile(entry)) return stat.isFile() ? { found: true } : { found: false, note: 'not a file' };
  if (entry.files.length === 0) return { found: true };
  if (!stat.isDirectory()) return { found: false, note: 'not a folder' };
  const missing: string[] = [];
  for (const f of entry.files) {
    const s = await fs.stat(path.join(candidate, ...f.split('/'))).catch(() => undefined);
    if (!s?.isFile()) missing.push(f);
  }
  return missing.length === 0 ? { found: true } : { found: false, note: `incomplete: missing ${missing.join(', ')}` };
}

const isSingleFile = (e: NormalizedWeightsEntry) => e.files.length === 1 && e.files[0] === e.id;

async function fileOf(location: string, entry: NormalizedWeightsEntry, file: string): Promise<string> {
  const { path } = await nodeMods();
  return isSingleFile(entry) ? location : path.join(location, ...file.split('/'));
}

type BadChecksum = { file: string; want: string; got: string; algorithm: 'sha256' | 'md5' };

/** Files at `location` whose sha256 or md5 is known and wrong. */
async function badChecksums(location: string, entry: NormalizedWeightsEntry): Promise<BadChecksum[]> {
  const bad: BadChecksum[] = [];
  for (const [f, want] of Object.entries(entry.sha256)) {
    const file = await fileOf(location, entry, f);
    const got = await sha256File(file).catch(() => undefined);
    if (got !== undefined && got !== want) bad.push({ file, want, got, algorithm: 'sha256' });
  }
  for (const [f, want] of Object.entries(entry.md5)) {
    const file = await fileOf(location, entry, f);
    const got = await md5File(file).catch(() => undefined);
    if (got !== undefined && got !== want && !bad.some((b) => b.file === file)) bad.push({ file, want, got, algorithm: 'md5' });
  }
  return bad;
}

/** Does a file kept from an earlier partial download match every known digest? */
async function checksOut(file: string, entry: NormalizedWeightsEntry, f: string): Promise<boolean> {
  const sha = entry.sha256[f];
  const md5 = entry.md5[f];
  return (!sha || (await sha256File(file)) === sha) && (!md5 || (await md5File(file)) === md5);
}

/** One download per destination at a time, even when several resolves ask for it at once. */
const inFlight = new Map<string, Promise<unknown>>();

/** The registry's entry for `id` overlaid with the caller's files, urls and digests. */
function mergeEntry(base: NormalizedWeightsEntry | undefined, id: string, options: ResolveOptions, fromUrl?: string): NormalizedWeightsEntry {
  const files = options.files ?? base?.files ?? (fromUrl ? [id] : undefined);
  const own = normalizeRegistryEntry(
    { id, ...(files ? { files } : {}), ...(options.urls !== undefined ? { urls: options.urls } : {}), ...(options.sha256 !== undefined ? { sha256: options.sha256 } : {}), ...(options.md5 !== undefined ? { md5: options.md5 } : {}) },
    'options',
  );
  return {
    id,
    files: own.files,
    urls: { ...base?.urls, ...(fromUrl ? { [id]: [fromUrl] } : {}), ...own.urls },
    sha256: { ...base?.sha256, ...own.sha256 },
    md5: { ...base?.md5, ...own.md5 },
    ...(base?.description !== undefined ? { description: base.description } : {}),
  };
}

async function resolveAny(kind: Kind, input: string, options: ResolveOptions): Promise<string> {
  const { fs, path, url: nodeUrl } = await nodeMods();
  if (typeof input !== 'string' || input.trim().length === 0) {
    throw new InvalidArgumentError(kind === 'weights' ? 'idOrPathOrUrl' : 'idOrPath', `a ${kind} id, a path or an http(s) URL`, JSON.stringify(input) ?? String(input));
  }
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an object', String(options));
  const verify = options.verify ?? true;
  let raw = input;
  if (/^file:\/\//i.test(raw)) raw = nodeUrl.fileURLToPath(raw);

  // 1. An explicit path: used as is, never searched for elsewhere.
  if (!/^https?:\/\//i.test(raw) && looksLikePath(raw)) {
    const abs = path.resolve(await expandHome(raw));
    const stat = await fs.stat(abs).catch(() => undefined);
    if (!stat) throw new WeightsNotFoundError(input, [abs], `The ${kind} path '${input}' does not exist (looked at ${abs}). Check the path, or pass a bare id to search ${ENV[kind]} and the cache.`);
    const given = typeof options.sha256 === 'string' ? options.sha256 : options.sha256?.[path.basename(abs)];
    if (verify && given !== undefined && stat.isFile()) {
      const want = normalizeSha256(given, 'options.sha256');
      const got = await sha256File(abs);
      if (got !== want) throw new ChecksumMismatchError(abs, want, got);
    }
    const givenMd5 = typeof options.md5 === 'string' ? options.md5 : options.md5?.[path.basename(abs)];
    if (verify && givenMd5 !== undefined && stat.isFile()) {
      const want = normalizeMd5(givenMd5, 'options.md5');
      const got = await md5File(abs);
      if (got !== want) throw new ChecksumMismatchError(abs, want, got, 'md5');
    }
    return abs;
  }

  let id = raw;
  let fromUrl: string | undefined;
  if (/^https?:\/\//i.test(raw)) {
    let name: string;
    try {
      name = decodeURIComponent(new URL(raw).pathname.split('/').pop() ?? '');
    } catch {
      name = '';
    }
    if (!isPlainId(name)) throw new InvalidArgumentError('idOrPathOrUrl', 'a URL that ends in a file name', JSON.stringify(raw), 'Register an id with registerWeights({ id, urls }) for URLs without one.');
    id = name;
    fromUrl = raw;
  }
  if (!isPlainId(id)) throw new InvalidArgumentError('id', 'a plain file or folder name', JSON.stringify(id));
  const entry = mergeEntry(kind === 'weights' ? registeredWeights(id) : registeredData(id), id, options, fromUrl);
  const single = isSingleFile(entry);
  const searched: string[] = [];
  const notes: string[] = [];
  const envName = ENV[kind];

  // 2. The search path.
  const dirs = options.searchPath ? [...options.searchPath] : await searchPathFromEnv(envName);
  for (const dir of dirs) {
    const candidate = path.join(path.resolve(await expandHome(dir)), id);
    const c = await check(candidate, entry);
    searched.push(candidate);
    if (c.found) {
      const bad = verify ? await badChecksums(candidate, entry) : [];
      if (bad[0]) throw new ChecksumMismatchError(bad[0].file, bad[0].want, bad[0].got, bad[0].algorithm);
      return candidate;
    }
    notes.push(`${candidate} (${c.note})`);
  }

  // 3. The cache.
  const cacheRoot = options.cacheDir !== undefined ? path.resolve(await expandHome(options.cacheDir)) : await defaultCacheDir();
  const cacheBase = kind === 'data' ? path.join(cacheRoot, 'data') : cacheRoot;
  const cached = path.join(cacheBase, id);
  searched.push(cached);
  const offline = options.offline ?? /^(1|true|yes)$/i.test(env('CNN_OFFLINE') ?? '');
  const needed = entry.files;
  const canDownload = !offline && needed.length > 0 && needed.every((f) => entry.urls[f]?.length);
  const c = await check(cached, entry);
  if (c.found) {
    const bad = verify ? await badChecksums(cached, entry) : [];
    if (bad.length === 0) return cached;
    // A corrupt cached copy is ours to replace when we can fetch a good one; otherwise say so.
    if (!canDownload) throw new ChecksumMismatchError(bad[0]!.file, bad[0]!.want, bad[0]!.got, bad[0]!.algorithm);
    await Promise.all(bad.map((b) => fs.rm(b.file, { force: true })));
  } else {
    notes.push(`${cached} (${c.note})`);
  }

  // 4. Download into the cache.
  const urlList = [...new Set(needed.flatMap((f) => entry.urls[f] ?? []))];
  const where = single
    ? `${cached} (or into any folder listed in ${envName})`
    : `the folder '${id}'${needed.length ? ` (with ${needed.join(', ')})` : ''} in ${cacheBase} or in any folder listed in ${envName}`;
  const envNote = options.searchPath ? '' : dirs.length === 0 ? ` ${envName} is not set.` : '';
  const header = `Could not find ${kind} '${id}'.\nSearched:\n  ${notes.join('\n  ')}${envNote ? `\n${envNote.trim()}` : ''}`;
  if (!canDownload) {
    const why = offline
      ? `Not downloading: offline (${options.offline !== undefined ? 'options.offline' : 'CNN_OFFLINE'} is set).`
      : needed.length === 0 || urlList.length === 0
        ? 'No download address is known for it.'
        : `No download address is known for ${needed.filter((f) => !entry.urls[f]?.length).join(', ')}.`;
    const fix = urlList.length
      ? `To fix: download ${urlList.join(' and ')} and put ${single ? 'it at' : 'the files into'} ${where}.`
      : `To fix: put ${single ? 'the file at ' : ''}${where}.`;
    throw new WeightsNotFoundError(id, searched, `${header}\n${why}\n${fix}`);
  }

  const bar = options.onProgress ? undefined : terminalProgressBar();
  const onProgress = options.onProgress ?? bar!;
  const folderCreated = !single && !(await fs.stat(cached).catch(() => undefined));
  try {
    for (const f of needed) {
      const dest = await fileOf(cached, entry, f);
      // A file kept from an earlier, partial download of this folder: keep it if it checks out.
      if (!single && (await fs.stat(dest).catch(() => undefined))?.isFile()) {
        if (!verify || (await checksOut(dest, entry, f))) continue;
        await fs.rm(dest, { force: true });
      }
      let job = inFlight.get(dest);
      if (!job) {
        job = downloadFile(entry.urls[f]!, dest, {
          file: f,
          onProgress,
          ...(entry.sha256[f] ? { sha256: entry.sha256[f] } : {}),
          ...(entry.md5[f] ? { md5: entry.md5[f] } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.stallTimeoutMs !== undefined ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
        }).finally(() => inFlight.delete(dest));
        inFlight.set(dest, job);
      }
      await job;
    }
  } catch (err) {
    if (folderCreated) await fs.rmdir(cached).catch(() => undefined); // only if still empty
    if (err instanceof ChecksumMismatchError || err instanceof AbortedError) throw err;
    throw new WeightsNotFoundError(
      id,
      searched,
      `${header}\nThe download failed: ${(err as Error).message}\nTo fix: check the network (or a proxy), or download ${urlList.join(' and ')} yourself and put ${single ? 'it at' : 'the files into'} ${where}.`,
      { cause: err },
    );
  } finally {
    bar?.finish();
  }
  return cached;
}

/** The local path of weights `idOrPathOrUrl` (a file or a folder), downloading once into the cache if it must. */
export function resolveWeights(idOrPathOrUrl: string, options: ResolveOptions = {}): Promise<string> {
  return resolveAny('weights', idOrPathOrUrl, options);
}

/** The local path of data set `idOrPath` through CNN_DATA_PATH and `<cache>/data` (downloads only with URLs). */
export function resolveData(idOrPath: string, options: ResolveOptions = {}): Promise<string> {
  return resolveAny('data', idOrPath, options);
}
