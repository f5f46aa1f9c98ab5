/**
 * Weights-manifest decoding (browser-safe: no Node modules here). tfjs-core 4.22's `tf.io.decodeWeights`
 * already dequantizes correctly — uint8/uint16 as value = min + q·scale (rounded for int32 weights),
 * float16 through an exact bit-table decoder (subnormals, ±0, ±Inf and NaN included) — and ignores the
 * converter's extra `original_dtype` field, so we reuse it. What it lacks, and what this file adds, runs
 * before any tensor exists (so a bad file never leaks half-decoded tensors):
 *   - legacy quantization forms rewritten to the current `{ dtype, min, scale }` one;
 *   - validation of every entry (name, shape, dtype, min/scale) with messages naming the weight;
 *   - duplicate names refused (decodeWeights would silently keep the last and leak the first);
 *   - byte counts checked per group against the manifest, naming the group, its shards and weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WeightsMismatchError } from '../errors/errors.js';

type QuantizationDtype = 'uint8' | 'uint16' | 'float16';
const VALUE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };
const TENSOR_DTYPES: ReadonlySet<string> = new Set(['float32', 'int32', 'bool', 'complex64', 'string']);
const QUANTIZED_DTYPES: ReadonlySet<string> = new Set(['uint8', 'uint16', 'float16']);
/** tfjs stores each string as a uint32 byte length followed by its bytes. */
const STRING_LENGTH_BYTES = 4;

/** One group's bytes: a whole buffer, a typed-array view (e.g. a Node Buffer) or its shards in order. */
export type WeightBuffers = ArrayBuffer | ArrayBufferView | readonly (ArrayBuffer | ArrayBufferView)[];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function mismatch(where: string, problem: string): WeightsMismatchError {
  return new WeightsMismatchError(`${where}: ${problem}`);
}

/**
 * A clean copy of one manifest entry in the current tfjs form. Accepted besides it:
 *   - `quantization: { dtype, scale, min }` in any key order, with or without `original_dtype`;
 *   - the older form where the entry's own `dtype` is the stored one (`'uint8'`, `'uint16'`, `'float16'`)
 *     and `quantization.original_dtype` (default float32) the decoded one;
 *   - `dtype: 'float16'` with no quantization block (float16 storage of a float32 weight);
 *   - `quantization: null`.
 */
export function normalizeManifestEntry(entry: unknown, where = 'weights manifest entry'): tf.io.WeightsManifestEntry {
  if (!isRecord(entry)) throw mismatch(where, `expected an object { name, shape, dtype }, got ${JSON.stringify(entry)}`);
  const { name, shape } = entry;
  if (typeof name !== 'string' || name.length === 0) throw mismatch(where, `'name' must be a non-empty string, got ${JSON.stringify(name)}`);
  const at = `${where} '${name}'`;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw mismatch(at, `'shape' must be an array of integers >= 0, got ${JSON.stringify(shape)}`);
  }
  let dtype = entry['dtype'];
  const rawQ = entry['quantization'];
  if (rawQ != null && !isRecord(rawQ)) throw mismatch(at, `'quantization' must be an object, got ${JSON.stringify(rawQ)}`);
  let q: Record<string, unknown> | undefined = rawQ == null ? undefined : rawQ;
  if (typeof dtype === 'string' && QUANTIZED_DTYPES.has(dtype) && (q === undefined || q['dtype'] === undefined || q['dtype'] === dtype)) {
    // Legacy: the entry names the stored dtype; the decoded one is original_dtype (float32 unless said).
    q = { ...q, dtype };
    dtype = typeof q['original_dtype'] === 'string' ? q['original_dtype'] : 'float32';
  }
  if (typeof dtype !== 'string' || !TENSOR_DTYPES.has(dtype)) {
    throw mismatch(at, `unsupported dtype ${JSON.stringify(dtype)}; expected one of ${[...TENSOR_DTYPES].join(', ')} (or a quantized uint8/uint16/float16)`);
  }
  const out: tf.io.WeightsManifestEntry = { name, shape: [...(shape as number[])], dtype: dtype as tf.io.WeightsManifestEntry['dtype'] };
  // tfjs-layers marks optimizer state with group: 'optimizer'; keep it.
  if (entry['group'] === 'model' || entry['group'] === 'optimizer') out.group = entry['group'];
  if (q !== undefined) {
    const qd = q['dtype'];
    if (typeof qd !== 'string' || !QUANTIZED_DTYPES.has(qd)) {
      throw mismatch(at, `quantization dtype ${JSON.stringify(qd)} is not one of uint8, uint16, float16`);
    }
    if (qd === 'float16') {
      if (dtype !== 'float32') throw mismatch(at, `float16 storage needs a float32 weight, but its dtype is ${dtype}`);
      out.quantization = { dtype: 'float16' };
    } else {
      if (dtype !== 'float32' && dtype !== 'int32') throw mismatch(at, `${qd} quantization needs a float32 or int32 weight, but its dtype is ${dtype}`);
      const { min, scale } = q;
      if (typeof min !== 'number' || !Number.isFinite(min) || typeof scale !== 'number' || !Number.isFinite(scale)) {
        throw mismatch(at, `${qd} quantization needs finite 'min' and 'scale' (value = min + q * scale), got min ${JSON.stringify(min)}, scale ${JSON.stringify(scale)}`);
      }
      out.quantization = { dtype: qd as QuantizationDtype, min, scale };
    }
  }
  return out;
}

