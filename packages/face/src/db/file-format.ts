/**
 * The face database on disk. Two encodings of one snapshot:
 *
 * **Binary** (the main file, what `FaceDatabase.save` writes by default), all integers little-endian:
 * ```
 * offset 0            8 bytes   magic  0x89 'C' 'N' 'N' 'F' 'D' 'B' '\n'  (the 0x89 and '\n' catch text-mode copies)
 * offset 8            uint32    format version (1)
 * offset 12           uint32    H = byte length of the JSON header (padded with spaces to a multiple of 4)
 * offset 16           H bytes   UTF-8 JSON header: { format, formatVersion, modelId, embeddingSize, count,
 *                               nextId, identities: [{ identity, metadata, ids: [embedding ids] }] }
 * offset 16 + H       count × embeddingSize float32, one row per embedding id in header order
 *                     (identities in order, each identity's ids in order)
 * last 4 bytes        uint32    CRC-32 (IEEE, as zlib / PNG) of every byte before it
 * ```
 * The total length must be exactly 16 + H + 4·count·embeddingSize + 4, so a truncated or extended file is
 * refused, and the CRC catches flipped bytes. The encoding is deterministic (no timestamps): the same
 * database always gives the same bytes.
 *
 * **JSON** (for interchange, `save(path, { format: 'json' })` / `exportJSON()`): the same header fields with
 * each embedding written out, `identities: [{ identity, metadata, embeddings: [{ id, vector: number[] }] }]`.
 * float32 values printed by JSON.stringify read back as the very same float32 values.
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { FaceDatabaseFormatError } from './errors.js';

export const FACE_DATABASE_FORMAT = 'cnn-face-db';
export const FACE_DATABASE_FORMAT_VERSION = 1;
/** The first 8 bytes of a binary face database file. */
export const FACE_DATABASE_MAGIC: Uint8Array = Uint8Array.of(0x89, 0x43, 0x4e, 0x4e, 0x46, 0x44, 0x42, 0x0a);

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One identity of a snapshot: its name, metadata and embeddings (in enrollment order). */
export interface FaceDatabaseSnapshotIdentity {
  identity: string;
  metadata: JsonObject;
  embeddings: { id: number; vector: Float32Array }[];
}

/** Everything a face database holds, independent of how it is stored. */
export interface FaceDatabaseSnapshot {
  modelId: string;
  embeddingSize: number;
  /** The id the next enrolled embedding gets (ids are never reused, so a removed id stays dead). */
  nextId: number;
  identities: FaceDatabaseSnapshotIdentity[];
}

/** The JSON interchange form. */
export interface FaceDatabaseJSON {
  format: typeof FACE_DATABASE_FORMAT;
  formatVersion: number;
  modelId: string;
  embeddingSize: number;
  nextId: number;
  identities: { identity: string; metadata: JsonObject; embeddings: { id: number; vector: number[] }[] }[];
}

