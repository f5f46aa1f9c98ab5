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
import { checkWeightGroupBytes, decodeWeightsManifest, normalizeWeightsManifest } from './weights-manifest.js';

export interface FetchWeightsOptions {
  /** The fetch function (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** Extra request settings for every request (headers, credentials, cache ...). */
  requestInit?: RequestInit;
  signal?: AbortSignal;
}

/**
 * Fetches and decodes every weight of the manifest at `url` (uint8/uint16/float16 dequantized). A relative
 * URL is taken relative to the page. The caller owns and disposes the tensors.
 *
 *     const weights = await fetchWeights('/models/tiny-face-detector/tiny_face_detector_model-weights_manifest.json');
 */
export async function fetchWeights(url: string | URL, options: FetchWeightsOptions = {}): Promise<tf.NamedTensorMap> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') throw new InvalidArgumentError('options.fetch', 'a fetch function (this runtime has no global fetch)', describeValue(fetchFn));
  let manifestUrl: URL;
  try {
    manifestUrl = new URL(String(url), (globalThis as { location?: { href?: string } }).location?.href);
  } catch {
    throw new InvalidArgumentError('url', 'the URL of a weights manifest or model.json (absolute outside a page)', describeValue(url));
  }
  const get = async (target: URL, what: string): Promise<Response> => {
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
  };

  const text = await (await get(manifestUrl, 'weights manifest')).text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new WeightsMismatchError(`'${manifestUrl.href}' is not valid JSON (${(err as Error).message}).`);
  }
  const raw = Array.isArray(parsed) ? parsed : (parsed as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (raw === undefined) throw new WeightsMismatchError(`'${manifestUrl.href}' is neither a weights manifest (an array of groups) nor a model.json with a weightsManifest.`);
  const manifest = normalizeWeightsManifest(raw, `The weights manifest '${manifestUrl.href}'`);
  const folder = new URL('.', manifestUrl);
  const buffers = await Promise.all(
    manifest.map(async (group, g) => {
      const parts = await Promise.all(
        group.paths.map(async (p) => {
          const shard = new URL(safeRelativePath(p, folder.href), folder);
          // URLs also climb with percent-encoded dots ('%2e%2e/'), which the path check does not see.
          if (!shard.href.startsWith(folder.href)) throw new UnsafePathError(p, folder.href);
          return (await get(shard, `weight shard (group ${g} of '${manifestUrl.href}')`)).arrayBuffer();
        }),
      );
      checkWeightGroupBytes(group, parts, `The shard(s) ${group.paths.join(', ')} listed in '${manifestUrl.href}'`);
      return parts;
    }),
  );
  return decodeWeightsManifest(manifest, buffers);
}
