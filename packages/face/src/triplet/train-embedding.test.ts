import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, mulberry32, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeEmbeddings, createEmbeddingNet } from './embedding-net.js';
import { oneShotRank1 } from './one-shot.js';
import { createPKSampler } from './pk-batches.js';
import { trainEmbedding, type EmbeddingStepLog } from './train-embedding.js';

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

describe('createPKSampler', () => {
  it('draws P distinct people × K of their pictures, the same for the same seed', () => {
    const labels = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4]; // person 4 has one picture: never drawn
    const s = createPKSampler(labels, { identitiesPerBatch: 3, imagesPerIdentity: 3, seed: 7 });
    expect(s.identities).toEqual([0, 1, 2, 3]);
    const t = createPKSampler(labels, { identitiesPerBatch: 3, imagesPerIdentity: 3, seed: 7 });
    const u = createPKSampler(labels, { identitiesPerBatch: 3, imagesPerIdentity: 3, seed: 8 });
    const seenPeople = new Set<number>();
    let differs = false;
    for (let i = 0; i < 30; i++) {
      const b = s.next();
      expect(t.next()).toEqual(b);
      if (u.next().join() !== b.join()) differs = true;
      expect(b.length).toBe(9);
      const people = [0, 3, 6].map((k) => labels[b[k]!]!);
      expect(new Set(people).size).toBe(3);
      for (let g = 0; g < 3; g++) {
        const rows = b.slice(3 * g, 3 * g + 3);
        for (const r of rows) expect(labels[r]).toBe(people[g]);
        expect(new Set(rows).size).toBe(3); // without repeats when the person has K pictures
        seenPeople.add(people[g]!);
      }
    }
    expect(differs).toBe(true);
    expect([...seenPeople].sort()).toEqual([0, 1, 2, 3]);
  });

  it('repeats pictures of people with fewer than K, caps P at the people available, refuses hopeless labels', () => {
    const s = createPKSampler([5, 5, 6, 6, 6], { identitiesPerBatch: 8, imagesPerIdentity: 4 });
    expect(s.identitiesPerBatch).toBe(2);
    const b = s.next();
    expect(b.length).toBe(8);
    expect(b.filter((r) => r < 2).length).toBe(4);
    expect(() => createPKSampler([1, 1, 2])).toThrow(/two people/);
    expect(() => createPKSampler([1, 1, 2, 2], { imagesPerIdentity: 1 })).toThrow(InvalidArgumentError);
    expect(() => createPKSampler([1, 1, 2, 2], { identitiesPerBatch: 1 })).toThrow(InvalidArgumentError);
  });
});

/**
 * Synthetic faces: each person is a fixed random 16×16 pattern; each picture adds noise and a random
 * brightness change, so the net has to learn the pattern, not the pixel sum.
 */
function syntheticPeople(seed: number, people: number, per: number, noiseSeed = seed + 1000): { images: tf.Tensor4D; labels: number[] } {
  const q = mulberry32(seed);
  const patterns = Array.from({ length: people }, () => Array.from({ length: 256 }, () => q() * 255));
  const r = mulberry32(noiseSeed);
  const values: number[] = [];
  const labels: number[] = [];
  for (let p = 0; p < people; p++) for (let k = 0; k < per; k++) {
    const gain = 0.6 + 0.8 * r();
    for (const v of patterns[p]!) values.push(Math.min(255, Math.max(0, v * gain + 60 * (r() - 0.5))));
    labels.push(p);
  }
  return { images: tf.tensor4d(values, [people * per, 16, 16, 1]), labels };
}

const netOptions = { inputShape: [16, 16, 1] as [number, number, number], embeddingSize: 8, filters: [8, 16], stemStride: 1 as const, seed: 2 };

