/**
 * The built-in vector store: every vector in one contiguous Float32Array (row r at r × dimension), exact
 * brute-force search. 10,000 × 128 numbers are 5 MB and one scan takes about a millisecond in a plain JS loop,
 * which is why no approximate index is needed at face-database sizes.
 *
 * Exactness: the distances are computed with the same float64 arithmetic, in the same order, as
 * `rawDistance` in '../distance.js', so a search returns exactly the numbers a plain loop would. For 'cosine'
 * and 'euclidean-l2' the store keeps each row's norm √(Σx²) (computed once, when the row is added) instead of a
 * normalised copy of the rows: the same speed (one dot product per row and one division), half the memory, and
 * the very value of `rawDistance`. For 'euclidean' a row whose partial sum of squares already exceeds the k-th
 * best distance is abandoned early (exact: the sum only grows).
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { assertMetric, type DistanceMetric } from '../distance.js';
import type { VectorHit, VectorRecord, VectorSearchOptions, VectorStore } from './vector-store.js';

export interface FlatVectorStoreOptions {
  /** Rows to allocate up front (it grows by doubling); default 1024. */
  capacity?: number;
}

export function assertVectorId(id: unknown, argument = 'id'): asserts id is number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new InvalidArgumentError(argument, 'a non-negative safe integer id', describeValue(id));
}

export class FlatVectorStore implements VectorStore {
  readonly dimension: number;
  private data: Float32Array;
  /** √(Σ x²) of each row, accumulated in float64 in index order (as `rawDistance` does). */
  private norms: Float64Array;
  private ids: Float64Array;
  private readonly rowOf = new Map<number, number>();
  private count = 0;
  private disposed = false;

