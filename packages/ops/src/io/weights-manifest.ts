/**
 * Weights-manifest decoding (browser-safe: no Node modules). tfjs-core's `tf.io.decodeWeights` already
 * dequantizes uint8/uint16 (value = min + q·scale) and float16 correctly, so we reuse it and add what it
 * lacks: byte-count checks that name the group and tensor, before any tensor is created.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WeightsMismatchError } from '../errors/errors.js';

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

/** Bytes a manifest entry occupies in its shard data (after quantization). */
export function weightEntryBytes(entry: tf.io.WeightsManifestEntry): number {
  const size = entry.shape.reduce((a, b) => a * b, 1);
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const per = BYTES[dtype];
  if (per === undefined) throw new WeightsMismatchError(`Weight '${entry.name}' has unsupported dtype '${dtype}'.`);
  return size * per;
}

/** Total bytes each group's shards must hold. */
export function groupBytes(group: tf.io.WeightsManifestConfig[number]): number {
  return group.weights.reduce((s, e) => s + weightEntryBytes(e), 0);
}

/**
 * Decodes every weight of a manifest. `buffers[g]` holds group g's shards, concatenated or as an array
 * (in `paths` order). Returns named tensors (the caller owns and disposes them).
 */
export function decodeWeightsManifest(
  manifest: tf.io.WeightsManifestConfig,
  buffers: readonly (ArrayBuffer | readonly ArrayBuffer[])[],
): tf.NamedTensorMap {
  if (!Array.isArray(manifest)) throw new WeightsMismatchError('The weights manifest must be an array of groups ({ paths, weights }).');
  if (buffers.length !== manifest.length) {
    throw new WeightsMismatchError(`The manifest has ${manifest.length} weight groups but ${buffers.length} buffers were given.`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const datas: ArrayBuffer[] = [];
  manifest.forEach((group, g) => {
    const b = buffers[g]!;
    const data = Array.isArray(b) ? tf.io.concatenateArrayBuffers([...(b as ArrayBuffer[])]) : (b as ArrayBuffer);
    const want = groupBytes(group);
    if (data.byteLength !== want) {
      throw new WeightsMismatchError(
        `Weight group ${g} (${group.paths.join(', ')}) holds ${data.byteLength} bytes but its manifest entries (${group.weights.map((w) => w.name).join(', ')}) need ${want}. The shard files are truncated or belong to another model.`,
      );
    }
    specs.push(...group.weights);
    datas.push(data);
  });
  return tf.io.decodeWeights(tf.io.concatenateArrayBuffers(datas), specs);
}