describe('trainEmbedding', () => {
  it('lowers the triplet loss and separates held-out pictures of the people it saw; reports every step; no leaks', async () => {
    const data = syntheticPeople(1, 6, 6);
    const all = syntheticPeople(1, 6, 10, 77); // other pictures (other noise) of the same six people
    const net = createEmbeddingNet(netOptions);
    const rowsOf = (from: number) => all.labels.map((_, i) => i).filter((i) => i % 10 === from);
    const before = await computeEmbeddings(net, all.images);
    const accBefore = oneShotRank1(before, all.labels, rowsOf(0)).accuracy;
    const steps: EmbeddingStepLog[] = [];
    const history = await expectNoLeaks(() =>
      trainEmbedding(net, data, { epochs: 6, stepsPerEpoch: 5, identitiesPerBatch: 4, imagesPerIdentity: 3, mining: 'batch-hard', margin: 0.3, learningRate: 3e-3, seed: 1, onStep: (s) => void steps.push(s) }),
    );
    expect(history.epochs.length).toBe(6);
    expect(history.steps).toBe(30);
    expect(steps.map((s) => s.globalStep)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(steps[0]!.stats.terms).toBe(12); // batch-hard: one term per anchor of the 4×3 batch
    expect(history.loss[5]!).toBeLessThan(history.loss[0]! * 0.6);
    const after = await computeEmbeddings(net, all.images);
    const accAfter = oneShotRank1(after, all.labels, rowsOf(0)).accuracy;
    expect(accAfter).toBeGreaterThan(accBefore + 0.4); // measured 0.28 → 1.0
    expect(accAfter).toBeGreaterThan(0.9);
    tf.dispose([data.images, all.images]);
    net.dispose();
  });

  it('is reproducible with a seed, with augmentation and each mining mode', async () => {
    const data = syntheticPeople(3, 4, 4);
    for (const mining of ['batch-all', 'semi-hard'] as const) {
      const runs: number[][] = [];
      for (let i = 0; i < 2; i++) {
        const net = createEmbeddingNet(netOptions);
        const h = await trainEmbedding(net, data, { epochs: 2, stepsPerEpoch: 2, identitiesPerBatch: 3, imagesPerIdentity: 3, mining, augment: { flip: true, shift: 2 }, seed: 5 });
        runs.push(h.loss);
        net.dispose();
      }
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[0]!.every(Number.isFinite)).toBe(true);
    }
    data.images.dispose();
  });

  it('stops on an AbortSignal after the current step and keeps what it learned', async () => {
    const data = syntheticPeople(4, 4, 4);
    const net = createEmbeddingNet(netOptions);
    const controller = new AbortController();
    const h = await trainEmbedding(net, data, {
      epochs: 5,
      stepsPerEpoch: 4,
      identitiesPerBatch: 2,
      imagesPerIdentity: 2,
      signal: controller.signal,
      onStep: (s) => {
        if (s.globalStep === 6) controller.abort();
      },
    });
    expect(h.aborted).toBe(true);
    expect(h.steps).toBe(6);
    expect(h.epochs.length).toBe(1); // the second epoch did not finish
    data.images.dispose();
    net.dispose();
  });

  it('checks its arguments', async () => {
    const data = syntheticPeople(5, 3, 3);
    const net = createEmbeddingNet(netOptions);
    await expect(trainEmbedding(net, { images: data.images, labels: [1, 2] })).rejects.toThrow(ShapeMismatchError);
    await expect(trainEmbedding(net, { images: tf.zeros([9, 8, 8, 1]) as tf.Tensor4D, labels: data.labels })).rejects.toThrow(/model's input/);
    await expect(trainEmbedding(net, data, { epochs: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(trainEmbedding(net, data, { mining: 'hardest' as never })).rejects.toThrow(/batch-hard/);
    await expect(trainEmbedding(net, data, { augment: { shift: 1.5 } })).rejects.toThrow(/shift/);
    await expect(trainEmbedding({} as never, data)).rejects.toThrow(InvalidArgumentError);
    data.images.dispose();
    net.dispose();
  });
});
