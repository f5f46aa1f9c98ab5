/**
 * Known weights and data sets, by id. Packages register the official files they can use, e.g.
 *   registerWeights({
 *     id: 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5',
 *     urls: 'https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5',
 *     sha256: '…',
 *   });
 * and `resolveWeights(id)` then knows where to download it from and how to check it. An id is a file
 * (`files` omitted or `[id]`) or a folder holding `files` (e.g. a tfjs model: model.json + shards).
 * No Node modules here.
 */
import { InvalidArgumentError } from '../errors/errors.js';
import { normalizeMd5, normalizeSha256 } from './checksum.js';
import { safeRelativePath } from './safe-path.js';

/** Download addresses: one URL or mirrors for a single-file entry, or per file (each a URL or mirrors). */
export type WeightsUrls = string | readonly string[] | Readonly<Record<string, string | readonly string[]>>;

export interface WeightsEntry {
  /** A plain file name (`x.h5`) or folder name (`vgg19-imagenet-block1-3`): what is looked for in each place. */
  id: string;
  /** Files that must be present. Omitted: the id itself is the file when `urls`/`sha256` are given, else anything at `<dir>/<id>`. */
  files?: readonly string[];
  /** Where to download from. */
  urls?: WeightsUrls;
  /** Published sha256 (hex): one digest for a single-file entry, or per file. */
  sha256?: string | Readonly<Record<string, string>>;
  /** Published md5 (hex), one digest or per file: Keras publishes md5 `file_hash`es for its application weights. */
  md5?: string | Readonly<Record<string, string>>;
  /** A line for humans (shown nowhere yet; registries may list it). */
  description?: string;
}

/** An entry with every field in one shape. `files` empty means "whatever is at `<dir>/<id>`". */
export interface NormalizedWeightsEntry {
  id: string;
  files: string[];
  urls: Record<string, string[]>;
  sha256: Record<string, string>;
  md5: Record<string, string>;
  description?: string;
}

/** True when `id` is a plain file or folder name (no separators, not `.`/`..`). */
export function isPlainId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= 255 && !/[\\/\0]/.test(id) && id !== '.' && id !== '..' && !/^[a-zA-Z]:/.test(id);
}

/** Validates an entry (or resolve options that extend one) and brings it into one shape. */
export function normalizeRegistryEntry(entry: WeightsEntry, argument = 'entry'): NormalizedWeightsEntry {
  if (typeof entry !== 'object' || entry === null) throw new InvalidArgumentError(argument, 'an object { id, files?, urls?, sha256? }', String(entry));
  if (!isPlainId(entry.id)) {
    throw new InvalidArgumentError(`${argument}.id`, 'a plain file or folder name (no / or \\, not . or ..)', JSON.stringify(entry.id), 'Paths go to resolveWeights directly; ids name what is looked for in each folder.');
  }
  const id = entry.id;
  let files: string[];
  if (entry.files !== undefined) {
    if (!Array.isArray(entry.files)) throw new InvalidArgumentError(`${argument}.files`, 'an array of relative file paths', typeof entry.files);
    files = entry.files.map((f, i) => {
      try {
        return safeRelativePath(f, `<${id}>`);
      } catch {
        throw new InvalidArgumentError(`${argument}.files[${i}]`, 'a path inside the entry folder (no absolute paths or ..)', JSON.stringify(f));
      }
    });
  } else {
    // A lone URL or digest describes the id itself as a file.
    const single = typeof entry.urls === 'string' || Array.isArray(entry.urls) || typeof entry.sha256 === 'string' || typeof entry.md5 === 'string';
    const keyed = ([entry.urls, entry.sha256, entry.md5] as unknown[]).filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v));
    const named = [...new Set(keyed.flatMap((r) => Object.keys(r)))];
    files = single || (named.length === 1 && named[0] === id) ? [id] : named;
  }
  const oneFile = (what: string) => {
    if (files.length !== 1) throw new InvalidArgumentError(`${argument}.${what}`, `a record keyed by file name (the entry has ${files.length} files)`, `a bare ${what === 'urls' ? 'URL' : 'digest'}`);
    return files[0]!;
  };
  const urls: Record<string, string[]> = {};
  const addUrls = (file: string, value: unknown, where: string) => {
    const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
    if (!list || list.length === 0 || !list.every((u) => typeof u === 'string' && /^https?:\/\//i.test(u))) {
      throw new InvalidArgumentError(where, 'an http(s) URL or a list of mirror URLs', JSON.stringify(value));
    }
    urls[file] = [...(list as string[])];
  };
  if (typeof entry.urls === 'string' || Array.isArray(entry.urls)) addUrls(oneFile('urls'), entry.urls, `${argument}.urls`);
  else if (entry.urls !== undefined) {
    for (const [f, u] of Object.entries(entry.urls)) {
      if (!files.includes(f)) throw new InvalidArgumentError(`${argument}.urls`, `keys among the files (${files.join(', ')})`, JSON.stringify(f));
      addUrls(f, u, `${argument}.urls['${f}']`);
    }
  }
  const digests = (what: 'sha256' | 'md5', normalize: (v: unknown, arg: string) => string): Record<string, string> => {
    const out: Record<string, string> = {};
    const given = entry[what];
    if (typeof given === 'string') out[oneFile(what)] = normalize(given, `${argument}.${what}`);
    else if (given !== undefined) {
      for (const [f, h] of Object.entries(given)) {
        if (!files.includes(f)) throw new InvalidArgumentError(`${argument}.${what}`, `keys among the files (${files.join(', ')})`, JSON.stringify(f));
        out[f] = normalize(h, `${argument}.${what}['${f}']`);
      }
    }
    return out;
  };
  const sha256 = digests('sha256', normalizeSha256);
  const md5 = digests('md5', normalizeMd5);
  return { id, files, urls, sha256, md5, ...(entry.description !== undefined ? { description: entry.description } : {}) };
}

const registries = { weights: new Map<string, NormalizedWeightsEntry>(), data: new Map<string, NormalizedWeightsEntry>() };

function register(kind: 'weights' | 'data', entry: WeightsEntry): () => void {
  const normalized = normalizeRegistryEntry(entry);
  const map = registries[kind];
  map.set(normalized.id, normalized);
  // The returned function undoes this registration (and only this one).
  return () => {
    if (map.get(normalized.id) === normalized) map.delete(normalized.id);
  };
}

/** Makes weights resolvable by id (files, download URLs, checksums). Returns a function that unregisters. */
export function registerWeights(entry: WeightsEntry): () => void {
  return register('weights', entry);
}

/** Makes a data set resolvable by id through `resolveData`. Returns a function that unregisters. */
export function registerData(entry: WeightsEntry): () => void {
  return register('data', entry);
}

/** The registered weights entry for `id`, if any. */
export function registeredWeights(id: string): NormalizedWeightsEntry | undefined {
  return registries.weights.get(id);
}

/** The registered data entry for `id`, if any. */
export function registeredData(id: string): NormalizedWeightsEntry | undefined {
  return registries.data.get(id);
}
