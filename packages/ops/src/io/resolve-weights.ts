/**
 * Weights are found, not fetched blindly. `resolveWeights(id | path | url)` looks, in order, at:
 *   1. an explicit existing path;
 *   2. every folder on CNN_WEIGHTS_PATH (`<dir>/<id>`);
 *   3. the user cache (`~/.cache/cnn`, or CNN_CACHE_DIR);
 *   4. a download from the registered URL into the cache, with progress and a sha256 check;
 * and otherwise throws a WeightsNotFoundError naming the file, every place searched and where to put it.
 * `resolveData` does the same for data sets with CNN_DATA_PATH. Node only.
 */
import { ChecksumMismatchError, InvalidArgumentError, WeightsNotFoundError } from '../errors/errors.js';
import { describeValue } from '../errors/validate.js';

export interface WeightsEntry {
  /** Folder name (e.g. 'vgg19-imagenet') or file name (e.g. 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5'). */
  id: string;
  /** Files that must be present. Default: [id] for a file id (has an extension), else ['model.json']. */
  files?: string[];
  /** Download address per file. */
  urls?: Record<string, string>;
  /** Published sha256 (hex) per file. */
  sha256?: Record<string, string>;
  description?: string;
}

export interface ResolveProgress {
  file: string;
  loaded: number;
  total?: number;
}

export interface ResolveOptions extends Omit<WeightsEntry, 'id'> {
  onProgress?: (p: ResolveProgress) => void;
  /** Default CNN_CACHE_DIR or ~/.cache/cnn. */
  cacheDir?: string;
  /** Never download (default: CNN_OFFLINE=1). */
  offline?: boolean;
  /** Folders to search instead of the environment variable. */
  searchPath?: string[];
}

const registry = new Map<string, WeightsEntry>();

/** Makes an id resolvable by name (packages register the official files they know). */
export function registerWeights(entry: WeightsEntry): void {
  if (!entry || typeof entry.id !== 'string' || entry.id.length === 0 || /[\\/]|\.\./.test(entry.id)) {
    throw new InvalidArgumentError('entry.id', 'a plain file or folder name', describeValue(entry?.id));
  }
  registry.set(entry.id, { ...entry });
}

export function registeredWeights(id: string): WeightsEntry | undefined {
  return registry.get(id);
}

const isFileId = (id: string) => /\.[a-z0-9]{1,8}$/i.test(id);

async function nodeMods() {
  return {
    fs: await import('node:fs/promises'),
    fsSync: await import('node:fs'),
    path: await import('node:path'),
    os: await import('node:os'),
    crypto: await import('node:crypto'),
  };
}

export async function defaultCacheDir(): Promise<string> {
  const { os, path } = await nodeMods();
  return process.env['CNN_CACHE_DIR'] || path.join(os.homedir(), '.cache', 'cnn');
}

async function exists(p: string): Promise<boolean> {
  const { fs } = await nodeMods();
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

async function sha256File(file: string): Promise<string> {
  const { fsSync, crypto } = await nodeMods();
  const hash = crypto.createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    fsSync
      .createReadStream(file)
      .on('data', (c) => hash.update(c))
      .on('end', () => resolve())
      .on('error', reject);
  });
  return hash.digest('hex');
}

function envPath(name: string): string[] {
  const { delimiter } = { delimiter: process.platform === 'win32' ? ';' : ':' };
  return (process.env[name] ?? '').split(delimiter).filter(Boolean);
}

function progressBar(): (p: ResolveProgress) => void {
  let last = 0;
  return (p) => {
    if (!process.stderr.isTTY) return;
    const now = Date.now();
    if (now - last < 100 && p.loaded !== p.total) return;
    last = now;
    const mb = (n: number) => (n / 1048576).toFixed(1);
    const frac = p.total ? p.loaded / p.total : 0;
    const bar = p.total ? `[${'#'.repeat(Math.round(frac * 30)).padEnd(30)}] ${(frac * 100).toFixed(0)}% ` : '';
    process.stderr.write(`\r${p.file} ${bar}${mb(p.loaded)}${p.total ? `/${mb(p.total)}` : ''} MB${p.loaded === p.total ? '\n' : ''}`);
  };
}

/** Downloads `url` to `dest` atomically, hashing as it streams; verifies `sha256` when given. */
export async function downloadFile(url: string, dest: string, options: { sha256?: string; onProgress?: (p: ResolveProgress) => void; file?: string } = {}): Promise<void> {
  const { fs, fsSync, path, crypto } = await nodeMods();
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.part`;
  const file = options.file ?? path.basename(dest);
  try {
    const res = await fetch(url);
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText} for ${url}`);
    const total = Number(res.headers.get('content-length')) || undefined;
    const hash = crypto.createHash('sha256');
    const out = fsSync.createWriteStream(tmp);
    let loaded = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      loaded += value.byteLength;
      if (!out.write(value)) await new Promise<void>((r) => out.once('drain', () => r()));
      options.onProgress?.({ file, loaded, total });
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (total !== undefined && loaded !== total) throw new Error(`download of ${url} ended after ${loaded} of ${total} bytes`);
    const digest = hash.digest('hex');
    if (options.sha256 && digest !== options.sha256.toLowerCase()) throw new ChecksumMismatchError(file, options.sha256, digest);
    await fs.rename(tmp, dest);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

