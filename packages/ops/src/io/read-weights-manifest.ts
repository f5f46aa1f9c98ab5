/**
 * Named weight tensors from a bare tfjs weights manifest on disk (`*-weights_manifest.json`: the JSON array
 * of `{ paths, weights }` groups that face-api and other tfjs ports ship beside their `.bin` shards, without
 * a model.json). The same checks as `fileSystem().load()`: shard paths stay inside the manifest's folder
 * (UnsafePathError), missing files are a FileNotFoundError naming the manifest, byte counts per group must
 * match (WeightsMismatchError); then `decodeWeightsManifest` dequantizes. The caller disposes the tensors.
 * An http(s) or blob URL, and any path where there is no file system (a browser, where a relative path is
 * taken relative to the page), is fetched with `fetchWeights` instead: the same folder + manifest-name rule,
 * so every loader built on this takes a URL, e.g. `createFaceEmbedder({ weightsPath: '/models/face-api/' })`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { FileNotFoundError, InvalidArgumentError, WeightsMismatchError } from '../errors/errors.js';
import { describeValue } from '../errors/validate.js';
import { isNode } from '../backend/backend.js';
import { fetchWeights, jsonFileUrl } from './fetch-weights.js';
import { resolveInside } from './safe-path.js';
import { checkWeightGroupBytes, decodeWeightsManifest, normalizeWeightsManifest } from './weights-manifest.js';

export interface ReadWeightsManifestOptions {
  /** The manifest's file name, used when `path` is a folder (e.g. 'tiny_face_detector_model-weights_manifest.json'). */
  manifestName?: string;
  /** Added to the "not found" message: where such weights come from. */
  hint?: string;
  /** URLs only: stops the downloads (an AbortedError). */
  signal?: AbortSignal;
}

/**
 * True when `path` is fetched rather than read: an http(s)/blob URL, or any path outside Node. False for
 * anything but a non-blank string, so the loaders' own checks report bad input.
 */
export function isWeightsUrl(path: string): boolean {
  return typeof path === 'string' && path.trim() !== '' && (/^(https?|blob):/i.test(path) || !isNode());
}

/** Reads `path` (the manifest itself, or a folder holding `options.manifestName`) and its shards, decoded. */
export async function readWeightsManifest(path: string, options: ReadWeightsManifestOptions = {}): Promise<tf.NamedTensorMap> {
  if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', "a weights folder or a weights manifest's path", describeValue(path));
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', '{ manifestName?, hint? }', describeValue(options));
  if (isWeightsUrl(path)) {
    const url = jsonFileUrl(path, options.manifestName ?? '');
    if (url.endsWith('/')) { // a folder, and no manifest name to look for in it
      throw new InvalidArgumentError('path', "the URL of a weights manifest (…json), or of its folder together with options.manifestName", describeValue(path));
    }
    return fetchWeights(url, options.signal ? { signal: options.signal } : {});
  }
  const nodePath = await import('node:path');
  const fs = await import('node:fs/promises');
  const target = nodePath.resolve(path);
  const isFile = await fs.stat(target).then((s) => s.isFile(), () => false);
  if (!isFile && !options.manifestName) {
    throw new FileNotFoundError(target, 'weights manifest', 'Pass the manifest file itself, or the folder together with options.manifestName.');
  }
  const manifestPath = isFile ? target : nodePath.join(target, options.manifestName!);
  const dir = nodePath.dirname(manifestPath);
  let text: string;
  try {
    text = await fs.readFile(manifestPath, 'utf8');
  } catch {
    throw new FileNotFoundError(manifestPath, 'weights manifest', options.hint ?? 'Pass the folder holding the manifest and its .bin shards, or the manifest itself.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new WeightsMismatchError(`'${manifestPath}' is not valid JSON (${(err as Error).message}).`);
  }
  const manifest = normalizeWeightsManifest(parsed, `The weights manifest '${manifestPath}'`);
  const buffers: ArrayBuffer[][] = [];
  for (const [g, group] of manifest.entries()) {
    const parts: ArrayBuffer[] = [];
    for (const p of group.paths) {
      const file = await resolveInside(dir, p);
      const bytes = await fs.readFile(file).catch(() => {
        throw new FileNotFoundError(file, 'weight shard', `It is listed in group ${g} of '${manifestPath}'.`);
      });
      parts.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
    checkWeightGroupBytes(group, parts, `The shard(s) ${group.paths.join(', ')} listed in '${manifestPath}'`);
    buffers.push(parts);
  }
  return decodeWeightsManifest(manifest, buffers);
}
