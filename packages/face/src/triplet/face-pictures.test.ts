import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready, writeImage } from '@cnn/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFacePictures } from './face-pictures.js';

let dir: string;
beforeAll(async () => {
  await ready({ backend: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'cnn-face-pictures-'));
  // A 4×4 gray picture whose 2×2 blocks have means 10, 20, 30, 40, and a 2×2 RGB one.
  const gray = tf.tensor3d([0, 20, 10, 30, 20, 0, 30, 10, 20, 40, 40, 40, 40, 20, 40, 40], [4, 4, 1], 'int32');
  await writeImage(join(dir, 'a.png'), gray);
  const rgb = tf.tensor3d([30, 60, 90, 30, 60, 90, 30, 60, 90, 30, 60, 90], [2, 2, 3], 'int32');
  await writeImage(join(dir, 'b.png'), rgb);
  tf.dispose([gray, rgb]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadFacePictures', () => {
  it('decodes, resizes at pixel centres (a half-size resize averages 2×2 blocks) and stacks', async () => {
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const x = await loadFacePictures([join(dir, 'a.png'), join(dir, 'b.png')], { size: [2, 2], onProgress: (d) => seen.push(d) });
    expect(x.shape).toEqual([2, 2, 2, 1]);
    const v = Array.from(await x.data());
    expect(v.slice(0, 4)).toEqual([10, 20, 30, 40]);
    // RGB decoded as gray: one luminance value for the uniform picture, kept at its size.
    expect(new Set(v.slice(4)).size).toBe(1);
    expect(seen).toEqual([1, 2]);
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('loads RGB when asked, and refuses bad input with typed errors', async () => {
    const x = await loadFacePictures([join(dir, 'b.png')], { size: [2, 2], channels: 3 });
    expect(Array.from(await x.data()).slice(0, 3)).toEqual([30, 60, 90]);
    x.dispose();
    await expect(loadFacePictures([], { size: [2, 2] })).rejects.toThrow(InvalidArgumentError);
    await expect(loadFacePictures([join(dir, 'a.png')], { size: [0, 2] })).rejects.toThrow(/size/);
    await expect(loadFacePictures([join(dir, 'a.png')], { size: [2, 2], channels: 4 as never })).rejects.toThrow(/channels/);
    await expect(loadFacePictures([join(dir, 'nope.png')], { size: [2, 2] })).rejects.toThrow(/nope/);
  });
});