/**
 * A clean copy of a whole manifest (`model.json`'s `weightsManifest`): every entry normalized, `paths`
 * checked to be strings, and weight names unique across all groups.
 */
export function normalizeWeightsManifest(manifest: unknown, source = 'the weights manifest'): tf.io.WeightsManifestConfig {
  if (!Array.isArray(manifest)) throw new WeightsMismatchError(`${source} must be an array of groups { paths, weights }, got ${JSON.stringify(manifest)?.slice(0, 80)}.`);
  const seen = new Set<string>();
  return manifest.map((group: unknown, g) => {
    const where = `${source}, group ${g}`;
    if (!isRecord(group) || !Array.isArray(group['paths']) || !Array.isArray(group['weights'])) {
      throw new WeightsMismatchError(`${where}: expected { paths: string[], weights: [...] }.`);
    }
    const paths = group['paths'] as unknown[];
    if (!paths.every((p) => typeof p === 'string')) throw new WeightsMismatchError(`${where}: every entry of 'paths' must be a string, got ${JSON.stringify(paths)}.`);
    const weights = (group['weights'] as unknown[]).map((e, i) => {
      const w = normalizeManifestEntry(e, `${where}, weight ${i}`);
      if (seen.has(w.name)) throw new WeightsMismatchError(`${where}: the weight name '${w.name}' appears twice; names must be unique.`);
      seen.add(w.name);
      return w;
    });
    return { paths: paths as string[], weights };
  });
}

/** Bytes an entry occupies in its group's data, or undefined for strings (their length is in the data). */
export function weightEntryByteLength(entry: tf.io.WeightsManifestEntry): number | undefined {
  if (entry.dtype === 'string' && !entry.quantization) return undefined;
  const size = entry.shape.reduce((a, b) => a * b, 1);
  return size * VALUE_BYTES[entry.quantization?.dtype ?? entry.dtype]!;
}

