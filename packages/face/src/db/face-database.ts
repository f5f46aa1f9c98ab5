/**
 * A face database: identities (a name, JSON metadata, one or more embeddings each) for one embedding model,
 * searched by nearest neighbours, saved to disk atomically.
 *
 * - **One model per database.** The database records its model id and embedding size; an embedding of another
 *   length is refused when enrolled or searched, and a saved database of another model is refused on load
 *   (`FaceDatabaseMismatchError`): distances between embeddings of different models mean nothing.
 * - **Identities.** An identity exists while it has at least one embedding (removing its last embedding removes
 *   it). Every embedding gets an id (0, 1, 2, … never reused) so one bad enrollment can be replaced or removed.
 *   The name 'unknown' is reserved for identification's "nobody" answer.
 * - **Search.** `nearest` ranks embeddings; `search` ranks identities by one of three aggregates:
 *   'min' (default: the distance of the identity's nearest embedding, dlib's and DeepFace's rule), 'mean'
 *   (the mean distance over its embeddings: steadier with mixed-quality enrollments, but every embedding is
 *   scored) or 'centroid' (the distance to the mean of its embeddings: the mean of the raw vectors for
 *   'euclidean', of the L2-normalised vectors for 'cosine' / 'euclidean-l2'; one distance per identity).
 *   The default thresholds were set for single pairs ('min'); calibrate your own for 'mean' / 'centroid'.
 *   'min' asks the store for the (K − 1)·m + 1 nearest embeddings (m = most embeddings of one identity), which
 *   provably hold the K nearest identities; 'mean' scores every embedding (`scoreAll` when the store has it);
 *   'centroid' keeps one centroid per identity in an in-memory FlatVectorStore, updated for the identities
 *   that changed. All three are exact. Ties: smaller embedding id ('min'), earlier-enrolled identity (others).
 * - **Storage.** Vectors live in a `VectorStore` (default `FlatVectorStore`, exact brute force in memory);
 *   the database keeps the identities. Operations run one at a time in call order (an internal queue), so a
 *   save never sees half an enrollment even with an asynchronous store.
 * - **Files** (Node): `save(path)` writes the binary format of './file-format.ts' (or `{ format: 'json' }`)
 *   to a temporary file in the same folder, fsyncs it and renames it over `path` (@cnn/ops `writeFileAtomic`):
 *   a crash at any moment leaves the previous file or the new one, never a mix. It then deletes temporary files
 *   of that path left by processes that died mid-save. `FaceDatabase.load(path)` reads either format and checks
 *   everything (length, CRC-32, header) before building anything: a corrupt or truncated file gives
 *   `FaceDatabaseFormatError`, never a half-loaded database.
 */
import { FileNotFoundError, InvalidArgumentError, describeValue, writeFileAtomic } from '@cnn/ops';
import { assertMetric, l2Normalize, toEmbedding, type DistanceMetric, type EmbeddingLike } from '../distance.js';
import { IDENTITY_AGGREGATES, UNKNOWN_IDENTITY, decideIdentity, type IdentifyResult, type IdentityAggregate, type IdentityMatch } from '../match/identify-result.js';
import { FACE_API_EMBEDDING_SIZE, FACE_API_MODEL_ID, defaultThreshold } from '../match/thresholds.js';
import { FaceDatabaseFormatError, FaceDatabaseMismatchError } from './errors.js';
import {
  decodeFaceDatabase,
  encodeFaceDatabase,
  faceDatabaseFromJSON,
  faceDatabaseToJSON,
  isBinaryFaceDatabase,
  type FaceDatabaseJSON,
  type FaceDatabaseSnapshot,
  type JsonObject,
} from './file-format.js';
import { FlatVectorStore } from './flat-vector-store.js';
import type { VectorStore } from './vector-store.js';

export interface FaceDatabaseOptions {
  /** The embedding model's id (default 'dlib-resnet34-face-api'). */
  modelId?: string;
  /** Length of its embeddings (default 128 for 'dlib-resnet34-face-api'; required for other models). */
  embeddingSize?: number;
  /** Where the vectors live (default a new FlatVectorStore). It must be empty and of the embedding size. */
  store?: VectorStore;
}

