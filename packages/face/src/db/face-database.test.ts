import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileNotFoundError, InvalidArgumentError } from '@cnn/ops';
import { afterAll, describe, expect, it } from 'vitest';
import { DISTANCE_METRICS, l2Normalize, rawDistance, type DistanceMetric } from '../distance.js';
import { FACE_API_MODEL_ID } from '../match/thresholds.js';
import { FaceDatabaseFormatError, FaceDatabaseMismatchError } from './errors.js';
import { FaceDatabase, removeStaleTempFiles } from './face-database.js';
import { encodeFaceDatabase } from './file-format.js';
import { FlatVectorStore } from './flat-vector-store.js';
import { clusteredEmbeddings, randomEmbeddings } from './test-support/random-embeddings.js';
import type { VectorRecord, VectorSearchOptions, VectorStore } from './vector-store.js';

const root = mkdtempSync(join(tmpdir(), 'cnn-face-db-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A 128-number embedding with the given leading numbers and zeros after them. */
const e128 = (...xs: number[]) => {
  const v = new Float32Array(128);
  v.set(xs);
  return v;
};

/** A 2-d database for hand-computed searches. */
async function tinyDb(): Promise<FaceDatabase> {
  const db = new FaceDatabase({ modelId: 'toy-2d', embeddingSize: 2 });
  await db.enroll('alice', [
    [0, 0],
    [4, 0],
  ]);
  await db.enroll('bob', [0, 3], { team: 'b' });
  await db.enroll('carol', [
    [10, 0],
    [10, 2],
  ]);
  return db;
}

describe('FaceDatabase: enroll, list, update, remove', () => {
  it('enrolls one or several embeddings per identity with increasing ids and merged metadata', async () => {
    const db = new FaceDatabase();
    expect(db.modelId).toBe(FACE_API_MODEL_ID);
    expect(db.embeddingSize).toBe(128);
    expect(await db.enroll('alice', e128(1), { name: 'Alice' })).toEqual([0]);
    expect(await db.enroll('bob', [e128(0, 1), Array.from(e128(0, 2))])).toEqual([1, 2]);
    expect(await db.enroll('alice', [e128(2)], { employee: 7 })).toEqual([3]);
    expect(db.size).toBe(4);
    expect(db.identityCount).toBe(2);
    expect(db.list()).toEqual([
      { identity: 'alice', metadata: { name: 'Alice', employee: 7 }, embeddingIds: [0, 3] },
      { identity: 'bob', metadata: {}, embeddingIds: [1, 2] },
    ]);
    expect(db.identityOf(2)).toBe('bob');
    expect(Array.from((await db.getEmbedding(3))!.subarray(0, 2))).toEqual([2, 0]);
    // Copies: changing what list() gave changes nothing inside.
    db.list()[0]!.metadata['name'] = 'Eve';
    expect(db.get('alice')!.metadata['name']).toBe('Alice');
  });

  it('refuses an embedding of the wrong length (another model), bad names and bad metadata, adding nothing', async () => {
    const db = new FaceDatabase();
    await expect(db.enroll('alice', new Float32Array(512))).rejects.toThrow(InvalidArgumentError);
    await expect(db.enroll('alice', new Float32Array(512))).rejects.toThrow(/128 numbers \(model 'dlib-resnet34-face-api'\).*512 numbers/);
    // One bad embedding among good ones: nothing is enrolled.
    await expect(db.enroll('alice', [e128(1), new Float32Array(127)])).rejects.toThrow(/embeddings\[1\]/);
    await expect(db.enroll('alice', [e128(1), e128(Number.NaN)])).rejects.toThrow(/finite/);
    await expect(db.enroll('unknown', e128(1))).rejects.toThrow(/'unknown' is what identify answers/);
    await expect(db.enroll('', e128(1))).rejects.toThrow(InvalidArgumentError);
    await expect(db.enroll('alice', [])).rejects.toThrow(InvalidArgumentError);
    await expect(db.enroll('alice', e128(1), [] as never)).rejects.toThrow(/JSON object/);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    await expect(db.enroll('alice', e128(1), cyclic as never)).rejects.toThrow(/JSON-serialisable/);
    expect(db.size).toBe(0);
    expect(db.identityCount).toBe(0);
    await expect(db.search(new Float32Array(64))).rejects.toThrow(/128 numbers/);
    expect(() => new FaceDatabase({ modelId: 'my-net' })).toThrow(/embeddingSize/);
    const used = new FlatVectorStore(128);
    used.add([{ id: 0, vector: e128(1) }]);
    expect(() => new FaceDatabase({ store: used })).toThrow(/empty vector store/);
    expect(() => new FaceDatabase({ store: new FlatVectorStore(64) })).toThrow(/dimension 128/);
  });

  it('updates metadata, renames in place, replaces and removes single embeddings and identities', async () => {
    const db = await tinyDb();
    await db.updateIdentity('bob', { metadata: { level: 2 } });
    expect(db.get('bob')!.metadata).toEqual({ team: 'b', level: 2 });
    await db.updateIdentity('bob', { metadata: { level: 3 }, replaceMetadata: true, rename: 'robert' });
    expect(db.list().map((r) => r.identity)).toEqual(['alice', 'robert', 'carol']);
    expect(db.get('robert')!.metadata).toEqual({ level: 3 });
    expect(db.identityOf(2)).toBe('robert');
    await expect(db.updateIdentity('robert', { rename: 'alice' })).rejects.toThrow(/no other identity/);
    await expect(db.updateIdentity('nobody', { metadata: {} })).rejects.toThrow(/enrolled identity/);

    // alice = ids 0, 1; robert = 2; carol = 3, 4. Move alice's (4, 0) next to carol.
    await db.updateEmbedding(1, [9, 1]);
    expect((await db.search([9, 1], { topK: 1 }))[0]).toMatchObject({ identity: 'alice', distance: 0, embeddingId: 1 });
    await expect(db.updateEmbedding(99, [0, 0])).rejects.toThrow(/enrolled embedding/);

    expect(await db.removeEmbedding(1)).toBe(true);
    expect(await db.removeEmbedding(1)).toBe(false);
    expect(db.get('alice')!.embeddingIds).toEqual([0]);
    expect(await db.removeEmbedding(2)).toBe(true); // robert's only one: robert is gone
    expect(db.has('robert')).toBe(false);
    expect(await db.removeIdentity('carol')).toBe(true);
    expect(await db.removeIdentity('carol')).toBe(false);
    expect(db.size).toBe(1);
    expect((await db.nearest([100, 100], { k: 5 })).map((m) => m.id)).toEqual([0]);
    // Ids are never reused.
    expect(await db.enroll('dave', [1, 1])).toEqual([5]);
  });
});

describe('FaceDatabase: search and identify', () => {
  it('hand-computed rankings for min, mean and centroid', async () => {
    const db = await tinyDb();
    // Query (3, 0). alice: (0,0) → 3, (4,0) → 1; bob: (0,3) → √18; carol: (10,0) → 7, (10,2) → √53.
    expect(await db.nearest([3, 0], { k: 3 })).toEqual([
      { id: 1, identity: 'alice', distance: 1 },
      { id: 0, identity: 'alice', distance: 3 },
      { id: 2, identity: 'bob', distance: Math.sqrt(18) },
    ]);
    const min = await db.search([3, 0], { topK: 3 });
    expect(min.map((m) => [m.identity, m.distance, m.embeddingId, m.embeddingCount])).toEqual([
      ['alice', 1, 1, 2],
      ['bob', Math.sqrt(18), 2, 1],
      ['carol', 7, 3, 2],
    ]);
    expect(min[1]!.metadata).toEqual({ team: 'b' });
    const mean = await db.search([3, 0], { topK: 3, aggregate: 'mean' });
    expect(mean.map((m) => m.identity)).toEqual(['alice', 'bob', 'carol']);
    expect(mean.map((m) => m.distance)).toEqual([2, Math.sqrt(18), expect.closeTo((7 + Math.sqrt(53)) / 2, 12)]);
    // Centroids: alice (2, 0) → 1; bob (0, 3) → √18; carol (10, 1) → √50.
    const centroid = await db.search([3, 0], { topK: 2, aggregate: 'centroid' });
    expect(centroid.map((m) => [m.identity, m.distance, m.embeddingId])).toEqual([
      ['alice', 1, undefined],
      ['bob', Math.sqrt(18), undefined],
    ]);
    // Cosine centroid = mean of the unit vectors. From (1, 0): alice's (0,0) normalises to 0, (4,0) to (1,0):
    // centroid (0.5, 0) → cosine 0. carol: mean of (1,0) and (10,2)/√104 → computed by the plain formula.
    const carolUnit = l2Normalize([10, 2]);
    const carolCentroid = [(1 + carolUnit[0]!) / 2, carolUnit[1]! / 2];
    const cosine = await db.search([1, 0], { topK: 3, metric: 'cosine', aggregate: 'centroid' });
    expect(cosine.map((m) => m.identity)).toEqual(['alice', 'carol', 'bob']);
    expect(cosine[1]!.distance).toBeCloseTo(rawDistance([1, 0], carolCentroid, 'cosine'), 6);
    expect(cosine[2]!.distance).toBeCloseTo(1, 12);
  });

  it('identify: the nearest identity within the threshold, else unknown; default threshold per model', async () => {
    const db = new FaceDatabase();
    await db.enroll('alice', e128(0.5));
    await db.enroll('bob', e128(0, 0.5));
    // Distance 0.3 to alice, √(0.8² + 0.5²) = 0.943 to bob; the default euclidean threshold is 0.6.
    const r = await db.identify(e128(0.8));
    expect(r).toMatchObject({ identity: 'alice', known: true, threshold: 0.6, metric: 'euclidean', aggregate: 'min', modelId: FACE_API_MODEL_ID });
    expect(r.distance).toBeCloseTo(0.3, 6);
    expect(r.matches.map((m) => [m.identity, m.verified])).toEqual([
      ['alice', true],
      ['bob', false],
    ]);
    const far = await db.identify(e128(1.2));
    expect(far).toMatchObject({ identity: 'unknown', known: false });
    expect(far.distance).toBeCloseTo(0.7, 6);
    expect(far.matches[0]!.identity).toBe('alice');
    expect((await db.identify(e128(1.2), { threshold: 0.75 })).identity).toBe('alice');
    expect((await db.identify(e128(1.2), { topK: 1 })).matches).toHaveLength(1);
    // cosine: (1.2, 0) and (0.5, 0) point the same way: 0 ≤ 0.0856.
    expect(await db.identify(e128(1.2), { metric: 'cosine' })).toMatchObject({ identity: 'alice', distance: 0, threshold: 0.0856 });
    const empty = await new FaceDatabase().identify(e128(1));
    expect(empty).toMatchObject({ identity: 'unknown', known: false, distance: Infinity, matches: [] });
    // No default for a model we have no table entry for.
    const mine = new FaceDatabase({ modelId: 'my-net', embeddingSize: 2 });
    await mine.enroll('x', [0, 1]);
    await expect(mine.identify([0, 1])).rejects.toThrow(/no default for model "my-net"/);
    expect((await mine.identify([0, 1], { threshold: 0.5 })).identity).toBe('x');
  });

  it('identify over 10,000 embeddings (2,000 people × 5) equals a brute-force plain loop, every metric and aggregate', async () => {
    const { embeddings, labels } = clusteredEmbeddings(2_000, 5, 128, 11, 0.35, 0.25);
    const db = new FaceDatabase({ modelId: 'synthetic', embeddingSize: 128 });
    // Enrolled as 5 separate calls per person in interleaved order, so ids of one person are not contiguous.
    for (let k = 0; k < 5; k++) for (let p = 0; p < 2_000; p++) await db.enroll(`p${p}`, embeddings[p * 5 + k]!);
    expect(db.size).toBe(10_000);
    const queries = clusteredEmbeddings(2_000, 5, 128, 11, 0.35, 0.25)
      .embeddings.filter((_, i) => i % 1_000 === 3)
      .map((v) => v.map((x, j) => x + Math.sin(j) * 0.05));
    queries.push(...randomEmbeddings(3, 128, 12).map((v) => v.map((x) => x * 0.25)));
    // The plain-loop reference: each person's vectors, and their centroids (mean of the raw vectors for
    // 'euclidean', of the unit vectors otherwise) as float64 number arrays.
    const byPerson = new Map<string, Float32Array[]>();
    embeddings.forEach((v, i) => byPerson.set(`p${labels[i]}`, [...(byPerson.get(`p${labels[i]}`) ?? []), v]));
    const mean = (xs: ArrayLike<number>[]) => Array.from({ length: 128 }, (_, j) => xs.reduce((s, x) => s + x[j]!, 0) / xs.length);
    const centroids = { raw: new Map<string, number[]>(), unit: new Map<string, number[]>() };
    for (const [identity, vs] of byPerson) {
      centroids.raw.set(identity, mean(vs));
      centroids.unit.set(identity, mean(vs.map((v) => l2Normalize(v))));
    }
    const reference = (q: Float32Array, metric: DistanceMetric, aggregate: 'min' | 'mean' | 'centroid') =>
      [...byPerson]
        .map(([identity, vs]) => {
          let distance: number;
          if (aggregate === 'centroid') distance = rawDistance(q, (metric === 'euclidean' ? centroids.raw : centroids.unit).get(identity)!, metric);
          else {
            const ds = vs.map((v) => rawDistance(q, v, metric));
            distance = aggregate === 'min' ? Math.min(...ds) : ds.reduce((a, b) => a + b, 0) / ds.length;
          }
          return { identity, distance };
        })
        .sort((a, b) => a.distance - b.distance);
    let agreeing = 0;
    for (const metric of DISTANCE_METRICS) {
      for (const aggregate of ['min', 'mean', 'centroid'] as const) {
        for (const q of queries) {
          const got = await db.search(q, { topK: 10, metric, aggregate });
          const want = reference(q, metric, aggregate).slice(0, 10);
          expect(got.map((m) => m.identity)).toEqual(want.map((m) => m.identity));
          for (let i = 0; i < 10; i++) expect(got[i]!.distance).toBeCloseTo(want[i]!.distance, aggregate === 'min' ? 12 : 5);
          if (aggregate === 'min') {
            // identify: known exactly when the nearest distance is ≤ the threshold.
            const t = want[0]!.distance;
            expect(await db.identify(q, { metric, threshold: t, topK: 3 })).toMatchObject({ identity: want[0]!.identity, known: true, distance: got[0]!.distance });
            expect(await db.identify(q, { metric, threshold: t * (1 - 1e-9) })).toMatchObject({ identity: 'unknown', known: false });
          }
          agreeing++;
        }
      }
    }
    expect(agreeing).toBe(3 * 3 * queries.length);
    // The clustered queries find their own person at rank 1.
    for (const [n, q] of queries.slice(0, 10).entries()) expect((await db.search(q, { topK: 1 }))[0]!.identity).toBe(`p${n * 200}`);
  });

  it('works the same through an asynchronous vector store (a stand-in for SQLite or a vector DB)', async () => {
    class AsyncStore implements VectorStore {
      readonly inner = new FlatVectorStore(16);
      readonly dimension = 16;
      calls = 0;
      get size() {
        return this.inner.size;
      }
      async add(records: readonly VectorRecord[]) {
        this.calls++;
        await new Promise((r) => setTimeout(r, 1));
        this.inner.add(records);
      }
      async remove(ids: readonly number[]) {
        this.calls++;
        return this.inner.remove(ids);
      }
      async get(id: number) {
        return this.inner.get(id);
      }
      async search(q: Float32Array, o: VectorSearchOptions) {
        this.calls++;
        await new Promise((r) => setTimeout(r, 1));
        return this.inner.search(q, o);
      }
      async all() {
        return this.inner.all();
      }
      async clear() {
        this.inner.clear();
      }
    }
    const { embeddings } = clusteredEmbeddings(30, 3, 16, 5);
    const store = new AsyncStore();
    const a = new FaceDatabase({ modelId: 'm16', embeddingSize: 16, store });
    const b = new FaceDatabase({ modelId: 'm16', embeddingSize: 16 });
    // Not awaited one by one: the queue keeps them in call order.
    await Promise.all(embeddings.map((v, i) => a.enroll(`p${i % 30}`, v)));
    for (const [i, v] of embeddings.entries()) await b.enroll(`p${i % 30}`, v);
    expect(a.list()).toEqual(b.list());
    // (The async store has no scoreAll: 'mean' goes through search with k = size.)
    for (const aggregate of ['min', 'mean', 'centroid'] as const) {
      for (const q of embeddings.slice(0, 10)) {
        const [x, y] = [await a.search(q, { topK: 4, metric: 'cosine', aggregate }), await b.search(q, { topK: 4, metric: 'cosine', aggregate })];
        expect(x.map((m) => m.identity)).toEqual(y.map((m) => m.identity));
        for (const [i, m] of x.entries()) expect(m.distance).toBeCloseTo(y[i]!.distance, 12);
      }
    }
    expect(await a.toBytes()).toEqual(await b.toBytes());
    expect(store.calls).toBeGreaterThan(90);
  });

  it('keeps the centroids right through enroll, update, remove and rename (against a freshly loaded copy)', async () => {
    const { embeddings } = clusteredEmbeddings(12, 3, 8, 31, 0.5, 0.3);
    const db = new FaceDatabase({ modelId: 'm8', embeddingSize: 8 });
    for (const [i, v] of embeddings.entries()) await db.enroll(`p${i % 12}`, v);
    const queries = embeddings.filter((_, i) => i % 5 === 0);
    const compare = async () => {
      const fresh = await FaceDatabase.fromSnapshot(await db.snapshot());
      for (const metric of DISTANCE_METRICS) {
        for (const q of queries) {
          for (const aggregate of ['centroid', 'mean', 'min'] as const) {
            const [x, y] = [await db.search(q, { topK: 12, metric, aggregate }), await fresh.search(q, { topK: 12, metric, aggregate })];
            // 'mean' sums in the stores' row order, which differs after a reload: equal to the last bits only.
            expect(x.map(({ distance: _, ...m }) => m)).toEqual(y.map(({ distance: _, ...m }) => m));
            for (const [i, m] of x.entries()) expect(m.distance).toBeCloseTo(y[i]!.distance, 12);
          }
        }
      }
    };
    await compare(); // builds both centroid stores
    await db.enroll('p3', embeddings[20]!.map((x) => -x));
    await compare();
    await db.updateEmbedding(db.get('p5')!.embeddingIds[0]!, embeddings[0]!);
    await compare();
    await db.removeEmbedding(db.get('p7')!.embeddingIds[1]!);
    await db.removeIdentity('p8');
    await compare();
    await db.updateIdentity('p2', { rename: 'renamed' });
    await db.enroll('newcomer', [embeddings[1]!, embeddings[2]!]);
    for (const id of db.get('p9')!.embeddingIds) await db.removeEmbedding(id);
    expect(db.has('p9')).toBe(false);
    await compare();
    expect((await db.search(embeddings[6]!, { topK: 12, aggregate: 'centroid' })).map((m) => m.identity)).toContain('renamed');
  });

  it('checks its options and is unusable after dispose', async () => {
    const db = await tinyDb();
    await expect(db.search([0, 0], { topK: 0 })).rejects.toThrow(/options.topK/);
    await expect(db.search([0, 0], { metric: 'l1' as never })).rejects.toThrow(/options.metric/);
    await expect(db.search([0, 0], { aggregate: 'max' as never })).rejects.toThrow(/options.aggregate/);
    await expect(db.identify([0, 0], { threshold: Number.NaN })).rejects.toThrow(/options.threshold/);
    await db.dispose();
    await expect(db.search([0, 0])).rejects.toThrow(/disposed/);
    await expect(db.enroll('x', [0, 0])).rejects.toThrow(/disposed/);
  });
});

describe('FaceDatabase: files', () => {
  it('round-trips through the binary file and the JSON file exactly, ids and order included', async () => {
    const { embeddings } = clusteredEmbeddings(50, 4, 128, 3);
    const db = new FaceDatabase();
    for (const [i, v] of embeddings.entries()) await db.enroll(`person ${i % 50}`, v, { n: i % 50, tags: ['x', i % 2 === 0] });
    await db.removeEmbedding(17);
    await db.updateIdentity('person 3', { rename: 'Zoë' });
    for (const format of ['binary', 'json'] as const) {
      const path = join(root, `round-trip.${format}`);
      await db.save(path, { format });
      const back = await FaceDatabase.load(path, { modelId: FACE_API_MODEL_ID, embeddingSize: 128 });
      expect(back.list()).toEqual(db.list());
      expect(await back.snapshot()).toEqual(await db.snapshot()); // vectors equal number for number
      expect(await back.toBytes()).toEqual(await db.toBytes());
      for (const q of embeddings.slice(0, 5)) expect(await back.identify(q, { topK: 3 })).toEqual(await db.identify(q, { topK: 3 }));
      // nextId survives: a removed id is not handed out again.
      expect(await back.enroll('new', embeddings[0]!)).toEqual([200]);
    }
    // The binary file is compact: header + 4 bytes per number + CRC.
    const size = readFileSync(join(root, 'round-trip.binary')).length;
    expect(size).toBeGreaterThan(199 * 128 * 4);
    expect(size).toBeLessThan(199 * 128 * 4 + 20_000);
    // The JSON interchange object re-imports to the same database.
    const json = await db.exportJSON();
    expect(json).toMatchObject({ format: 'cnn-face-db', formatVersion: 1, modelId: FACE_API_MODEL_ID, embeddingSize: 128, nextId: 200 });
    expect(await (await FaceDatabase.importJSON(JSON.stringify(json))).toBytes()).toEqual(await db.toBytes());
    // An empty database too.
    const emptyPath = join(root, 'empty.db');
    await new FaceDatabase({ modelId: 'm', embeddingSize: 3 }).save(emptyPath);
    const empty = await FaceDatabase.load(emptyPath);
    expect([empty.modelId, empty.embeddingSize, empty.size]).toEqual(['m', 3, 0]);
  });

  it('refuses a database of another model with FaceDatabaseMismatchError', async () => {
    const path = join(root, 'other-model.db');
    const db = new FaceDatabase({ modelId: 'facenet-512', embeddingSize: 512 });
    await db.enroll('alice', new Float32Array(512).fill(0.1));
    await db.save(path);
    const err = await FaceDatabase.load(path, { modelId: FACE_API_MODEL_ID }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FaceDatabaseMismatchError);
    expect((err as FaceDatabaseMismatchError).found).toEqual({ modelId: 'facenet-512', embeddingSize: 512 });
    expect((err as Error).message).toMatch(/512-number embeddings of model 'facenet-512', expected model 'dlib-resnet34-face-api'/);
    await expect(FaceDatabase.load(path, { embeddingSize: 128 })).rejects.toThrow(FaceDatabaseMismatchError);
    await expect(FaceDatabase.importJSON(await db.exportJSON(), { modelId: 'dlib-resnet34-face-api' })).rejects.toThrow(FaceDatabaseMismatchError);
    // Without expectations it loads as what it is, and refuses 128-number queries.
    const loaded = await FaceDatabase.load(path);
    expect(loaded.modelId).toBe('facenet-512');
    await expect(loaded.identify(e128(1), { threshold: 1 })).rejects.toThrow(/512 numbers \(model 'facenet-512'\)/);
  });

  it('a truncated, corrupt or foreign file is a typed error, never a half-loaded database', async () => {
    const { embeddings } = clusteredEmbeddings(10, 3, 128, 4);
    const db = new FaceDatabase();
    for (const [i, v] of embeddings.entries()) await db.enroll(`p${i % 10}`, v);
    const good = await db.toBytes();
    const store = new FlatVectorStore(128);
    // Every truncation length across the header, a sample across the vectors.
    const lengths = [0, 1, 7, 8, 12, 16, 17, ...Array.from({ length: 40 }, (_, i) => Math.floor(((i + 1) * good.length) / 41)), good.length - 4, good.length - 1];
    for (const n of lengths) await expect(FaceDatabase.fromBytes(good.slice(0, n), { store })).rejects.toThrow(FaceDatabaseFormatError);
    // One flipped byte anywhere: the CRC (or the header check) catches it.
    for (let i = 0; i < good.length; i += 97) {
      const bad = good.slice();
      bad[i]! ^= 0x10;
      await expect(FaceDatabase.fromBytes(bad, { store })).rejects.toThrow(FaceDatabaseFormatError);
    }
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    await expect(FaceDatabase.fromBytes(longer)).rejects.toThrow(/bytes more than its header/);
    // The store given to the failed loads was never filled.
    expect(store.size).toBe(0);
    // A newer format version.
    const newer = good.slice();
    new DataView(newer.buffer).setUint32(8, 2, true);
    await expect(FaceDatabase.fromBytes(newer)).rejects.toThrow(/newer @cnn\/face/);
    // JSON cut short, JSON of something else, text that is neither.
    const text = new TextEncoder().encode(JSON.stringify(await db.exportJSON()));
    await expect(FaceDatabase.fromBytes(text.slice(0, text.length - 10))).rejects.toThrow(/not valid JSON/);
    await expect(FaceDatabase.fromBytes(new TextEncoder().encode('{"format":"keras"}'))).rejects.toThrow(/'format'/);
    await expect(FaceDatabase.fromBytes(new TextEncoder().encode('hello'))).rejects.toThrow(FaceDatabaseFormatError);
    // A header that lies (ids repeated) is refused although its CRC is right.
    const snap = await db.snapshot();
    snap.identities[1]!.embeddings[0]!.id = snap.identities[0]!.embeddings[0]!.id;
    await expect(FaceDatabase.fromBytes(encodeFaceDatabase(snap))).rejects.toThrow(/appears twice/);
    // On disk: a missing file, and a corrupt one named in the message.
    await expect(FaceDatabase.load(join(root, 'nope.db'))).rejects.toThrow(FileNotFoundError);
    const path = join(root, 'corrupt.db');
    writeFileSync(path, good.slice(0, 1000));
    await expect(FaceDatabase.load(path)).rejects.toThrow(new RegExp(`'${path.replace(/[\\/.]/g, '\\$&')}': it is truncated`));
  });

  it('save serialises with the other operations: what was enrolled before save() is in the file', async () => {
    const path = join(root, 'queued.db');
    const db = new FaceDatabase({ modelId: 'm', embeddingSize: 4 });
    const pending = [db.enroll('a', [1, 0, 0, 0]), db.enroll('b', [0, 1, 0, 0]), db.save(path), db.enroll('c', [0, 0, 1, 0])];
    await Promise.all(pending);
    const saved = await FaceDatabase.load(path);
    expect(saved.list().map((r) => r.identity)).toEqual(['a', 'b']);
    expect(db.identityCount).toBe(3);
  });

  it('removes temporary files of dead processes next to the file, keeps those of live ones', async () => {
    const dir = mkdtempSync(join(root, 'stale-'));
    const path = join(dir, 'faces.db');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout.trim();
    const names = [`.faces.db.${dead}.0a1b2c3d.tmp`, `.faces.db.${process.pid}.deadbeef.tmp`, `.faces.db.x.${dead}.0a1b2c3d.tmp`, `.other.db.${dead}.0a1b2c3d.tmp`];
    for (const n of names) writeFileSync(join(dir, n), 'partial');
    const db = new FaceDatabase({ modelId: 'm', embeddingSize: 2 });
    await db.enroll('a', [1, 2]);
    await db.save(path);
    expect(readdirSync(dir).sort()).toEqual([names[1], names[2], names[3], 'faces.db'].sort());
    expect(await removeStaleTempFiles(path)).toEqual([]);
  });
});
