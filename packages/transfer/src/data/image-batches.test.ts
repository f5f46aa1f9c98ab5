import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ImageDecodeError, InvalidArgumentError, decodeImage, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFlip } from './augment.js';
import { createBatches, type ImageBatch } from './image-batches.js';
import { readImageFolder, type ImageItem } from '@cnn/ops';
import { makeTempDir, removeDir, writeImageFolder, writePng } from './test-support/image-folder-fixture.js';

const values = (t: tf.Tensor) => Array.from(t.dataSync());
const expectClose = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 3));
};

/** Waits until tf.memory().numTensors is `target` (prefetches settle asynchronously), or fails after 2 s. */
async function settleTo(target: number): Promise<void> {
  const start = Date.now();
  while (tf.memory().numTensors !== target && Date.now() - start < 2000) await new Promise((r) => setTimeout(r, 5));
  expect(tf.memory().numTensors, 'tensors left after the iteration settled').toBe(target);
}

describe('createBatches', () => {
  let dir: string;
  let mixed: ImageItem[];
  let many: ImageItem[];
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
    dir = await makeTempDir();
    // Mixed sizes and kinds: RGB 8x8, a wide RGB 6x12, a grayscale 5x5, a solid color 7x3.
    await writePng(join(dir, 'mixed', 'a', '1.png'), { height: 8, width: 8 });
    await writePng(join(dir, 'mixed', 'a', '2.png'), { height: 6, width: 12, seed: 2 });
    await writePng(join(dir, 'mixed', 'b', 'gray.png'), { height: 5, width: 5, channels: 1, pixel: (r, c) => 10 * r + c });
    await writePng(join(dir, 'mixed', 'c', 'solid.png'), { height: 7, width: 3, pixel: (_r, _c, k) => [200, 100, 50][k]! });
    await writePng(join(dir, 'mixed', 'c', 'exact.png'), { height: 4, width: 4, pixel: (r, c, k) => 16 * r + 4 * c + k });
    mixed = (await readImageFolder(join(dir, 'mixed'))).items;
    many = (await readImageFolder(await writeImageFolder(join(dir, 'many'), { x: 14, y: 10, z: 16 }, [24, 24]))).items;
  });
  afterAll(() => removeDir(dir));

  it('decodes any size and grayscale to [b, h, w, 3] float32 0-255 with one-hot labels and paths', async () => {
    const batches = createBatches(mixed, { batchSize: 2, imageSize: [4, 4], shuffle: false });
    expect(batches.stepsPerEpoch).toBe(3);
    expect(batches.numClasses).toBe(3);
    const seen: { labels: number[]; paths: string[] }[] = [];
    await expectNoLeaks(async () => {
      for await (const batch of batches) {
        expect(batch.x.dtype).toBe('float32');
        expect(batch.x.shape).toEqual([batch.labels.length, 4, 4, 3]);
        expect(batch.y.shape).toEqual([batch.labels.length, 3]);
        expect(values(batch.y)).toEqual(batch.labels.flatMap((l) => [0, 1, 2].map((c) => (c === l ? 1 : 0))));
        expect(values(batch.x).every((v) => v >= 0 && v <= 255)).toBe(true);
        seen.push({ labels: batch.labels, paths: batch.paths });
        const images = tf.unstack(batch.x);
        if (batch.step === 1) {
          const [r, g, b] = tf.split(images[0]!, 3, 2); // mixed[2], the grayscale PNG: R = G = B
          expect(values(r!)).toEqual(values(g!));
          expect(values(r!)).toEqual(values(b!));
          tf.dispose([r, g, b]);
          // mixed[3], exact.png, is already 4x4: no resize, the pixels as written.
          expect(values(images[1]!)).toEqual(Array.from({ length: 48 }, (_, p) => 16 * Math.floor(p / 12) + 4 * Math.floor((p % 12) / 3) + (p % 3)));
        }
        if (batch.step === 2) {
          // mixed[4], solid.png (7x3): a solid color stays exact through the resize.
          expect(values(images[0]!)).toEqual(Array.from({ length: 16 }, () => [200, 100, 50]).flat());
        }
        tf.dispose(images);
        batch.dispose();
      }
    });
    expect(seen.flatMap((s) => s.paths)).toEqual(mixed.map((i) => i.path));
    expect(seen.flatMap((s) => s.labels)).toEqual([0, 0, 1, 2, 2]);
    expect(seen.map((s) => s.labels.length)).toEqual([2, 2, 1]);
    batches.dispose();
  });

  it('center-crops to the aspect ratio, gives gray batches, and takes RGBA or gray from a custom loader', async () => {
    // 4 x 8 image whose value is 10 * column: the centered 4 x 4 window is columns 2..5.
    const wide = tf.tensor3d(Array.from({ length: 32 }, (_, p) => 10 * (p % 8)), [4, 8, 1]);
    const rgba = tf.tensor3d([10, 20, 30, 255, 50, 60, 70, 0], [1, 2, 4], 'int32');
    const loaders: Record<string, () => tf.Tensor3D> = { wide: () => tf.clone(wide), rgba: () => tf.clone(rgba) };
    const decode = async (path: string) => loaders[path]!();
    const cropped = createBatches([{ path: 'wide', label: 0 }], { imageSize: [4, 4], cropToAspectRatio: true, decode });
    const first = (await cropped.epoch(0).next()).value as ImageBatch;
    expect(first.x.shape).toEqual([1, 4, 4, 3]);
    expect(values(first.x)).toEqual(Array.from({ length: 16 }, (_, p) => Array(3).fill(10 * (2 + (p % 4)))).flat());
    first.dispose();
    cropped.dispose();
    const gray = createBatches([{ path: 'rgba', label: 0 }], { imageSize: [1, 2], channels: 1, decode });
    const g = (await gray.epoch(0).next()).value as ImageBatch;
    expect(g.x.shape).toEqual([1, 1, 2, 1]);
    expectClose(values(g.x), [0.299 * 10 + 0.587 * 20 + 0.114 * 30, 0.299 * 50 + 0.587 * 60 + 0.114 * 70]);
    g.dispose();
    gray.dispose();
    const rgb = createBatches([{ path: 'rgba', label: 0 }], { imageSize: [1, 2], decode });
    const c = (await rgb.epoch(0).next()).value as ImageBatch;
    expect(values(c.x)).toEqual([10, 20, 30, 50, 60, 70]); // alpha dropped
    c.dispose();
    rgb.dispose();
    tf.dispose([wide, rgba]);
  });

  it('shuffles each epoch from (seed, epoch): every item once, orders differ by epoch, repeat by seed', async () => {
    const a = createBatches(many, { batchSize: 8, imageSize: [4, 4], seed: 3 });
    const b = createBatches(many, { batchSize: 8, imageSize: [4, 4], seed: 3 });
    expect(a.stepsPerEpoch).toBe(5); // ceil(40 / 8)
    expect(createBatches(many, { batchSize: 16, dropRemainder: true }).stepsPerEpoch).toBe(2);
    const epochPaths = async (batches: typeof a) => {
      const paths: string[] = [];
      for await (const batch of batches) {
        paths.push(...batch.paths);
        batch.dispose();
      }
      return paths;
    };
    const e0 = await epochPaths(a);
    const e1 = await epochPaths(a);
    expect([...e0].sort()).toEqual(many.map((i) => i.path).sort());
    expect([...e1].sort()).toEqual([...e0].sort());
    expect(e1).not.toEqual(e0);
    expect(e0).not.toEqual(many.map((i) => i.path));
    expect(await epochPaths(b)).toEqual(e0);
    expect(a.order(1)).toEqual(b.order(1));
    expect(createBatches(many, { seed: 4 }).order(0)).not.toEqual(a.order(0));
    a.dispose();
    b.dispose();
  });

  it('decodes lazily and keeps memory bounded: tensors and bytes do not grow over two epochs', async () => {
    const batchSize = 4;
    const prefetch = 1;
    const [h, w] = [16, 16];
    let decodes = 0;
    const batches = createBatches(many, {
      batchSize, imageSize: [h, w], prefetch, seed: 1,
      augment: (x, random) => randomFlip(x, { random }),
      decode: (path) => {
        decodes++;
        return decodeImage(path, { channels: 3 });
      },
    });
    const baseline = tf.memory();
    const batchBytes = batchSize * h * w * 3 * 4 + batchSize * 3 * 4;
    const tensors: number[] = [];
    const bytes: number[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      for await (const batch of batches) {
        // Lazy: only the batches handed out so far plus the prefetched ones have been decoded.
        const handed = epoch * batches.stepsPerEpoch + batch.step + 1;
        expect(decodes).toBeLessThanOrEqual(Math.min(handed + prefetch, 2 * batches.stepsPerEpoch) * batchSize);
        expect(decodes).toBeGreaterThanOrEqual(epoch * many.length + Math.min(handed - epoch * batches.stepsPerEpoch, batches.stepsPerEpoch) * batchSize - batchSize);
        tensors.push(tf.memory().numTensors - baseline.numTensors);
        bytes.push(tf.memory().numBytes - baseline.numBytes);
        batch.dispose();
      }
    }
    expect(decodes).toBe(2 * many.length); // no cache: every epoch decodes again
    expect(batches.decodeCount).toBe(decodes);
    expect(tensors).toHaveLength(20);
    // Current batch (x, y) + prefetched batch (x, y) + at most one image being decoded/resized.
    expect(Math.max(...tensors)).toBeLessThanOrEqual(2 * (prefetch + 1) + 2);
    expect(Math.max(...bytes)).toBeLessThanOrEqual((prefetch + 1) * batchBytes + 24 * 24 * 3 * 4 * 2);
    // No growth: the second epoch's peak is no higher than the first's, give or take the one image that
    // may be mid-decode when a sample is taken (which image that is depends on timing, and the pictures
    // differ in size). A leak of even one batch per step would add batchBytes per step, ~10x this slack.
    const inFlightImage = 24 * 24 * 3 * 4 * 2;
    expect(Math.max(...tensors.slice(10))).toBeLessThanOrEqual(Math.max(...tensors.slice(0, 10)) + 2);
    expect(Math.max(...bytes.slice(10))).toBeLessThanOrEqual(Math.max(...bytes.slice(0, 10)) + inFlightImage);
    batches.dispose();
    await settleTo(baseline.numTensors);
  });

  it('cacheDecoded decodes each image once, and dispose() frees the cache', async () => {
    const before = tf.memory().numTensors;
    const batches = createBatches(many, { batchSize: 16, imageSize: [8, 8], cacheDecoded: true });
    for (let e = 0; e < 2; e++) for await (const batch of batches) batch.dispose();
    expect(batches.decodeCount).toBe(many.length);
    expect(tf.memory().numTensors - before).toBe(many.length);
    batches.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(async () => {
      for await (const batch of batches) batch.dispose();
    }).rejects.toThrow(/disposed/);
  });

  it('frees prefetched batches when a loop breaks early or the batches are disposed mid-epoch', async () => {
    const before = tf.memory().numTensors;
    const batches = createBatches(many, { batchSize: 4, imageSize: [8, 8], prefetch: 2 });
    for await (const batch of batches) {
      batch.dispose();
      if (batch.step === 1) break;
    }
    await settleTo(before);
    let steps = 0;
    for await (const batch of batches) {
      steps++;
      batch.dispose();
      if (batch.step === 2) batches.dispose();
    }
    expect(steps).toBe(3);
    await settleTo(before);
  });

  it('augments with a generator seeded by (seed, epoch, step): reproducible across instances', async () => {
    const augment = (x: tf.Tensor4D, random?: () => number) => randomFlip(x, { random, mode: 'horizontal_and_vertical' });
    const run = async (seed: number) => {
      const batches = createBatches(many, { batchSize: 8, imageSize: [6, 6], seed, augment, shuffle: false });
      const out: number[][] = [];
      for await (const batch of batches) {
        out.push(values(batch.x));
        batch.dispose();
      }
      batches.dispose();
      return out;
    };
    const plain = createBatches(many, { batchSize: 8, imageSize: [6, 6], shuffle: false });
    const first = await plain.epoch(0).next();
    const unaugmented = values((first.value as ImageBatch).x);
    (first.value as ImageBatch).dispose();
    plain.dispose();
    const a = await run(1);
    expect(await run(1)).toEqual(a);
    expect(await run(2)).not.toEqual(a);
    expect(a[0]).not.toEqual(unaugmented);
  });

  it('reports bad items, options, files and augment results with typed errors naming them', async () => {
    expect(() => createBatches([])).toThrow(InvalidArgumentError);
    expect(() => createBatches([{ path: 'a.png', label: 1.5 }])).toThrow(/items\[0\]\.label/);
    expect(() => createBatches(many, { numClasses: 2 })).toThrow(/options\.numClasses/);
    expect(() => createBatches(many, { imageSize: [0, 4] })).toThrow(/options\.imageSize/);
    expect(() => createBatches(many, { batchSize: 100, dropRemainder: true })).toThrow(/options\.batchSize/);
    const before = tf.memory().numTensors;
    const corrupt = join(dir, 'corrupt.png');
    await writeFile(corrupt, Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3));
    const bad = createBatches([...many.slice(0, 3), { path: corrupt, label: 0 }, ...many.slice(3, 12)], { batchSize: 4, imageSize: [4, 4], shuffle: false });
    const err = await (async () => {
      for await (const batch of bad) batch.dispose();
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as Error).message).toContain(corrupt);
    bad.dispose();
    await settleTo(before);
    const wrong = createBatches(many, { batchSize: 4, imageSize: [4, 4], augment: (x) => tf.slice(x, [0], [1]) });
    await expect(wrong.epoch(0).next()).rejects.toThrow(/options\.augment/);
    wrong.dispose();
    await settleTo(before);
  });
});