export interface LoadFaceDatabaseOptions {
  /** Refuse a database of another model (FaceDatabaseMismatchError). */
  modelId?: string;
  /** Refuse a database of another embedding size (FaceDatabaseMismatchError). */
  embeddingSize?: number;
  /** An empty store to load the vectors into (default a new FlatVectorStore). */
  store?: VectorStore;
}

export interface NearestOptions {
  /** How many embeddings (default 5). */
  k?: number;
  /** Default 'euclidean'. */
  metric?: DistanceMetric;
}

export interface SearchOptions {
  /** How many identities (default 5). */
  topK?: number;
  /** Default 'euclidean'. */
  metric?: DistanceMetric;
  /** How an identity's embeddings make its distance (default 'min'; see the module comment). */
  aggregate?: IdentityAggregate;
}

export interface IdentifyOptions extends SearchOptions {
  /** Same person when distance ≤ threshold; default DEFAULT_THRESHOLDS[modelId][metric]. */
  threshold?: number;
}

export interface SaveOptions {
  /** 'binary' (default: compact, checksummed) or 'json' (interchange). `load` reads both. */
  format?: 'binary' | 'json';
}

export interface UpdateIdentityOptions {
  /** Metadata merged into the identity's (shallow), or replacing it with `replaceMetadata: true`. */
  metadata?: JsonObject;
  replaceMetadata?: boolean;
  /** A new name (not taken, not 'unknown'); the identity keeps its place in `list()`. */
  rename?: string;
}

/** An identity as `list()` and `get()` give it (copies). */
export interface IdentityRecord {
  identity: string;
  metadata: JsonObject;
  /** Its embedding ids, in enrollment order. */
  embeddingIds: number[];
}

/** One embedding in a ranking. */
export interface EmbeddingMatch {
  id: number;
  identity: string;
  distance: number;
}

interface IdentityEntry {
  /** A number for the identity that stays through renames (the id of its centroid, the tie-breaker). */
  key: number;
  metadata: JsonObject;
  ids: number[];
}

type CentroidKind = 'raw' | 'unit';

const noop = () => undefined;

export class FaceDatabase {
  readonly modelId: string;
  readonly embeddingSize: number;
  private readonly store: VectorStore;
  private identitiesMap = new Map<string, IdentityEntry>();
  private readonly owner = new Map<number, string>();
  private nextId = 0;
  private readonly nameOfKey = new Map<number, string>();
  private nextKey = 0;
  private maxPerIdentity = 0;
  private maxDirty = false;
  /**
   * Identity centroids for the 'centroid' aggregate, built on first use: the mean of the raw vectors ('raw',
   * for 'euclidean') or of the unit vectors ('unit'), one FlatVectorStore row per identity key. Keys of changed
   * identities wait in `dirty` until the next centroid search.
   */
  private readonly centroids: Record<CentroidKind, { store: FlatVectorStore | undefined; dirty: Set<number> }> = {
    raw: { store: undefined, dirty: new Set() },
    unit: { store: undefined, dirty: new Set() },
  };
  private tail: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(options: FaceDatabaseOptions = {}) {
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
    const modelId = options.modelId ?? FACE_API_MODEL_ID;
    if (typeof modelId !== 'string' || modelId === '') throw new InvalidArgumentError('options.modelId', 'a non-empty string', describeValue(modelId));
    const size = options.embeddingSize ?? (modelId === FACE_API_MODEL_ID ? FACE_API_EMBEDDING_SIZE : undefined);
    if (size === undefined) throw new InvalidArgumentError('options.embeddingSize', `the embedding length of model '${modelId}'`, 'undefined');
    if (!Number.isInteger(size) || size < 1) throw new InvalidArgumentError('options.embeddingSize', 'an integer >= 1', describeValue(size));
    const store = options.store ?? new FlatVectorStore(size);
    if (store.dimension !== size) throw new InvalidArgumentError('options.store', `a vector store of dimension ${size}`, `one of dimension ${describeValue(store.dimension)}`);
    if (store.size !== 0) {
      throw new InvalidArgumentError('options.store', 'an empty vector store', `one holding ${store.size} vectors`, 'The database keeps the identities of its vectors itself: load a saved database into the store instead.');
    }
    this.modelId = modelId;
    this.embeddingSize = size;
    this.store = store;
  }

