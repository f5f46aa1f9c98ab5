import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { DLIB_CHIP_LANDMARKS, DLIB_CHIP_TEMPLATE, extractFaceChips, faceChipTransform, type ChipTransform } from './chip.js';

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

/** 68 landmarks whose five dlib points are the template's under `t` (chip → image); the rest are noise. */
function landmarksFor(t: ChipTransform, size: number, padding: number) {
  const points = Array.from({ length: 68 }, (_, i) => ({ x: 7 * i, y: 3 * i }));
  DLIB_CHIP_LANDMARKS.forEach((index, k) => {
    const [tu, tv] = DLIB_CHIP_TEMPLATE[k]!;
    const u = ((padding + tu) / (1 + 2 * padding)) * size;
    const v = ((padding + tv) / (1 + 2 * padding)) * size;
    points[index] = { x: t.a * u - t.b * v + t.tx, y: t.b * u + t.a * v + t.ty };
  });
  return points;
}

/** A "coordinate image": channel 0 holds x, channel 1 holds y, channel 2 is 100. Bilinear sampling of it is exact. */
function coordinateImage(h: number, w: number): tf.Tensor3D {
  return tf.tidy(() => {
    const xs = tf.tile(tf.reshape(tf.range(0, w, 1, 'float32'), [1, w, 1]), [h, 1, 1]);
    const ys = tf.tile(tf.reshape(tf.range(0, h, 1, 'float32'), [h, 1, 1]), [1, w, 1]);
    return tf.concat([xs, ys, tf.fill([h, w, 1], 100)], 2) as tf.Tensor3D;
  });
}

describe('faceChipTransform', () => {
  it('recovers a known similarity transform from the five dlib points of 68 landmarks', () => {
    const angle = 0.3;
    const t = { a: 1.7 * Math.cos(angle), b: 1.7 * Math.sin(angle), tx: 40, ty: -12 };
    const got = faceChipTransform(landmarksFor(t, 150, 0.25));
    for (const k of ['a', 'b', 'tx', 'ty'] as const) expect(got[k]).toBeCloseTo(t[k], 9);
    // The other 63 points do not matter; 5 points alone give the same.
    const five = DLIB_CHIP_LANDMARKS.map((i) => landmarksFor(t, 150, 0.25)[i]!);
    expect(faceChipTransform(five).a).toBeCloseTo(t.a, 9);
  });

  it('refuses landmarks that are not 68 (or 5) finite points, or that coincide', () => {
    expect(() => faceChipTransform([{ x: 1, y: 2 }] as never)).toThrow(InvalidArgumentError);
    expect(() => faceChipTransform(Array.from({ length: 68 }, () => ({ x: 5, y: 5 })))).toThrow(/distinct/);
    expect(() => faceChipTransform(Array.from({ length: 68 }, () => ({ x: Number.NaN, y: 5 })))).toThrow(/finite/);
    expect(() => faceChipTransform(landmarksFor({ a: 1, b: 0, tx: 0, ty: 0 }, 150, 0.25), { size: 3 })).toThrow(/size/);
  });
});

describe('extractFaceChips', () => {
  it('samples each chip pixel (u, v) at the image point T(u, v) (bilinear, exact on a coordinate image)', async () => {
    const image = coordinateImage(120, 160);
    const t = { a: 0.5 * Math.cos(-0.4), b: 0.5 * Math.sin(-0.4), tx: 60, ty: 30 };
    const chips = extractFaceChips(image, [landmarksFor(t, 64, 0.25)], { size: 64 });
    expect(chips.shape).toEqual([1, 64, 64, 3]);
    const data = await chips.data();
    let worst = 0;
    let inside = 0;
    for (let v = 0; v < 64; v++) for (let u = 0; u < 64; u++) {
      const x = t.a * u - t.b * v + t.tx;
      const y = t.b * u + t.a * v + t.ty;
      if (x < 0 || y < 0 || x > 159 || y > 119) continue;
      inside++;
      const o = 3 * (v * 64 + u);
      worst = Math.max(worst, Math.abs(data[o]! - x), Math.abs(data[o + 1]! - y), Math.abs(data[o + 2]! - 100));
    }
    expect(inside).toBeGreaterThan(3000);
    expect(worst).toBeLessThan(1e-3);
    tf.dispose([image, chips]);
  });

  it('halves the image first when a chip shrinks the face more than 2x, keeping the geometry', async () => {
    const image = coordinateImage(400, 400);
    const t = { a: 5 * Math.cos(0.2), b: 5 * Math.sin(0.2), tx: 100, ty: 20 }; // 5 image pixels per chip pixel
    const chips = extractFaceChips(image, [landmarksFor(t, 48, 0.25), landmarksFor({ a: 1, b: 0, tx: 10, ty: 10 }, 48, 0.25)], { size: 48 });
    expect(chips.shape).toEqual([2, 48, 48, 3]);
    const data = await chips.data();
    let worst = 0;
    for (let v = 0; v < 48; v += 3) for (let u = 0; u < 48; u += 3) {
      const x = t.a * u - t.b * v + t.tx;
      const y = t.b * u + t.a * v + t.ty;
      if (x < 2 || y < 2 || x > 396 || y > 396) continue;
      const o = 3 * (v * 48 + u);
      worst = Math.max(worst, Math.abs(data[o]! - x), Math.abs(data[o + 1]! - y));
    }
    // Averaging a linear ramp keeps it linear: only float rounding remains.
    expect(worst).toBeLessThan(1e-2);
    // The second chip (scale 1) is an exact shifted copy: pixel (0, 0) is image (10, 10).
    const o2 = 48 * 48 * 3;
    expect(data[o2]).toBeCloseTo(10, 3);
    expect(data[o2 + 1]).toBeCloseTo(10, 3);
    tf.dispose([image, chips]);
  });

  it('fills outside the image with 0, keeps gray images gray, and leaks nothing', async () => {
    const gray = tf.fill([20, 20, 1], 200) as tf.Tensor3D;
    await expectNoLeaks(async () => {
      const chips = extractFaceChips(gray, [landmarksFor({ a: 1, b: 0, tx: -10, ty: 0 }, 30, 0.25)], { size: 30 });
      expect(chips.shape).toEqual([1, 30, 30, 1]);
      const d = await chips.data();
      expect(d[0]).toBe(0); // image x = −10
      expect(d[15]).toBeCloseTo(200, 3); // image x = 5
      chips.dispose();
    });
    gray.dispose();
  });

  it('refuses bad images and landmark lists with typed errors', () => {
    const image = tf.zeros([10, 10, 3]) as tf.Tensor3D;
    expect(() => extractFaceChips(tf.zeros([10, 10]) as never, [])).toThrow(InvalidArgumentError);
    expect(() => extractFaceChips(image, [])).toThrow(/non-empty/);
    expect(() => extractFaceChips(image, [[{ x: 1, y: 1 }]] as never)).toThrow(/landmarks\[0\]/);
    image.dispose();
  });
});
