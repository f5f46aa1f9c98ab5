/**
 * Where a FaceDatabase keeps its embedding vectors. The database keeps the identities (names, metadata, which
 * embedding ids belong to whom) itself and asks the store only for vectors by id and for nearest neighbours,
 * so any vector index can stand behind it. The built-in one is `FlatVectorStore` (exact brute force in
 * memory); methods may return promises so that a store on disk or across the network fits the same interface.
 *
 * ## How an SQLite store would implement it
 * (Not shipped: native modules cannot be installed here, and Node 20 has no `node:sqlite`. With
 * `better-sqlite3` or Node ≥ 22's `node:sqlite`, both synchronous:)
 * - schema: `CREATE TABLE embeddings (id INTEGER PRIMARY KEY, vector BLOB NOT NULL)`, the blob being the
 *   vector's Float32Array bytes (`Buffer.from(v.buffer, v.byteOffset, v.byteLength)`); `dimension` is fixed
 *   when the store is created and checked on `add`.
 * - `add(records)`: one transaction of `INSERT OR REPLACE INTO embeddings (id, vector) VALUES (?, ?)`
 *   (an id that exists is replaced: `add` is an upsert).
 * - `remove(ids)`: `DELETE FROM embeddings WHERE id = ?` in a transaction, returning the summed `changes`.
 * - `get(id)` / `all()`: `SELECT vector FROM embeddings WHERE id = ?` / `SELECT id, vector FROM embeddings`,
 *   each blob copied into a new Float32Array (never a view on a buffer the driver reuses).
 * - `size`: `SELECT count(*)`, cached and updated by `add` / `remove`, because `size` is read synchronously.
 * - `search(query, { k, metric })`: either exact, by registering a scalar function
 *   (`db.function('face_distance', (blob) => rawDistance(query, toFloat32(blob), metric))`) and running
 *   `SELECT id, face_distance(vector) AS d FROM embeddings ORDER BY d, id LIMIT k`, or approximate, with the
 *   sqlite-vec extension (`CREATE VIRTUAL TABLE vec_embeddings USING vec0(embedding float[128])` and
 *   `... WHERE embedding MATCH ? AND k = ?`), whose distances must then be converted to this package's metric
 *   ('cosine' is 1 − cos, 'euclidean-l2' is the distance of the L2-normalised vectors).
 * - `clear()`: `DELETE FROM embeddings`; `dispose()`: close the connection.
 * The face database file written by `FaceDatabase.save` then is a portable snapshot; the SQLite file is the
 * live index.
 */
import type { DistanceMetric } from '../distance.js';

export type MaybePromise<T> = T | Promise<T>;

/** A vector and its id (a non-negative safe integer given by the database). */
export interface VectorRecord {
  id: number;
  vector: Float32Array;
}

/** One search result: an id and its distance to the query. */
export interface VectorHit {
  id: number;
  distance: number;
}

export interface VectorSearchOptions {
  /** How many nearest vectors to return (fewer when the store holds fewer). */
  k: number;
  metric: DistanceMetric;
}

export interface VectorStore {
  /** Length of every vector. */
  readonly dimension: number;
  /** Number of vectors held (read synchronously: a remote store caches it). */
  readonly size: number;
  /** Inserts the records; a record whose id is already held replaces that vector (upsert). */
  add(records: readonly VectorRecord[]): MaybePromise<void>;
  /** Removes the ids that are held; returns how many were removed. */
  remove(ids: readonly number[]): MaybePromise<number>;
  /** A copy of the vector with this id, or undefined. */
  get(id: number): MaybePromise<Float32Array | undefined>;
  /**
   * The k nearest vectors to `query`, nearest first, ties broken by smaller id. Distances must be those of
   * `rawDistance(query, vector, metric)` from '../distance.js' (an approximate index says so in its docs).
   */
  search(query: Float32Array, options: VectorSearchOptions): MaybePromise<VectorHit[]>;
  /**
   * Optional: every vector's distance to `query`, in any order (ids[i] is at distances[i]). The 'mean'
   * aggregate needs them all; without this method the database asks `search` for k = size (sorted, slower).
   */
  scoreAll?(query: Float32Array, metric: DistanceMetric): MaybePromise<{ ids: ArrayLike<number>; distances: ArrayLike<number> }>;
  /** Every record (copies), in any order. */
  all(): MaybePromise<VectorRecord[]>;
  /** Removes everything. */
  clear(): MaybePromise<void>;
  /** Frees what the store holds (connections, memory); the store is unusable afterwards. */
  dispose?(): MaybePromise<void>;
}