  /** Number of embeddings. */
  get size(): number {
    return this.owner.size;
  }

  /** Number of identities. */
  get identityCount(): number {
    return this.identitiesMap.size;
  }

  has(identity: string): boolean {
    return this.identitiesMap.has(identity);
  }

  /** The identity's record (a copy), or undefined. */
  get(identity: string): IdentityRecord | undefined {
    const e = this.identitiesMap.get(identity);
    return e && { identity, metadata: structuredClone(e.metadata), embeddingIds: [...e.ids] };
  }

  /** Every identity, in enrollment order (copies). */
  list(): IdentityRecord[] {
    return [...this.identitiesMap].map(([identity, e]) => ({ identity, metadata: structuredClone(e.metadata), embeddingIds: [...e.ids] }));
  }

  /** The identity an embedding id belongs to, or undefined. */
  identityOf(id: number): string | undefined {
    return this.owner.get(id);
  }

  /** A copy of an embedding, or undefined. */
  getEmbedding(id: number): Promise<Float32Array | undefined> {
    return this.exclusive(async () => (this.owner.has(id) ? ((await this.store.get(id)) ?? undefined) : undefined));
  }

  /**
   * Adds one embedding or several to an identity (created if new); `metadata` is merged into the identity's.
   * Returns the new embedding ids. Everything is checked first: a bad embedding adds nothing.
   */
  enroll(identity: string, embeddings: EmbeddingLike | readonly EmbeddingLike[], metadata?: JsonObject): Promise<number[]> {
    return this.exclusive(async () => {
      checkIdentityName(identity, 'identity');
      const vectors = this.toVectors(embeddings, 'embeddings');
      const meta = metadata === undefined ? undefined : toJsonObject(metadata, 'metadata');
      const ids = vectors.map((_, i) => this.nextId + i);
      await this.store.add(ids.map((id, i) => ({ id, vector: vectors[i]! })));
      this.nextId += ids.length;
      let entry = this.identitiesMap.get(identity);
      if (!entry) entry = this.addEntry(identity, {});
      if (meta) entry.metadata = { ...entry.metadata, ...meta };
      entry.ids.push(...ids);
      for (const id of ids) this.owner.set(id, identity);
      this.changed(identity);
      return ids;
    });
  }

  /** Replaces one embedding's vector (same id, same identity). */
  updateEmbedding(id: number, embedding: EmbeddingLike): Promise<void> {
    return this.exclusive(async () => {
      const identity = this.ownerOf(id);
      const vector = this.toVector(embedding, 'embedding');
      await this.store.add([{ id, vector }]);
      this.changed(identity);
    });
  }

  /** Changes an identity's metadata and/or name. */
  updateIdentity(identity: string, update: UpdateIdentityOptions): Promise<void> {
    return this.exclusive(() => {
      const entry = this.entryOf(identity);
      if (update === null || typeof update !== 'object') throw new InvalidArgumentError('update', '{ metadata?, replaceMetadata?, rename? }', describeValue(update));
      const meta = update.metadata === undefined ? undefined : toJsonObject(update.metadata, 'update.metadata');
      const rename = update.rename;
      if (rename !== undefined && rename !== identity) {
        checkIdentityName(rename, 'update.rename');
        if (this.identitiesMap.has(rename)) throw new InvalidArgumentError('update.rename', 'a name no other identity has', JSON.stringify(rename));
      }
      if (meta) entry.metadata = update.replaceMetadata ? meta : { ...entry.metadata, ...meta };
      else if (update.replaceMetadata) entry.metadata = {};
      if (rename !== undefined && rename !== identity) {
        this.identitiesMap = new Map([...this.identitiesMap].map(([name, e]) => [name === identity ? rename : name, e]));
        for (const id of entry.ids) this.owner.set(id, rename);
        this.nameOfKey.set(entry.key, rename);
      }
    });
  }

