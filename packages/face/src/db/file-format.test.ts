import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FaceDatabaseFormatError } from './errors.js';
import {
  FACE_DATABASE_MAGIC,
  crc32,
  decodeFaceDatabase,
  encodeFaceDatabase,
  faceDatabaseFromJSON,
  faceDatabaseToJSON,
  type FaceDatabaseSnapshot,
} from './file-format.js';
import { randomEmbeddings } from './test-support/random-embeddings.js';

const tiny: FaceDatabaseSnapshot = {
  modelId: 'm',
  embeddingSize: 2,
  nextId: 3,
  identities: [{ identity: 'a', metadata: { k: 1 }, embeddings: [{ id: 2, vector: Float32Array.of(1.5, -2) }] }],
};

describe('face database file format', () => {
  it('CRC-32 is the standard one (check value, and zlib on random data of every length mod 8)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const data = new Uint8Array(randomEmbeddings(1, 4096, 5)[0]!.buffer);
    const zcrc = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
    // A plain byte-at-a-time reference, whatever zlib version is installed.
    const reference = (b: Uint8Array) => {
      let c = 0xffffffff;
      for (const x of b) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    for (const n of [1, 7, 8, 9, 15, 16, 17, 1000, 16_383]) {
      const part = data.subarray(3, 3 + n);
      expect(crc32(part)).toBe(reference(part));
      if (zcrc) expect(crc32(part)).toBe(zcrc(part));
    }
  });

  it('lays out magic, version, header length, header, float32 rows and CRC as documented', () => {
    const bytes = encodeFaceDatabase(tiny);
    const view = new DataView(bytes.buffer);
    expect(Array.from(bytes.subarray(0, 8))).toEqual(Array.from(FACE_DATABASE_MAGIC));
    expect(view.getUint32(8, true)).toBe(1);
    const h = view.getUint32(12, true);
    expect(h % 4).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + h)));
    expect(header).toEqual({ format: 'cnn-face-db', formatVersion: 1, modelId: 'm', embeddingSize: 2, count: 1, nextId: 3, identities: [{ identity: 'a', metadata: { k: 1 }, ids: [2] }] });
    expect([view.getFloat32(16 + h, true), view.getFloat32(20 + h, true)]).toEqual([1.5, -2]);
    expect(bytes.length).toBe(16 + h + 8 + 4);
    expect(view.getUint32(bytes.length - 4, true)).toBe(crc32(bytes.subarray(0, bytes.length - 4)));
    expect(decodeFaceDatabase(bytes)).toEqual(tiny);
    // Deterministic: the same snapshot gives the same bytes.
    expect(encodeFaceDatabase(structuredClone(tiny))).toEqual(bytes);
  });

  it('decodes bytes that do not start on a 4-byte boundary (a Buffer slice of a larger file)', () => {
    const bytes = encodeFaceDatabase(tiny);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(decodeFaceDatabase(shifted.subarray(1))).toEqual(tiny);
  });

  it('JSON keeps float32 values exactly and is checked like the binary header', () => {
    const vectors = randomEmbeddings(20, 16, 9);
    const snap: FaceDatabaseSnapshot = {
      modelId: 'x',
      embeddingSize: 16,
      nextId: 20,
      identities: [
        { identity: 'p', metadata: {}, embeddings: vectors.slice(0, 10).map((vector, id) => ({ id, vector })) },
        { identity: 'q', metadata: { nested: { a: [1, null, 'z'] } }, embeddings: vectors.slice(10).map((vector, i) => ({ id: 10 + i, vector })) },
      ],
    };
    const text = JSON.stringify(faceDatabaseToJSON(snap));
    expect(faceDatabaseFromJSON(text)).toEqual(snap);
    const bad = (mutate: (j: ReturnType<typeof faceDatabaseToJSON>) => void) => {
      const j = faceDatabaseToJSON(snap);
      mutate(j);
      return () => faceDatabaseFromJSON(JSON.parse(JSON.stringify(j)));
    };
    expect(bad((j) => (j.identities[0]!.embeddings[0]!.vector = [1, 2]))).toThrow(/16 numbers/);
    expect(bad((j) => (j.identities[0]!.embeddings[0]!.vector[3] = 'x' as never))).toThrow(/not a finite number/);
    expect(bad((j) => (j.identities[1]!.identity = 'p'))).toThrow(/appears twice/);
    expect(bad((j) => (j.nextId = 5))).toThrow(/not below nextId/);
    expect(bad((j) => (j.modelId = ''))).toThrow(/modelId/);
    expect(bad((j) => (j.formatVersion = 9))).toThrow(/newer/);
    expect(bad((j) => (j.identities[0]!.metadata = [] as never))).toThrow(FaceDatabaseFormatError);
  });
});
