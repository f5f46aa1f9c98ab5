import { InvalidArgumentError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { FaceDatabase } from '../db/face-database.js';
import { clusteredEmbeddings } from '../db/test-support/random-embeddings.js';
import { identify, type GalleryEntry } from './identify.js';

const e = (...xs: number[]) => {
  const v = new Float32Array(128);
  v.set(xs);
  return v;
};

describe('identify', () => {
  const gallery: GalleryEntry[] = [
    { identity: 'alice', embedding: e(0.5), metadata: { desk: 1 } },
    { identity: 'bob', embedding: e(0, 0.5) },
    { identity: 'alice', embedding: e(0.5, 0.2) }, // a second picture of alice
    { identity: 'carol', embedding: e(-1) },
  ];

  it('ranks the identities of a gallery (several pictures per person) and applies the default threshold', async () => {
    // Query (0.6, 0.2): alice's second picture at 0.1; bob √(0.36 + 0.09) = 0.671; carol √(2.56 + 0.04) = 1.612.
    const r = await identify(e(0.6, 0.2), gallery);
    expect(r).toMatchObject({ identity: 'alice', known: true, threshold: 0.6, metric: 'euclidean', aggregate: 'min' });
    expect(r.distance).toBeCloseTo(0.1, 6);
    expect(r.matches.map((m) => [m.identity, m.embeddingId, m.embeddingCount, m.verified])).toEqual([
      ['alice', 2, 2, true],
      ['bob', 1, 1, false],
      ['carol', 3, 1, false],
    ]);
    expect(r.matches[0]!.metadata).toEqual({ desk: 1 });
    expect(r.matches[1]!.distance).toBeCloseTo(Math.sqrt(0.45), 6);
    expect(r.matches[2]!.distance).toBeCloseTo(Math.sqrt(2.6), 6);
    // Far from everyone: unknown, with the ranking still given.
    const nobody = await identify(e(0, -1), gallery, { topK: 2 });
    expect(nobody).toMatchObject({ identity: 'unknown', known: false });
    expect(nobody.matches.map((m) => m.identity)).toEqual(['alice', 'carol']);
    expect(nobody.distance).toBeCloseTo(Math.sqrt(1.25), 6);
    expect(await identify(e(0, -1), [])).toMatchObject({ identity: 'unknown', distance: Infinity, matches: [] });
  });

  it('gives the same answer for a gallery and for a FaceDatabase holding it', async () => {
    const { embeddings, labels } = clusteredEmbeddings(40, 3, 128, 21, 0.03, 0.05);
    const entries = embeddings.map((embedding, i) => ({ identity: `id${labels[i]}`, embedding }));
    const db = new FaceDatabase();
    for (const x of entries) await db.enroll(x.identity, x.embedding);
    for (const metric of ['euclidean', 'cosine', 'euclidean-l2'] as const) {
      for (const q of embeddings.filter((_, i) => i % 13 === 0)) {
        const a = await identify(q.map((x) => x * 1.01), entries, { metric, topK: 3 });
        const b = await identify(q.map((x) => x * 1.01), db, { metric, topK: 3 });
        expect(a).toEqual(b);
      }
    }
  });

  it('refuses embeddings of another model', async () => {
    const db = new FaceDatabase({ modelId: 'my-net', embeddingSize: 4 });
    await db.enroll('x', [1, 0, 0, 0]);
    await expect(identify([1, 0, 0, 0], db, { modelId: 'dlib-resnet34-face-api' })).rejects.toThrow(/another model/);
    expect((await identify([1, 0, 0, 0], db, { threshold: 0.1 })).identity).toBe('x');
    // A face-api gallery holds 128-number embeddings.
    await expect(identify(e(1), [{ identity: 'x', embedding: [1, 2, 3] }])).rejects.toThrow(/128 numbers/);
    await expect(identify([1, 2, 3], gallery)).rejects.toThrow(/query/);
    await expect(identify(e(1), 'db' as never)).rejects.toThrow(InvalidArgumentError);
    // Another model's gallery with an explicit threshold.
    expect((await identify([1, 0], [{ identity: 'p', embedding: [1, 0.1] }], { modelId: 'toy', threshold: 0.2 })).identity).toBe('p');
  });
});