  /** Removes an identity and its embeddings; false when there was none. */
  removeIdentity(identity: string): Promise<boolean> {
    return this.exclusive(async () => {
      const entry = this.identitiesMap.get(identity);
      if (!entry) return false;
      await this.store.remove(entry.ids);
      for (const id of entry.ids) this.owner.delete(id);
      this.changed(identity);
      this.deleteEntry(identity);
      return true;
    });
  }

  /** Removes one embedding (and its identity when it was the last one); false when there was none. */
  removeEmbedding(id: number): Promise<boolean> {
    return this.exclusive(async () => {
      const identity = this.owner.get(id);
      if (identity === undefined) return false;
      await this.store.remove([id]);
      this.owner.delete(id);
      const entry = this.identitiesMap.get(identity)!;
      entry.ids = entry.ids.filter((x) => x !== id);
      this.changed(identity);
      if (entry.ids.length === 0) this.deleteEntry(identity);
      return true;
    });
  }

  /** The k nearest embeddings to the query, nearest first (ties: smaller id first). */
  nearest(query: EmbeddingLike, options: NearestOptions = {}): Promise<EmbeddingMatch[]> {
    return this.exclusive(async () => {
      const k = options.k ?? 5;
      if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError('options.k', 'an integer >= 1', describeValue(k));
      const metric = options.metric ?? 'euclidean';
      assertMetric(metric, 'options.metric');
      const q = this.toVector(query, 'query');
      if (this.size === 0) return [];
      const hits = await this.store.search(q, { k: Math.min(k, this.size), metric });
      return hits.flatMap((h) => {
        const identity = this.owner.get(h.id);
        return identity === undefined ? [] : [{ id: h.id, identity, distance: h.distance }];
      });
    });
  }

  /** The topK nearest identities to the query, nearest first (see the aggregates in the module comment). */
  search(query: EmbeddingLike, options: SearchOptions = {}): Promise<IdentityMatch[]> {
    return this.exclusive(() => {
      const { topK, metric, aggregate } = checkSearchOptions(options);
      return this.rank(this.toVector(query, 'query'), topK, metric, aggregate);
    });
  }

  /**
   * Who is this? The nearest identity when its distance is ≤ the threshold (default: this model's
   * DEFAULT_THRESHOLDS entry for the metric), else 'unknown'; with the topK ranking.
   */
  identify(query: EmbeddingLike, options: IdentifyOptions = {}): Promise<IdentifyResult> {
    return this.exclusive(async () => {
      const { topK, metric, aggregate } = checkSearchOptions(options);
      const threshold = options.threshold ?? defaultThreshold(this.modelId, metric);
      if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new InvalidArgumentError('options.threshold', 'a number', describeValue(threshold));
      const ranking = await this.rank(this.toVector(query, 'query'), topK, metric, aggregate);
      return decideIdentity(ranking, { threshold, metric, aggregate, modelId: this.modelId });
    });
  }

  /** Everything the database holds, as plain data (vectors copied). */
  snapshot(): Promise<FaceDatabaseSnapshot> {
    return this.exclusive(() => this.snapshotNow());
  }

  /** The binary file format (see './file-format.ts'). */
  async toBytes(): Promise<Uint8Array> {
    return encodeFaceDatabase(await this.snapshot());
  }

  /** The JSON interchange form. */
  async exportJSON(): Promise<FaceDatabaseJSON> {
    return faceDatabaseToJSON(await this.snapshot());
  }

  /**
   * Writes the database to `path` atomically (temporary file in the same folder, fsync, rename), then deletes
   * temporary files of `path` left by processes that died while saving. Node only.
   */
  save(path: string, options: SaveOptions = {}): Promise<void> {
    return this.exclusive(async () => {
      if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path', 'a file path', describeValue(path));
      const format = options.format ?? 'binary';
      if (format !== 'binary' && format !== 'json') throw new InvalidArgumentError('options.format', "'binary' or 'json'", describeValue(format));
      const snap = await this.snapshotNow();
      const bytes = format === 'binary' ? encodeFaceDatabase(snap) : new TextEncoder().encode(JSON.stringify(faceDatabaseToJSON(snap)));
      await writeFileAtomic(path, bytes);
      await removeStaleTempFiles(path);
    });
  }

