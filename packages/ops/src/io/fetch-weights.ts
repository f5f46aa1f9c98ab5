/**
 * Named weight tensors from a weights manifest on the web: the URL counterpart of `loadWeights` (which reads
 * files in Node). Browser-safe: the global `fetch`, no Node modules. The URL names either a bare manifest
 * (an array of groups `{ paths, weights }`, as face-api ships its models) or a tfjs `model.json` (its
 * `weightsManifest`). Shards are fetched relative to the manifest and must sit in its folder (the same rule
 * as for files: a manifest we did not write must not send us elsewhere), and each group's bytes are checked
 * against the manifest before anything is decoded, so a truncated shard never yields half-zero weights.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { AbortedError, InvalidArgumentError, UnsafePathError, WeightsMismatchError, WeightsNotFoundError, describeValue } from '../errors/index.js';
import { safeRelativePath } from './safe-path.js';
import { checkWeightGroupBytes, concatBuffers, decodeWeightsManifest, normalizeWeightsManifest } from './weights-manifest.js';

export interface FetchWeightsOptions {
  /** The fetch function (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** Extra request settings for every request (headers, credentials, cache ...). */
  requestInit?: RequestInit;
  signal?: AbortSignal;
}

/** What `fetchManifest` read: the JSON, its normalized manifest and each group's checked shard bytes. */
interface FetchedManifest {
  url: URL;
  json: unknown;
  manifest: tf.io.WeightsManifestConfig;
  buffers: ArrayBuffer[][];
}

function readFetchOptions(options: FetchWeightsOptions): typeof fetch {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') throw new InvalidArgumentError('options.fetch', 'a fetch function (this runtime has no global fetch)', describeValue(fetchFn));
  return fetchFn;
}

function absoluteUrl(url: string | URL, what: string): URL {
  try {
    return new URL(String(url), (globalThis as { location?: { href?: string } }).location?.href);
  } catch {
    throw new InvalidArgumentError('url', `the URL of ${what} (absolute outside a page)`, describeValue(url));
  }
}