  constructor(dimension: number, options: FlatVectorStoreOptions = {}) {
    if (!Number.isInteger(dimension) || dimension < 1) throw new InvalidArgumentError('dimension', 'an integer >= 1', describeValue(dimension));
    const capacity = options.capacity ?? 1024;
    if (!Number.isInteger(capacity) || capacity < 1) throw new InvalidArgumentError('options.capacity', 'an integer >= 1', describeValue(capacity));
    this.dimension = dimension;
    this.data = new Float32Array(capacity * dimension);
    this.norms = new Float64Array(capacity);
    this.ids = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(records: readonly VectorRecord[]): void {
    this.assertLive();
    if (!Array.isArray(records)) throw new InvalidArgumentError('records', 'an array of { id, vector }', describeValue(records));
    // Check everything first: a bad record leaves the store unchanged.
    for (const [i, r] of records.entries()) {
      assertVectorId(r?.id, `records[${i}].id`);
      this.assertVector(r.vector, `records[${i}].vector`);
    }
    for (const { id, vector } of records) {
      let row = this.rowOf.get(id);
      if (row === undefined) {
        if (this.count === this.ids.length) this.grow();
        row = this.count++;
        this.rowOf.set(id, row);
        this.ids[row] = id;
      }
      this.data.set(vector, row * this.dimension);
      let s = 0;
      for (let j = 0; j < this.dimension; j++) s += vector[j]! * vector[j]!;
      this.norms[row] = Math.sqrt(s);
    }
  }

  remove(ids: readonly number[]): number {
    this.assertLive();
    if (!Array.isArray(ids)) throw new InvalidArgumentError('ids', 'an array of ids', describeValue(ids));
    let removed = 0;
    const dim = this.dimension;
    for (const id of ids) {
      const row = this.rowOf.get(id);
      if (row === undefined) continue;
      const last = --this.count;
      if (row !== last) {
        // Move the last row into the hole: rows stay contiguous.
        this.data.copyWithin(row * dim, last * dim, (last + 1) * dim);
        this.norms[row] = this.norms[last]!;
        const movedId = this.ids[last]!;
        this.ids[row] = movedId;
        this.rowOf.set(movedId, row);
      }
      this.rowOf.delete(id);
      removed++;
    }
    return removed;
  }

  get(id: number): Float32Array | undefined {
    this.assertLive();
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : this.data.slice(row * this.dimension, (row + 1) * this.dimension);
  }

  has(id: number): boolean {
    return this.rowOf.has(id);
  }

  all(): VectorRecord[] {
    this.assertLive();
    const out: VectorRecord[] = new Array(this.count);
    for (let r = 0; r < this.count; r++) out[r] = { id: this.ids[r]!, vector: this.data.slice(r * this.dimension, (r + 1) * this.dimension) };
    return out;
  }

  clear(): void {
    this.assertLive();
    this.count = 0;
    this.rowOf.clear();
  }

  dispose(): void {
    this.disposed = true;
    this.count = 0;
    this.rowOf.clear();
    this.data = new Float32Array(0);
    this.norms = new Float64Array(0);
    this.ids = new Float64Array(0);
  }

  search(query: Float32Array, options: VectorSearchOptions): VectorHit[] {
    this.assertLive();
    this.assertVector(query, 'query');
    const { k, metric } = options ?? ({} as VectorSearchOptions);
    if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError('options.k', 'an integer >= 1', describeValue(k));
    assertMetric(metric, 'options.metric');
    if (this.count === 0) return [];
    if (k >= this.count) return this.everything(query, metric);
    const top = new TopK(k);
    if (metric === 'euclidean') this.scanEuclidean(query, top);
    else this.scanAngular(query, metric, top);
    return top.sorted();
  }

  /** Every vector's distance to the query, in row order (ids[i] is at distances[i]). */
  scoreAll(query: Float32Array, metric: DistanceMetric): { ids: Float64Array; distances: Float64Array } {
    this.assertLive();
    this.assertVector(query, 'query');
    assertMetric(metric);
    return { ids: this.ids.slice(0, this.count), distances: this.allDistances(query, metric) };
  }

  /** Every row's distance, sorted: no heap when all of them are asked for. */
  private everything(q: Float32Array, metric: DistanceMetric): VectorHit[] {
    const dist = this.allDistances(q, metric);
    const ids = this.ids;
    const order = Array.from({ length: this.count }, (_, r) => r).sort((a, b) => dist[a]! - dist[b]! || ids[a]! - ids[b]!);
    return order.map((r) => ({ id: ids[r]!, distance: dist[r]! }));
  }

  private allDistances(q: Float32Array, metric: DistanceMetric): Float64Array {
    const dim = this.dimension;
    const data = this.data;
    const n = this.count;
    const dist = new Float64Array(n);
    if (metric === 'euclidean') {
      for (let r = 0, off = 0; r < n; r++, off += dim) {
        let s = 0;
        for (let j = 0; j < dim; j++) {
          const d = q[j]! - data[off + j]!;
          s += d * d;
        }
        dist[r] = Math.sqrt(s);
      }
    } else {
      const norms = this.norms;
      let na = 0;
      for (let j = 0; j < dim; j++) na += q[j]! * q[j]!;
      const qn = Math.sqrt(na);
      for (let r = 0, off = 0; r < n; r++, off += dim) {
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += q[j]! * data[off + j]!;
        const denom = qn * norms[r]!;
        const cd = 1 - (denom > 0 ? Math.min(1, Math.max(-1, dot / denom)) : 0);
        dist[r] = metric === 'cosine' ? cd : Math.sqrt(2 * cd);
      }
    }
    return dist;
  }

  private scanEuclidean(q: Float32Array, top: TopK): void {
    const dim = this.dimension;
    const data = this.data;
    const ids = this.ids;
    // Early abandon: a row is dropped once its partial sum of squares passes the k-th best distance squared.
    // The bound carries a 1e-9 relative margin so float rounding of sqrt never drops a row that belongs.
    let bound = Infinity;
    for (let r = 0, off = 0; r < this.count; r++, off += dim) {
      let s = 0;
      let j = 0;
      let pruned = false;
      while (j < dim) {
        const end = Math.min(dim, j + 32);
        for (; j < end; j++) {
          const d = q[j]! - data[off + j]!;
          s += d * d;
        }
        if (s > bound) {
          pruned = true;
          break;
        }
      }
      if (pruned) continue;
      if (top.offer(Math.sqrt(s), ids[r]!) && top.full) {
        const w = top.worstDistance();
        bound = w * w * (1 + 1e-9) + 1e-300;
      }
    }
  }

  private scanAngular(q: Float32Array, metric: DistanceMetric, top: TopK): void {
    const dim = this.dimension;
    const data = this.data;
    const norms = this.norms;
    const ids = this.ids;
    let na = 0;
    for (let j = 0; j < dim; j++) na += q[j]! * q[j]!;
    const qn = Math.sqrt(na);
    const cosine = metric === 'cosine';
    for (let r = 0, off = 0; r < this.count; r++, off += dim) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += q[j]! * data[off + j]!;
      const denom = qn * norms[r]!;
      const cos = denom > 0 ? Math.min(1, Math.max(-1, dot / denom)) : 0;
      const cd = 1 - cos;
      top.offer(cosine ? cd : Math.sqrt(2 * cd), ids[r]!);
    }
  }