  /** Reads a database saved by `save` (binary or JSON). Node only. */
  static async load(path: string, options: LoadFaceDatabaseOptions = {}): Promise<FaceDatabase> {
    if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path', 'a file path', describeValue(path));
    const { readFile } = await import('node:fs/promises');
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') throw new FileNotFoundError(path, 'face database', 'Save one with `db.save(path)` first.');
      throw err;
    }
    return FaceDatabase.fromBytes(bytes, options, `'${path}'`);
  }

  /** A database from the bytes of a saved file (binary or JSON text). */
  static fromBytes(bytes: Uint8Array, options: LoadFaceDatabaseOptions = {}, source = 'bytes'): Promise<FaceDatabase> {
    if (!(bytes instanceof Uint8Array)) return Promise.reject(new InvalidArgumentError('bytes', 'a Uint8Array', describeValue(bytes)));
    let snapshot: FaceDatabaseSnapshot;
    try {
      snapshot = parseFaceDatabase(bytes, source);
    } catch (err) {
      return Promise.reject(err);
    }
    return FaceDatabase.fromSnapshot(snapshot, options, source);
  }

  /** A database from its JSON interchange form (the object or its text). */
  static importJSON(json: FaceDatabaseJSON | string, options: LoadFaceDatabaseOptions = {}): Promise<FaceDatabase> {
    let snapshot: FaceDatabaseSnapshot;
    try {
      snapshot = faceDatabaseFromJSON(json);
    } catch (err) {
      return Promise.reject(err);
    }
    return FaceDatabase.fromSnapshot(snapshot, options, 'JSON');
  }

  /** A database from a snapshot, after checking the model against `options`. */
  static async fromSnapshot(snapshot: FaceDatabaseSnapshot, options: LoadFaceDatabaseOptions = {}, source = 'snapshot'): Promise<FaceDatabase> {
    const found = { modelId: snapshot.modelId, embeddingSize: snapshot.embeddingSize };
    if ((options.modelId !== undefined && options.modelId !== found.modelId) || (options.embeddingSize !== undefined && options.embeddingSize !== found.embeddingSize)) {
      throw new FaceDatabaseMismatchError(source, { modelId: options.modelId, embeddingSize: options.embeddingSize }, found);
    }
    let count = 0;
    for (const it of snapshot.identities) count += it.embeddings.length;
    const store = options.store ?? new FlatVectorStore(snapshot.embeddingSize, { capacity: Math.max(1, count) });
    const db = new FaceDatabase({ modelId: snapshot.modelId, embeddingSize: snapshot.embeddingSize, store });
    // Everything is checked before the store is touched; if the store itself fails, it is emptied again.
    const records: { id: number; vector: Float32Array }[] = [];
    const names = new Set<string>();
    for (const it of snapshot.identities) {
      if (typeof it.identity !== 'string' || it.identity === '' || it.identity === UNKNOWN_IDENTITY) {
        throw new FaceDatabaseFormatError(source, `${describeValue(it.identity)} is not a valid identity name`);
      }
      if (names.has(it.identity)) throw new FaceDatabaseFormatError(source, `the identity '${it.identity}' appears twice`);
      if (it.embeddings.length === 0) throw new FaceDatabaseFormatError(source, `the identity '${it.identity}' has no embeddings`);
      names.add(it.identity);
      for (const e of it.embeddings) {
        if (e.id >= snapshot.nextId || db.owner.has(e.id)) throw new FaceDatabaseFormatError(source, `the embedding id ${e.id} is repeated or not below nextId`);
        records.push({ id: e.id, vector: db.toVector(e.vector, `embedding ${e.id}`) });
        db.owner.set(e.id, it.identity);
      }
      db.addEntry(it.identity, toJsonObject(it.metadata, 'metadata')).ids.push(...it.embeddings.map((e) => e.id));
    }
    try {
      await store.add(records);
    } catch (err) {
      await Promise.resolve(store.clear()).catch(noop);
      throw err;
    }
    db.nextId = snapshot.nextId;
    db.maxDirty = true;
    return db;
  }

  /** Frees the vectors (and the store's resources); the database is unusable afterwards. */
  dispose(): Promise<void> {
    const done = this.tail.then(async () => {
      if (this.disposed) return;
      this.disposed = true;
      this.identitiesMap.clear();
      this.owner.clear();
      this.nameOfKey.clear();
      for (const c of Object.values(this.centroids)) {
        c.store?.dispose();
        c.store = undefined;
        c.dirty.clear();
      }
      await this.store.dispose?.();
    });
    this.tail = done.then(noop, noop);
    return done;
  }

  // ---------------------------------------------------------------------------------------------------------

  /** Runs `fn` after every earlier operation, so operations never interleave. */
  private exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.tail.then(() => {
      if (this.disposed) throw new InvalidArgumentError('database', 'a FaceDatabase that is not disposed', 'a disposed one');
      return fn();
    });
    this.tail = run.then(noop, noop);
    return run;
  }

  private async rank(q: Float32Array, topK: number, metric: DistanceMetric, aggregate: IdentityAggregate): Promise<IdentityMatch[]> {
    if (this.size === 0) return [];
    const wanted = Math.min(topK, this.identitiesMap.size);
    if (aggregate === 'min') {
      // The j-th identity's nearest embedding has at most (j − 1) · m embeddings before it (those of the j − 1
      // identities ranked above it, m = the most embeddings an identity has), so the first (K − 1) · m + 1
      // embeddings hold the nearest embedding of each of the K nearest identities.
      const k = Math.min(this.size, (wanted - 1) * this.maxEmbeddingsPerIdentity() + 1);
      const hits = await this.store.search(q, { k, metric });
      const out: IdentityMatch[] = [];
      const seen = new Set<string>();
      for (const h of hits) {
        const identity = this.owner.get(h.id);
        if (identity === undefined || seen.has(identity)) continue;
        seen.add(identity);
        out.push(this.match(identity, h.distance, h.id));
        if (out.length === wanted) break;
      }
      return out;
    }
    if (aggregate === 'centroid') {
      const centroids = await this.centroidStore(metric === 'euclidean' ? 'raw' : 'unit');
      return (await centroids.search(q, { k: wanted, metric })).map((h) => this.match(this.nameOfKey.get(h.id)!, h.distance, undefined));
    }
    // 'mean': every embedding's distance, summed per identity.
    let ids: ArrayLike<number>;
    let distances: ArrayLike<number>;
    if (this.store.scoreAll) ({ ids, distances } = await this.store.scoreAll(q, metric));
    else {
      const hits = await this.store.search(q, { k: this.size, metric });
      ids = hits.map((h) => h.id);
      distances = hits.map((h) => h.distance);
    }
    const acc = new Map<string, { sum: number; n: number; nearest: number; nearestDistance: number }>();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const d = distances[i]!;
      const identity = this.owner.get(id);
      if (identity === undefined) continue;
      const a = acc.get(identity);
      if (!a) acc.set(identity, { sum: d, n: 1, nearest: id, nearestDistance: d });
      else {
        a.sum += d;
        a.n++;
        if (d < a.nearestDistance || (d === a.nearestDistance && id < a.nearest)) {
          a.nearest = id;
          a.nearestDistance = d;
        }
      }
    }
    const scored: { identity: string; distance: number; embeddingId: number; key: number }[] = [];
    for (const [identity, a] of acc) scored.push({ identity, distance: a.sum / a.n, embeddingId: a.nearest, key: this.identitiesMap.get(identity)!.key });
    return smallest(scored, wanted, (a, b) => a.distance - b.distance || a.key - b.key).map((s) => this.match(s.identity, s.distance, s.embeddingId));
  }

  private match(identity: string, distance: number, embeddingId: number | undefined): IdentityMatch {
    const e = this.identitiesMap.get(identity)!;
    const m: IdentityMatch = { identity, distance, embeddingCount: e.ids.length, metadata: structuredClone(e.metadata) };
    if (embeddingId !== undefined) m.embeddingId = embeddingId;
    return m;
  }

  /** The centroid store of a kind, brought up to date. */
  private async centroidStore(kind: CentroidKind): Promise<FlatVectorStore> {
    const c = this.centroids[kind];
    if (!c.store) {
      c.store = new FlatVectorStore(this.embeddingSize, { capacity: Math.max(1, this.identitiesMap.size) });
      c.dirty.clear();
      for (const e of this.identitiesMap.values()) c.dirty.add(e.key);
    }
    const updates: { id: number; vector: Float32Array }[] = [];
    const gone: number[] = [];
    for (const key of c.dirty) {
      const identity = this.nameOfKey.get(key);
      if (identity === undefined) {
        gone.push(key);
        continue;
      }
      const ids = this.identitiesMap.get(identity)!.ids;
      const sum = new Float64Array(this.embeddingSize);
      for (const id of ids) {
        const v = await this.store.get(id);
        if (!v) throw new InvalidArgumentError('store', 'a vector for every enrolled embedding id', `none for id ${id}`);
        const x = kind === 'unit' ? l2Normalize(v) : v;
        for (let j = 0; j < sum.length; j++) sum[j]! += x[j]!;
      }
      updates.push({ id: key, vector: Float32Array.from(sum, (s) => s / ids.length) });
    }
    c.store.remove(gone);
    c.store.add(updates);
    c.dirty.clear();
    return c.store;
  }

  private maxEmbeddingsPerIdentity(): number {
    if (this.maxDirty) {
      let m = 0;
      for (const e of this.identitiesMap.values()) m = Math.max(m, e.ids.length);
      this.maxPerIdentity = m;
      this.maxDirty = false;
    }
    return this.maxPerIdentity;
  }

  /** Marks an identity's vectors as changed (call while its entry still exists). */
  private changed(identity: string): void {
    const key = this.identitiesMap.get(identity)?.key;
    if (key !== undefined) for (const c of Object.values(this.centroids)) if (c.store) c.dirty.add(key);
    this.maxDirty = true;
  }

  private addEntry(identity: string, metadata: JsonObject): IdentityEntry {
    const entry: IdentityEntry = { key: this.nextKey++, metadata, ids: [] };
    this.identitiesMap.set(identity, entry);
    this.nameOfKey.set(entry.key, identity);
    return entry;
  }

  private deleteEntry(identity: string): void {
    const entry = this.identitiesMap.get(identity);
    if (!entry) return;
    this.identitiesMap.delete(identity);
    this.nameOfKey.delete(entry.key);
  }

  private async snapshotNow(): Promise<FaceDatabaseSnapshot> {
    const vectors = new Map<number, Float32Array>();
    for (const r of await this.store.all()) vectors.set(r.id, r.vector);
    return {
      modelId: this.modelId,
      embeddingSize: this.embeddingSize,
      nextId: this.nextId,
      identities: [...this.identitiesMap].map(([identity, e]) => ({
        identity,
        metadata: structuredClone(e.metadata),
        embeddings: e.ids.map((id) => {
          const vector = vectors.get(id);
          if (!vector) throw new InvalidArgumentError('store', 'a vector for every enrolled embedding id', `none for id ${id}`, 'The vector store lost vectors the database enrolled.');
          return { id, vector };
        }),
      })),
    };
  }

  private entryOf(identity: string): IdentityEntry {
    const e = this.identitiesMap.get(identity);
    if (!e) throw new InvalidArgumentError('identity', 'an enrolled identity', describeValue(identity));
    return e;
  }

  private ownerOf(id: number): string {
    const identity = this.owner.get(id);
    if (identity === undefined) throw new InvalidArgumentError('id', 'the id of an enrolled embedding', describeValue(id));
    return identity;
  }

  private toVector(value: unknown, argument: string): Float32Array {
    const ok = value instanceof Float32Array || value instanceof Float64Array || Array.isArray(value);
    const n = ok ? (value as ArrayLike<unknown>).length : -1;
    if (n !== this.embeddingSize) {
      throw new InvalidArgumentError(
        argument,
        `an embedding of ${this.embeddingSize} numbers (model '${this.modelId}')`,
        ok ? `${n} numbers` : describeValue(value),
        'Embeddings of different models cannot be compared: use the model this database was made with.',
      );
    }
    return toEmbedding(value, argument, this.embeddingSize);
  }

  private toVectors(value: unknown, argument: string): Float32Array[] {
    const single = value instanceof Float32Array || value instanceof Float64Array || (Array.isArray(value) && typeof value[0] === 'number');
    if (single) return [this.toVector(value, argument)];
    if (!Array.isArray(value) || value.length === 0) throw new InvalidArgumentError(argument, 'an embedding or a non-empty array of embeddings', describeValue(value));
    return value.map((v, i) => this.toVector(v, `${argument}[${i}]`));
  }
}