/** A folder's URL with its trailing '/', absolute (a relative one is taken relative to the page). */
export function folderUrl(url: string | URL): URL {
  return absoluteUrl(String(url).replace(/\/*$/, '/'), 'a folder');
}

/**
 * The URL of `path` inside `folder`, refusing one that leaves it (UnsafePathError): the rule the shards of a
 * manifest and every file a folder's index names follow, so a file we did not write cannot send us elsewhere.
 */
export function urlInFolder(folder: URL, path: string): URL {
  const url = new URL(safeRelativePath(path, folder.href), folder);
  // URLs also climb with percent-encoded dots ('%2e%2e/'), which the path check does not see.
  if (!url.href.startsWith(folder.href)) throw new UnsafePathError(path, folder.href);
  return url;
}

/** `url` itself when it names a .json file (a manifest or model.json), else `fileName` in that folder. */
export function jsonFileUrl(url: string, fileName: string): string {
  return /\.json([?#].*)?$/i.test(url) ? url : folderUrl(url).href + fileName;
}

/** One GET with typed errors: a failed request or an HTTP error is a WeightsNotFoundError naming the URL. */
async function get(fetchFn: typeof fetch, options: FetchWeightsOptions, target: URL, what: string): Promise<Response> {
  if (options.signal?.aborted) throw new AbortedError(`fetch of ${target.href}`);
  let res: Response;
  try {
    res = await fetchFn(target.href, { ...options.requestInit, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (err) {
    if (options.signal?.aborted) throw new AbortedError(`fetch of ${target.href}`);
    throw new WeightsNotFoundError(target.href, [target.href], `Cannot fetch the ${what} '${target.href}': ${(err as Error)?.message ?? String(err)}.`, { cause: err });
  }
  if (!res.ok) throw new WeightsNotFoundError(target.href, [target.href], `Cannot fetch the ${what} '${target.href}': HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`);
  return res;
}

function parseJson(text: string, url: URL): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new WeightsMismatchError(`'${url.href}' is not valid JSON (${(err as Error).message}).`);
  }
}

/**
 * Fetches a JSON file (a model's metadata, e.g. detector.json or classifier.json) with the same typed errors
 * as `fetchWeights`: HTTP errors are a WeightsNotFoundError naming the URL, bad JSON a WeightsMismatchError.
 */
export async function fetchJson(url: string | URL, options: FetchWeightsOptions & { what?: string } = {}): Promise<unknown> {
  const fetchFn = readFetchOptions(options);
  const target = absoluteUrl(url, 'a JSON file');
  return parseJson(await (await get(fetchFn, options, target, options.what ?? 'file')).text(), target);
}

async function fetchManifest(url: string | URL, options: FetchWeightsOptions): Promise<FetchedManifest> {
  const fetchFn = readFetchOptions(options);
  const manifestUrl = absoluteUrl(url, 'a weights manifest or model.json');
  const json = parseJson(await (await get(fetchFn, options, manifestUrl, 'weights manifest')).text(), manifestUrl);
  const raw = Array.isArray(json) ? json : (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (raw === undefined) throw new WeightsMismatchError(`'${manifestUrl.href}' is neither a weights manifest (an array of groups) nor a model.json with a weightsManifest.`);
  const manifest = normalizeWeightsManifest(raw, `The weights manifest '${manifestUrl.href}'`);
  const folder = new URL('.', manifestUrl);
  const buffers = await Promise.all(
    manifest.map(async (group, g) => {
      const parts = await Promise.all(
        group.paths.map(async (p) => {
          const shard = urlInFolder(folder, p);
          return (await get(fetchFn, options, shard, `weight shard (group ${g} of '${manifestUrl.href}')`)).arrayBuffer();
        }),
      );
      checkWeightGroupBytes(group, parts, `The shard(s) ${group.paths.join(', ')} listed in '${manifestUrl.href}'`);
      return parts;
    }),
  );
  return { url: manifestUrl, json, manifest, buffers };
}

/**
 * Fetches and decodes every weight of the manifest at `url` (uint8/uint16/float16 dequantized). A relative
 * URL is taken relative to the page. The caller owns and disposes the tensors.
 *
 *     const weights = await fetchWeights('/models/tiny-face-detector/tiny_face_detector_model-weights_manifest.json');
 */
export async function fetchWeights(url: string | URL, options: FetchWeightsOptions = {}): Promise<tf.NamedTensorMap> {
  const { manifest, buffers } = await fetchManifest(url, options);
  return decodeWeightsManifest(manifest, buffers);
}

/**
 * A tfjs IOHandler for a layers model served over http(s) (`model.json` + shards), for
 * `tfl.loadLayersModel(fetchModel(url))`: the same checks as `fetchWeights` (shards must sit beside
 * model.json, each group's byte count matches before anything is decoded), which tfjs' own http loader does
 * not make. `url` is the model.json's URL, or its folder's (ending in '/').
 */
export function fetchModel(url: string | URL, options: FetchWeightsOptions = {}): tf.io.IOHandler {
  readFetchOptions(options);
  const modelUrl = jsonFileUrl(String(url), 'model.json');
  return {
    load: async () => {
      const { url: where, json, manifest, buffers } = await fetchManifest(modelUrl, options);
      const model = json as Partial<tf.io.ModelJSON>;
      if (Array.isArray(json) || model?.modelTopology === undefined) throw new WeightsMismatchError(`'${where.href}' is not a tfjs model.json (no modelTopology).`);
      return {
        modelTopology: model.modelTopology,
        weightSpecs: manifest.flatMap((group) => group.weights),
        weightData: concatBuffers(buffers.flat()),
        ...(model.format !== undefined ? { format: model.format } : {}),
        ...(model.generatedBy !== undefined ? { generatedBy: model.generatedBy } : {}),
        ...(model.convertedBy != null ? { convertedBy: model.convertedBy } : {}),
        ...(model.trainingConfig !== undefined ? { trainingConfig: model.trainingConfig } : {}),
        ...(model.userDefinedMetadata !== undefined ? { userDefinedMetadata: model.userDefinedMetadata } : {}),
      };
    },
  };
}