  private grow(): void {
    const capacity = this.ids.length * 2;
    const data = new Float32Array(capacity * this.dimension);
    data.set(this.data.subarray(0, this.count * this.dimension));
    const norms = new Float64Array(capacity);
    norms.set(this.norms.subarray(0, this.count));
    const ids = new Float64Array(capacity);
    ids.set(this.ids.subarray(0, this.count));
    this.data = data;
    this.norms = norms;
    this.ids = ids;
  }

  private assertVector(v: unknown, argument: string): asserts v is Float32Array {
    if (!(v instanceof Float32Array) || v.length !== this.dimension) {
      throw new InvalidArgumentError(argument, `a Float32Array of ${this.dimension} numbers`, describeValue(v), 'Embeddings from different models cannot be compared.');
    }
    for (let j = 0; j < v.length; j++) if (!Number.isFinite(v[j])) throw new InvalidArgumentError(`${argument}[${j}]`, 'a finite number', describeValue(v[j]));
  }

  private assertLive(): void {
    if (this.disposed) throw new InvalidArgumentError('store', 'a FlatVectorStore that is not disposed', 'a disposed one');
  }
}

/** The k smallest (distance, id) pairs seen so far: a binary max-heap on (distance, then id). */
class TopK {
  readonly capacity: number;
  private readonly dist: Float64Array;
  private readonly id: Float64Array;
  private n = 0;
  constructor(capacity: number) {
    this.capacity = capacity;
    this.dist = new Float64Array(capacity);
    this.id = new Float64Array(capacity);
  }
  get full(): boolean {
    return this.n === this.capacity;
  }
  worstDistance(): number {
    return this.dist[0]!;
  }
  private greater(i: number, d: number, id: number): boolean {
    const di = this.dist[i]!;
    return di > d || (di === d && this.id[i]! > id);
  }
  /** Adds (d, id) if it is among the k smallest; returns whether the heap changed. */
  offer(d: number, id: number): boolean {
    if (this.n < this.capacity) {
      let i = this.n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (this.greater(p, d, id)) break;
        this.dist[i] = this.dist[p]!;
        this.id[i] = this.id[p]!;
        i = p;
      }
      this.dist[i] = d;
      this.id[i] = id;
      return true;
    }
    if (!this.greater(0, d, id)) return false;
    // Replace the root and sift down.
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.n) break;
      const r = l + 1;
      const c = r < this.n && this.greater(r, this.dist[l]!, this.id[l]!) ? r : l;
      if (!this.greater(c, d, id)) break;
      this.dist[i] = this.dist[c]!;
      this.id[i] = this.id[c]!;
      i = c;
    }
    this.dist[i] = d;
    this.id[i] = id;
    return true;
  }
  sorted(): VectorHit[] {
    const out: VectorHit[] = [];
    for (let i = 0; i < this.n; i++) out.push({ id: this.id[i]!, distance: this.dist[i]! });
    return out.sort((a, b) => a.distance - b.distance || a.id - b.id);
  }
}