async function complete(dir: string, files: string[]): Promise<boolean> {
  const { path } = await nodeMods();
  for (const f of files) if (!(await exists(path.join(dir, f)))) return false;
  return true;
}

async function resolveAny(kind: 'weights' | 'data', idOrPath: string, options: ResolveOptions): Promise<string> {
  const { path } = await nodeMods();
  if (typeof idOrPath !== 'string' || idOrPath.length === 0) throw new InvalidArgumentError('id', `a ${kind} id, a path or a URL`, describeValue(idOrPath));
  // 1. An explicit path.
  if (!/^https?:\/\//.test(idOrPath) && (path.isAbsolute(idOrPath) || idOrPath.startsWith('.') || idOrPath.includes(path.sep))) {
    if (await exists(idOrPath)) return path.resolve(idOrPath);
    throw new WeightsNotFoundError(idOrPath, [path.resolve(idOrPath)], `The ${kind} path '${idOrPath}' does not exist.`);
  }
  let id = idOrPath;
  let urls = options.urls;
  if (/^https?:\/\//.test(idOrPath)) {
    id = decodeURIComponent(new URL(idOrPath).pathname.split('/').pop() || 'download');
    urls = { [id]: idOrPath, ...urls };
  }
  if (/[\\/]|\.\./.test(id)) throw new InvalidArgumentError('id', 'a plain file or folder name', JSON.stringify(id));
  const entry = registry.get(id);
  const files = options.files ?? entry?.files ?? (isFileId(id) ? [id] : kind === 'weights' ? ['model.json'] : []);
  urls = { ...entry?.urls, ...urls };
  const sha256 = { ...entry?.sha256, ...options.sha256 };
  const single = isFileId(id) && files.length === 1 && files[0] === id;
  const searched: string[] = [];
  const envName = kind === 'weights' ? 'CNN_WEIGHTS_PATH' : 'CNN_DATA_PATH';
  // 2. The search path.
  for (const dir of options.searchPath ?? envPath(envName)) {
    const candidate = path.resolve(dir, id);
    searched.push(candidate);
    if (single ? await exists(candidate) : (await exists(candidate)) && (await complete(candidate, files))) return candidate;
  }
  // 3. The cache.
  const cacheRoot = options.cacheDir ?? (await defaultCacheDir());
  const cached = path.join(cacheRoot, id);
  searched.push(cached);
  const cacheDir = single ? cacheRoot : cached;
  if (single ? await exists(cached) : (await exists(cached)) && (await complete(cached, files))) {
    for (const f of files) {
      const want = sha256[f];
      if (want) {
        const got = await sha256File(path.join(cacheDir, f));
        if (got !== want.toLowerCase()) throw new ChecksumMismatchError(path.join(cacheDir, f), want, got);
      }
    }
    return cached;
  }
  // 4. Download.
  const offline = options.offline ?? process.env['CNN_OFFLINE'] === '1';
  const missingUrls = files.filter((f) => !urls?.[f]);
  const where = `Put ${single ? `the file '${id}'` : `the folder '${id}' (with ${files.join(', ') || 'its files'})`} in ${cacheRoot}${single ? '' : ''} or in a folder listed in ${envName}.`;
  if (files.length === 0 || missingUrls.length > 0 || offline) {
    const reason = offline ? 'Downloads are off (offline).' : files.length === 0 || missingUrls.length === files.length ? 'No download address is known for it.' : `No download address is known for ${missingUrls.join(', ')}.`;
    const from = urls && Object.keys(urls).length ? ` Download ${Object.values(urls).join(', ')} where you have internet. ` : ' ';
    throw new WeightsNotFoundError(id, searched, `Could not find ${kind} '${id}'. Searched: ${searched.join(', ') || '(nothing)'}. ${reason}${from}${where}`);
  }
  const onProgress = options.onProgress ?? progressBar();
  try {
    for (const f of files) await downloadFile(urls![f]!, path.join(cacheDir, f), { sha256: sha256[f], onProgress, file: f });
  } catch (err) {
    if (err instanceof ChecksumMismatchError) throw err;
    throw new WeightsNotFoundError(
      id,
      searched,
      `Could not find ${kind} '${id}' locally (searched ${searched.join(', ')}) and the download failed: ${(err as Error).message}. Download ${Object.values(urls!).join(', ')} where you have internet. ${where}`,
      { cause: err },
    );
  }
  return cached;
}

/** Local path of weights `id` (a folder or a file), downloading once into the cache when it must. */
export function resolveWeights(idOrPathOrUrl: string, options: ResolveOptions = {}): Promise<string> {
  return resolveAny('weights', idOrPathOrUrl, options);
}

/** Local path of data set `id` through CNN_DATA_PATH and the cache. */
export function resolveData(idOrPath: string, options: ResolveOptions = {}): Promise<string> {
  return resolveAny('data', idOrPath, { files: [], ...options });
}