interface BinaryHeader {
  format: typeof FACE_DATABASE_FORMAT;
  formatVersion: number;
  modelId: string;
  embeddingSize: number;
  count: number;
  nextId: number;
  identities: { identity: string; metadata: JsonObject; ids: number[] }[];
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Encodes a snapshot as the binary file format. */
export function encodeFaceDatabase(snapshot: FaceDatabaseSnapshot): Uint8Array {
  const { modelId, embeddingSize, nextId, identities } = snapshot;
  let count = 0;
  for (const it of identities) count += it.embeddings.length;
  const header: BinaryHeader = {
    format: FACE_DATABASE_FORMAT,
    formatVersion: FACE_DATABASE_FORMAT_VERSION,
    modelId,
    embeddingSize,
    count,
    nextId,
    identities: identities.map((it) => ({ identity: it.identity, metadata: it.metadata, ids: it.embeddings.map((e) => e.id) })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const h = Math.ceil(json.length / 4) * 4;
  const vectorsAt = 16 + h;
  const total = vectorsAt + count * embeddingSize * 4 + 4;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(FACE_DATABASE_MAGIC, 0);
  view.setUint32(8, FACE_DATABASE_FORMAT_VERSION, true);
  view.setUint32(12, h, true);
  out.set(json, 16);
  out.fill(0x20, 16 + json.length, vectorsAt);
  // vectorsAt is a multiple of 4, so on little-endian machines one Float32Array view covers all the rows.
  const rows = LITTLE_ENDIAN ? new Float32Array(out.buffer, vectorsAt, count * embeddingSize) : undefined;
  let off = vectorsAt;
  for (const it of identities) {
    for (const { vector } of it.embeddings) {
      if (vector.length !== embeddingSize) throw new InvalidArgumentError('snapshot', `vectors of ${embeddingSize} numbers`, `${vector.length} numbers in identity '${it.identity}'`);
      if (rows) rows.set(vector, (off - vectorsAt) / 4);
      else for (let j = 0; j < embeddingSize; j++) view.setFloat32(off + 4 * j, vector[j]!, true);
      off += 4 * embeddingSize;
    }
  }
  view.setUint32(off, crc32(out.subarray(0, off)), true);
  return out;
}

/** Whether these bytes start like a binary face database. */
export function isBinaryFaceDatabase(bytes: Uint8Array): boolean {
  return bytes.length >= FACE_DATABASE_MAGIC.length && FACE_DATABASE_MAGIC.every((b, i) => bytes[i] === b);
}

/** Decodes the binary format, checking everything (length, CRC, header); throws FaceDatabaseFormatError. */
export function decodeFaceDatabase(bytes: Uint8Array, source = 'bytes'): FaceDatabaseSnapshot {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('bytes', 'a Uint8Array', describeValue(bytes));
  const fail = (message: string, cause?: unknown): never => {
    throw new FaceDatabaseFormatError(source, message, cause === undefined ? undefined : { cause });
  };
  if (!isBinaryFaceDatabase(bytes)) fail(`it does not start with the face database signature (${bytes.length} bytes)`);
  if (bytes.length < 20) fail(`it is truncated (${bytes.length} bytes, a header needs at least 20)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== FACE_DATABASE_FORMAT_VERSION) {
    fail(version > FACE_DATABASE_FORMAT_VERSION ? `it has format version ${version}, written by a newer @cnn/face (this one reads version ${FACE_DATABASE_FORMAT_VERSION}); upgrade @cnn/face` : `unknown format version ${version}`);
  }
  const h = view.getUint32(12, true);
  if (16 + h + 4 > bytes.length) fail(`it is truncated: the header says ${h} header bytes, the file has ${bytes.length} bytes in all`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + h)));
  } catch (err) {
    fail(`its header is not valid JSON (${(err as Error).message}); the file is corrupt`, err);
  }
  const header = checkHeader(raw, source);
  const vectorsAt = 16 + h;
  const expected = vectorsAt + header.count * header.embeddingSize * 4 + 4;
  if (bytes.length !== expected) {
    fail(
      bytes.length < expected
        ? `it is truncated: ${header.count} embeddings of ${header.embeddingSize} numbers need ${expected} bytes, the file has ${bytes.length} (an interrupted copy?)`
        : `it has ${bytes.length - expected} bytes more than its header describes; the file is corrupt`,
    );
  }
  const stored = view.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual) fail(`its CRC-32 is ${hex(actual)}, the file says ${hex(stored)}: the file is corrupt`);
  const n = header.embeddingSize;
  // One aligned Float32Array over all the rows (copied first when the bytes are not 4-byte aligned).
  const rows = LITTLE_ENDIAN
    ? (bytes.byteOffset + vectorsAt) % 4 === 0
      ? new Float32Array(bytes.buffer, bytes.byteOffset + vectorsAt, header.count * n)
      : new Float32Array(bytes.slice(vectorsAt, vectorsAt + header.count * n * 4).buffer)
    : undefined;
  let off = vectorsAt;
  const identities = header.identities.map((it) => ({
    identity: it.identity,
    metadata: it.metadata,
    embeddings: it.ids.map((id) => {
      let vector: Float32Array;
      if (rows) vector = rows.slice((off - vectorsAt) / 4, (off - vectorsAt) / 4 + n);
      else {
        vector = new Float32Array(n);
        for (let j = 0; j < n; j++) vector[j] = view.getFloat32(off + 4 * j, true);
      }
      for (let j = 0; j < n; j++) if (!Number.isFinite(vector[j])) fail(`embedding ${id} of '${it.identity}' holds a non-finite number`);
      off += 4 * n;
      return { id, vector };
    }),
  }));
  return { modelId: header.modelId, embeddingSize: n, nextId: header.nextId, identities };
}

/** The JSON interchange form of a snapshot. */
export function faceDatabaseToJSON(snapshot: FaceDatabaseSnapshot): FaceDatabaseJSON {
  return {
    format: FACE_DATABASE_FORMAT,
    formatVersion: FACE_DATABASE_FORMAT_VERSION,
    modelId: snapshot.modelId,
    embeddingSize: snapshot.embeddingSize,
    nextId: snapshot.nextId,
    identities: snapshot.identities.map((it) => ({
      identity: it.identity,
      metadata: it.metadata,
      embeddings: it.embeddings.map((e) => ({ id: e.id, vector: Array.from(e.vector) })),
    })),
  };
}

/** Reads the JSON interchange form (an object, or its text), checking everything; throws FaceDatabaseFormatError. */
export function faceDatabaseFromJSON(json: unknown, source = 'JSON'): FaceDatabaseSnapshot {
  let raw = json;
  if (typeof json === 'string') {
    try {
      raw = JSON.parse(json);
    } catch (err) {
      throw new FaceDatabaseFormatError(source, `it is not valid JSON (${(err as Error).message}); the file is truncated or not a face database`, { cause: err });
    }
  }
  const fail = (message: string): never => {
    throw new FaceDatabaseFormatError(source, message);
  };
  if (!isPlainObject(raw)) fail(`expected a JSON object, found ${describeValue(raw)}`);
  const r = raw as Record<string, unknown>;
  if (r['format'] !== FACE_DATABASE_FORMAT) fail(`'format' is ${describeValue(r['format'])}, expected '${FACE_DATABASE_FORMAT}'`);
  const identitiesIn = r['identities'];
  if (!Array.isArray(identitiesIn)) fail("'identities' must be an array");
  const ids: { identity: unknown; metadata: unknown; ids: unknown }[] = [];
  const vectors: unknown[][] = [];
  for (const [i, it] of (identitiesIn as unknown[]).entries()) {
    if (!isPlainObject(it) || !Array.isArray((it as Record<string, unknown>)['embeddings'])) fail(`identities[${i}] must be { identity, metadata, embeddings: [...] }`);
    const o = it as Record<string, unknown>;
    const embeddings = o['embeddings'] as unknown[];
    for (const [j, e] of embeddings.entries()) if (!isPlainObject(e)) fail(`identities[${i}].embeddings[${j}] must be { id, vector }`);
    ids.push({ identity: o['identity'], metadata: o['metadata'], ids: embeddings.map((e) => (e as Record<string, unknown>)['id']) });
    vectors.push(embeddings.map((e) => (e as Record<string, unknown>)['vector']));
  }
  const header = checkHeader({ ...r, count: vectors.reduce((s, v) => s + v.length, 0), identities: ids }, source);
  const n = header.embeddingSize;
  const identities = header.identities.map((it, i) => ({
    identity: it.identity,
    metadata: it.metadata,
    embeddings: it.ids.map((id, j) => {
      const v = vectors[i]![j];
      if (!Array.isArray(v) || v.length !== n) fail(`embedding ${id} of '${it.identity}' must be an array of ${n} numbers, found ${describeValue(v)}`);
      const vector = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        const x = (v as unknown[])[k];
        if (typeof x !== 'number' || !Number.isFinite(x)) fail(`embedding ${id} of '${it.identity}' holds ${describeValue(x)} at ${k}, not a finite number`);
        vector[k] = x as number;
      }
      return { id, vector };
    }),
  }));
  return { modelId: header.modelId, embeddingSize: n, nextId: header.nextId, identities };
}

function checkHeader(raw: unknown, source: string): BinaryHeader {
  const fail = (message: string): never => {
    throw new FaceDatabaseFormatError(source, message);
  };
  if (!isPlainObject(raw)) fail(`its header is ${describeValue(raw)}, not an object`);
  const h = raw as Record<string, unknown>;
  if (h['format'] !== FACE_DATABASE_FORMAT) fail(`'format' is ${describeValue(h['format'])}, expected '${FACE_DATABASE_FORMAT}'`);
  const version = h['formatVersion'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) fail(`'formatVersion' is ${describeValue(version)}`);
  if ((version as number) > FACE_DATABASE_FORMAT_VERSION) {
    fail(`it has format version ${version as number}, written by a newer @cnn/face (this one reads version ${FACE_DATABASE_FORMAT_VERSION}); upgrade @cnn/face`);
  }
  if (typeof h['modelId'] !== 'string' || h['modelId'] === '') fail(`'modelId' is ${describeValue(h['modelId'])}, expected a non-empty string`);
  const size = h['embeddingSize'];
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) fail(`'embeddingSize' is ${describeValue(size)}, expected an integer >= 1`);
  const count = h['count'];
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) fail(`'count' is ${describeValue(count)}`);
  const nextId = h['nextId'];
  if (typeof nextId !== 'number' || !Number.isSafeInteger(nextId) || nextId < 0) fail(`'nextId' is ${describeValue(nextId)}`);
  if (!Array.isArray(h['identities'])) fail("'identities' must be an array");
  const names = new Set<string>();
  const seen = new Set<number>();
  let total = 0;
  for (const [i, it] of (h['identities'] as unknown[]).entries()) {
    const o = (isPlainObject(it) ? it : fail(`identities[${i}] is ${describeValue(it)}`)) as Record<string, unknown>;
    const name = o['identity'];
    if (typeof name !== 'string' || name === '') fail(`identities[${i}].identity is ${describeValue(name)}, expected a non-empty string`);
    if (names.has(name as string)) fail(`the identity '${name as string}' appears twice`);
    names.add(name as string);
    if (!isPlainObject(o['metadata'])) fail(`identities[${i}].metadata is ${describeValue(o['metadata'])}, expected an object`);
    if (!Array.isArray(o['ids'])) fail(`identities[${i}] has no embedding id list`);
    for (const id of o['ids'] as unknown[]) {
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) fail(`'${name as string}' has the embedding id ${describeValue(id)}`);
      if (seen.has(id as number)) fail(`the embedding id ${id as number} appears twice`);
      if ((id as number) >= (nextId as number)) fail(`the embedding id ${id as number} is not below nextId ${nextId as number}`);
      seen.add(id as number);
      total++;
    }
  }
  if (total !== count) fail(`the header says ${count as number} embeddings, its identities list ${total}`);
  return raw as BinaryHeader;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

let CRC_TABLES: Uint32Array | undefined;

/**
 * CRC-32 (IEEE 802.3 polynomial 0xEDB88320, as zlib, PNG and gzip), slicing-by-8: eight bytes per step
 * through eight 256-entry tables, several times faster than the byte-at-a-time loop on a 10 MB file.
 */
export function crc32(bytes: Uint8Array): number {
  let t = CRC_TABLES;
  if (!t) {
    t = new Uint32Array(8 * 256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c >>> 0;
    }
    for (let n = 0; n < 256; n++) for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n]! >>> 8) ^ t[t[(k - 1) * 256 + n]! & 0xff]!;
    CRC_TABLES = t;
  }
  let crc = 0xffffffff;
  let i = 0;
  const end8 = bytes.length - (bytes.length % 8);
  for (; i < end8; i += 8) {
    const a = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^
      t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
  }
  for (; i < bytes.length; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