/** Turns buffers and views into ArrayBuffers without copying when a view covers its whole buffer. */
export function toArrayBuffers(data: WeightBuffers): ArrayBuffer[] {
  const list = (Array.isArray(data) ? data : [data]) as (ArrayBuffer | ArrayBufferView)[];
  return list.map((b, i) => {
    if (b instanceof ArrayBuffer) return b;
    if (ArrayBuffer.isView(b)) {
      return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? (b.buffer as ArrayBuffer) : (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    }
    throw new WeightsMismatchError(`Weight data ${i} is ${b === null ? 'null' : typeof b}, not an ArrayBuffer or typed array.`);
  });
}

/**
 * One ArrayBuffer holding `chunks` in order (no copy for a single chunk). We never hand tfjs an
 * ArrayBuffer[] of unequal pieces: tfjs 4.22's CompositeArrayBuffer assumes that when all pieces but the
 * last have one size, the last is not longer — otherwise it silently reads zeros past the first pieces
 * (e.g. shards of 10 and 20 bytes decode bytes 20..29 as 0). It also breaks on zero-length pieces.
 */
export function concatBuffers(chunks: readonly ArrayBuffer[]): ArrayBuffer {
  const nonEmpty = chunks.filter((c) => c.byteLength > 0);
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  const out = new Uint8Array(nonEmpty.reduce((s, c) => s + c.byteLength, 0));
  let offset = 0;
  for (const c of nonEmpty) {
    out.set(new Uint8Array(c), offset);
    offset += c.byteLength;
  }
  return out.buffer;
}

/** The little-endian uint32 at `offset` of the concatenation of `chunks`, or undefined past the end. */
function uint32At(chunks: readonly ArrayBuffer[], offset: number): number | undefined {
  const four = new Uint8Array(4);
  let got = 0;
  let start = 0;
  for (const c of chunks) {
    const end = start + c.byteLength;
    while (got < 4 && offset + got >= start && offset + got < end) {
      four[got] = new Uint8Array(c)[offset + got - start]!;
      got++;
    }
    if (got === 4) return new DataView(four.buffer).getUint32(0, true);
    start = end;
  }
  return undefined;
}

/**
 * Bytes `weights` need, reading string lengths from `data` where there are strings. A string header that
 * runs past the end counts as needing more than there is.
 */
function bytesNeeded(weights: readonly tf.io.WeightsManifestEntry[], chunks: readonly ArrayBuffer[]): number {
  let offset = 0;
  for (const w of weights) {
    const fixed = weightEntryByteLength(w);
    if (fixed !== undefined) {
      offset += fixed;
      continue;
    }
    const count = w.shape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < count; i++) {
      const length = uint32At(chunks, offset);
      if (length === undefined) return offset + STRING_LENGTH_BYTES;
      offset += STRING_LENGTH_BYTES + length;
    }
  }
  return offset;
}

/**
 * Throws `WeightsMismatchError` unless `data` holds exactly the bytes `group`'s weights need. `label`
 * says where the bytes came from (e.g. "shards a.bin, b.bin listed in /m/model.json").
 */
export function checkWeightGroupBytes(group: Pick<tf.io.WeightsManifestConfig[number], 'weights'>, data: WeightBuffers, label: string): void {
  const chunks = toArrayBuffers(data);
  const have = chunks.reduce((s, c) => s + c.byteLength, 0);
  const need = bytesNeeded(group.weights, chunks);
  if (need !== have) {
    const names = group.weights.map((w) => w.name);
    const shown = names.length > 6 ? `${names.slice(0, 6).join(', ')}, … (${names.length} weights)` : names.join(', ');
    throw new WeightsMismatchError(
      `${label}: ${have} bytes, but the manifest's weights (${shown}) need ${need}. ` +
        (have < need ? 'A file is truncated (an interrupted download or copy?): fetch it again.' : 'There are more bytes than the manifest says: the files belong to another model or another version of it.'),
    );
  }
}

/**
 * Decodes every weight of a manifest into named tensors (the caller owns and disposes them).
 * `buffers[g]` holds group g's bytes: one buffer or its shards in `paths` order.
 */
export function decodeWeightsManifest(manifest: tf.io.WeightsManifestConfig, buffers: readonly WeightBuffers[]): tf.NamedTensorMap {
  const groups = normalizeWeightsManifest(manifest);
  if (!Array.isArray(buffers) || buffers.length !== groups.length) {
    throw new WeightsMismatchError(
      `The manifest has ${groups.length} weight group(s) but ${Array.isArray(buffers) ? buffers.length : 'no array of'} buffers were given: pass one entry per group (a buffer or the group's shards in order).`,
    );
  }
  const chunks: ArrayBuffer[] = [];
  groups.forEach((group, g) => {
    const parts = toArrayBuffers(buffers[g]!);
    checkWeightGroupBytes(group, parts, `Weight group ${g} (${group.paths.join(', ') || 'no paths'})`);
    chunks.push(...parts.filter((p) => p.byteLength > 0));
  });
  return tf.io.decodeWeights(concatBuffers(chunks), groups.flatMap((g) => g.weights));
}
