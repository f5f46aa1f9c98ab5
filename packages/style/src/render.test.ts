import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { vggFeatures, type VggFeatures } from './features.js';
import { featherWeights, stylizeMultiScale, stylizeTiled, tileStarts } from './render.js';

let features: VggFeatures;
beforeAll(async () => {
  await ready({ backend: 'wasm' });
  features = await vggFeatures({ weights: 'random', contentLayer: 'block1_conv2', styleLayers: [['block1_conv1', 1]] });
});

const picture = (h: number, w: number, seed: number) => tf.tidy(() => tf.mul(tf.randomUniform([h, w, 3], 0, 1, 'float32', seed), 255) as tf.Tensor3D);

describe('tiles', () => {
  it('tileStarts cover the axis with the given overlap, the last tile flush with the end', () => {
    expect(tileStarts(100, 100, 10)).toEqual([0]);
    expect(tileStarts(60, 100, 10)).toEqual([0]);
    expect(tileStarts(250, 100, 20)).toEqual([0, 80, 150]);
    const s = tileStarts(2048, 512, 64);
    expect(s[0]).toBe(0);
    expect(s.at(-1)).toBe(2048 - 512);
    for (let i = 1; i < s.length; i++) expect(s[i]! - s[i - 1]!).toBeLessThanOrEqual(512 - 64);
  });

  it('feather weights cross-fade: two overlapping tiles of constant values blend linearly, with no jump', () => {
    const [h, w, overlap] = [4, 10, 4];
    const left = featherWeights(h, w, overlap, { top: false, bottom: false, left: false, right: true });
    const right = featherWeights(h, w, overlap, { top: false, bottom: false, left: true, right: false });
    // Tiles at x = 0 and x = 6 over a 16-wide row: value 0 from the left tile, 100 from the right one.
    const row: number[] = [];
    for (let x = 0; x < 16; x++) {
      const wl = x < 10 ? left[x]! : 0;
      const wr = x >= 6 ? right[x - 6]! : 0;
      row.push((wl * 0 + wr * 100) / (wl + wr));
    }
    expect(row.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(row.slice(10)).toEqual([100, 100, 100, 100, 100, 100]);
    for (let x = 1; x < 16; x++) expect(row[x]! - row[x - 1]!).toBeLessThanOrEqual(100 / 4 + 1e-9); // no seam: steps of at most 1/overlap
    for (let x = 1; x < 16; x++) expect(row[x]!).toBeGreaterThanOrEqual(row[x - 1]!);
  });

  it('stylizeTiled renders an image larger than one tile, in range, without leaking', async () => {
    const content = picture(80, 100, 1);
    const style = picture(48, 48, 2);
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const r = await stylizeTiled(content, style, features, { tileSize: 48, overlap: 8, coarseSize: 40, iterations: 3, onTile: ({ tile }) => void seen.push(tile) });
    expect(r.image.shape).toEqual([80, 100, 3]);
    expect(r.tiles).toBe(2 * 3);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const [lo, hi] = tf.tidy(() => [tf.min(r.image).dataSync()[0]!, tf.max(r.image).dataSync()[0]!]);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(255);
    r.image.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(stylizeTiled(content, style, features, { tileSize: 16 })).rejects.toThrow(InvalidArgumentError);
    await expect(stylizeTiled(content, style, features, { tileSize: 64, overlap: 40 })).rejects.toThrow(/overlap/);
    tf.dispose([content, style]);
  });
});

describe('multi-scale', () => {
  it('coarse to fine: each scale starts from the previous result; the final image has the full size; steps continue', async () => {
    const content = picture(64, 48, 3);
    const style = picture(64, 64, 4);
    const before = tf.memory().numTensors;
    const r = await stylizeMultiScale(content, style, features, { scales: [0.5, 1], iterations: [4, 3] });
    expect(r.image.shape).toEqual([64, 48, 3]);
    expect(r.losses.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    r.image.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(stylizeMultiScale(content, style, features, { scales: [1, 0.5] })).rejects.toThrow(InvalidArgumentError);
    tf.dispose([content, style]);
  });
});