/** Reads a saved database's bytes (binary, or JSON text starting with '{'). */
export function parseFaceDatabase(bytes: Uint8Array, source = 'bytes'): FaceDatabaseSnapshot {
  if (isBinaryFaceDatabase(bytes)) return decodeFaceDatabase(bytes, source);
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  if (bytes[i] === 0x7b) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (err) {
      throw new FaceDatabaseFormatError(source, 'it starts like JSON but is not valid UTF-8', { cause: err });
    }
    return faceDatabaseFromJSON(text, source);
  }
  throw new FaceDatabaseFormatError(source, bytes.length === 0 ? 'it is empty' : 'it is neither the binary face database format nor its JSON form');
}

/** The k smallest items by `compare`, sorted (an insertion buffer when k is small, else a full sort). */
function smallest<T>(items: T[], k: number, compare: (a: T, b: T) => number): T[] {
  if (k * 16 >= items.length) return items.sort(compare).slice(0, k);
  const best: T[] = [];
  for (const item of items) {
    if (best.length === k && compare(item, best[k - 1]!) >= 0) continue;
    let i = best.length === k ? k - 1 : best.length;
    while (i > 0 && compare(item, best[i - 1]!) < 0) {
      best[i] = best[i - 1]!;
      i--;
    }
    best[i] = item;
  }
  return best;
}

