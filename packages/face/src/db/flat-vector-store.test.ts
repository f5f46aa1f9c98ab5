import { InvalidArgumentError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { DISTANCE_METRICS, rawDistance, type DistanceMetric } from '../distance.js';
import { FlatVectorStore } from './flat-vector-store.js';
import { randomEmbeddings } from './test-support/random-embeddings.js';

const f32 = (...xs: number[]) => Float32Array.from(xs);

/** The plain-loop reference: every distance with rawDistance, sorted by (distance, id). */
function bruteForce(records: Map<number, Float32Array>, q: Float32Array, k: number, metric: DistanceMetric) {
  return [...records]
    .map(([id, v]) => ({ id, distance: rawDistance(q, v, metric) }))
    .sort((a, b) => a.distance - b.distance || a.id - b.id)
    .slice(0, k);
}

describe('FlatVectorStore', () => {
  it('hand-computed searches for each metric, ties broken by id', () => {
    const s = new FlatVectorStore(2, { capacity: 1 });
    s.add([
      { id: 0, vector: f32(0, 0) },
      { id: 1, vector: f32(3, 4) },
      { id: 2, vector: f32(1, 0) },
      { id: 3, vector: f32(0, 2) },
    ]);
    expect(s.size).toBe(4);
    // From (0, 0): distances 0, 5, 1, 2.
    expect(s.search(f32(0, 0), { k: 3, metric: 'euclidean' })).toEqual([
      { id: 0, distance: 0 },
      { id: 2, distance: 1 },
      { id: 3, distance: 2 },
    ]);
    // From (1, 0): cos with (3, 4) is 3/5 → 0.4; with (1, 0) 1 → 0; with (0, 2) 0 → 1; the zero vector counts as cos 0 → 1.
    const cos = s.search(f32(1, 0), { k: 4, metric: 'cosine' });
    expect(cos.map((h) => h.id)).toEqual([2, 1, 0, 3]);
    expect(cos.map((h) => h.distance)).toEqual([0, expect.closeTo(0.4, 12), 1, 1]);
    const l2 = s.search(f32(1, 0), { k: 2, metric: 'euclidean-l2' });
    expect(l2.map((h) => h.id)).toEqual([2, 1]);
    expect(l2[1]!.distance).toBeCloseTo(Math.sqrt(0.8), 12);
    // k larger than the store: everything.
    expect(s.search(f32(0, 0), { k: 10, metric: 'euclidean' }).map((h) => h.id)).toEqual([0, 2, 3, 1]);
  });

  it('remove moves the last row into the hole; add replaces an existing id; get and all copy', () => {
    const s = new FlatVectorStore(2);
    s.add([
      { id: 10, vector: f32(1, 1) },
      { id: 11, vector: f32(2, 2) },
      { id: 12, vector: f32(3, 3) },
    ]);
    expect(s.remove([10, 99])).toBe(1);
    expect(s.size).toBe(2);
    expect(s.get(10)).toBeUndefined();
    expect(Array.from(s.get(12)!)).toEqual([3, 3]);
    expect(s.search(f32(3, 3), { k: 1, metric: 'euclidean' })).toEqual([{ id: 12, distance: 0 }]);
    s.add([{ id: 11, vector: f32(-1, 0) }]);
    expect(s.size).toBe(2);
    expect(s.search(f32(-1, 0), { k: 1, metric: 'cosine' })).toEqual([{ id: 11, distance: 0 }]);
    const v = s.get(11)!;
    v[0] = 100;
    expect(s.get(11)![0]).toBe(-1);
    expect(
      s
        .all()
        .map((r) => [r.id, Array.from(r.vector)])
        .sort(),
    ).toEqual([
      [11, [-1, 0]],
      [12, [3, 3]],
    ]);
    s.clear();
    expect(s.size).toBe(0);
    expect(s.search(f32(0, 0), { k: 3, metric: 'euclidean' })).toEqual([]);
  });

  it('refuses bad input and adds nothing when one record is bad', () => {
    const s = new FlatVectorStore(3);
    expect(() => s.add([{ id: 0, vector: f32(1, 2, 3) }, { id: 1, vector: f32(1, 2) }])).toThrow(InvalidArgumentError);
    expect(s.size).toBe(0);
    expect(() => s.add([{ id: -1, vector: f32(1, 2, 3) }])).toThrow(/non-negative/);
    expect(() => s.add([{ id: 0, vector: f32(1, Number.NaN, 3) }])).toThrow(/finite/);
    expect(() => s.add([{ id: 0, vector: [1, 2, 3] as unknown as Float32Array }])).toThrow(/Float32Array of 3/);
    s.add([{ id: 0, vector: f32(1, 2, 3) }]);
    expect(() => s.search(f32(1, 2), { k: 1, metric: 'euclidean' })).toThrow(/3 numbers/);
    expect(() => s.search(f32(1, 2, 3), { k: 0, metric: 'euclidean' })).toThrow(/options.k/);
    expect(() => s.search(f32(1, 2, 3), { k: 1, metric: 'manhattan' as never })).toThrow(/options.metric/);
    expect(() => new FlatVectorStore(0)).toThrow(InvalidArgumentError);
    s.dispose();
    expect(() => s.search(f32(1, 2, 3), { k: 1, metric: 'euclidean' })).toThrow(/disposed/);
  });

  it('equals a brute-force plain loop exactly over 10,000 × 128 vectors, before and after removals', () => {
    const vectors = randomEmbeddings(10_000, 128, 7);
    const s = new FlatVectorStore(128, { capacity: 16 }); // grows by doubling along the way
    const records = new Map<number, Float32Array>();
    vectors.forEach((v, i) => records.set(i * 3 + 1, v)); // ids need not be dense
    s.add([...records].map(([id, vector]) => ({ id, vector })));
    const queries = randomEmbeddings(25, 128, 8);
    // A query equal to a stored vector: its own id first at distance 0.
    queries.push(vectors[1234]!.slice());
    const check = () => {
      for (const metric of DISTANCE_METRICS) {
        for (const q of queries) {
          // Same float64 arithmetic in the same order as rawDistance: exactly equal, not just close.
          const reference = bruteForce(records, q, 10, metric);
          expect(s.search(q, { k: 10, metric })).toEqual(reference);
          expect(s.search(q, { k: 1, metric })).toEqual(reference.slice(0, 1));
        }
        // All of them (the no-heap path).
        expect(s.search(queries[0]!, { k: s.size, metric })).toEqual(bruteForce(records, queries[0]!, records.size, metric));
      }
    };
    check();
    expect(s.search(queries.at(-1)!, { k: 1, metric: 'euclidean' })).toEqual([{ id: 1234 * 3 + 1, distance: 0 }]);
    const gone = Array.from({ length: 2_000 }, (_, i) => (i * 5 % 10_000) * 3 + 1);
    expect(s.remove(gone)).toBe(2_000);
    for (const id of gone) records.delete(id);
    expect(s.size).toBe(8_000);
    check();
  });
});