function checkSearchOptions(options: SearchOptions): { topK: number; metric: DistanceMetric; aggregate: IdentityAggregate } {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const topK = options.topK ?? 5;
  if (!Number.isInteger(topK) || topK < 1) throw new InvalidArgumentError('options.topK', 'an integer >= 1', describeValue(topK));
  const metric = options.metric ?? 'euclidean';
  assertMetric(metric, 'options.metric');
  const aggregate = options.aggregate ?? 'min';
  if (!IDENTITY_AGGREGATES.includes(aggregate)) throw new InvalidArgumentError('options.aggregate', IDENTITY_AGGREGATES.map((a) => `'${a}'`).join(', '), describeValue(aggregate));
  return { topK, metric, aggregate };
}

function checkIdentityName(name: unknown, argument: string): asserts name is string {
  if (typeof name !== 'string' || name === '') throw new InvalidArgumentError(argument, 'a non-empty string', describeValue(name));
  if (name === UNKNOWN_IDENTITY) throw new InvalidArgumentError(argument, `a name other than '${UNKNOWN_IDENTITY}'`, `'${name}'`, `'${UNKNOWN_IDENTITY}' is what identify answers for a face nobody in the database matches.`);
}

function toJsonObject(value: unknown, argument: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError(argument, 'a JSON object', describeValue(value));
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(value));
  } catch (err) {
    throw new InvalidArgumentError(argument, 'a JSON-serialisable object', `one JSON.stringify refuses (${(err as Error).message})`);
  }
  return copy as JsonObject;
}

/**
 * Deletes `.<name>.<pid>.<hex>.tmp` files next to `path` (the temporary files of @cnn/ops writeFileAtomic) whose
 * process no longer runs: what a process killed mid-save leaves. Files of live processes, this one included,
 * are kept. Best effort: a failure here does not fail the save that already succeeded.
 */
export async function removeStaleTempFiles(path: string): Promise<string[]> {
  const removed: string[] = [];
  try {
    const { readdir, rm } = await import('node:fs/promises');
    const { basename, dirname, join } = await import('node:path');
    const dir = dirname(path);
    const prefix = `.${basename(path)}.`;
    for (const name of await readdir(dir)) {
      if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
      const m = /^(\d+)\.[0-9a-f]+$/.exec(name.slice(prefix.length, -'.tmp'.length));
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid === process.pid || processIsAlive(pid)) continue;
      await rm(join(dir, name), { force: true });
      removed.push(name);
    }
  } catch {
    // Housekeeping only (e.g. a folder we may write but not list).
  }
  return removed;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}
