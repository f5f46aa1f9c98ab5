import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, drawBoxes, ready, writeImage } from '@cnn/ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHAPE_CLASSES, generateDataset, generateScene, type Scene } from './synthetic-scenes.js';

const px = (s: Scene, x: number, y: number) => [...s.image.subarray((y * s.width + x) * 3, (y * s.width + x) * 3 + 3)].join(',');

describe('generateScene', () => {
  it('is deterministic by seed', () => {
    const a = generateScene({ size: 64, seed: 7, maxObjects: 4 });
    const b = generateScene({ size: 64, seed: 7, maxObjects: 4 });
    const c = generateScene({ size: 64, seed: 8, maxObjects: 4 });
    expect(a.image.length).toBe(64 * 64 * 3);
    expect(Buffer.from(a.image).equals(Buffer.from(b.image))).toBe(true);
    expect(a.objects).toEqual(b.objects);
    expect(Buffer.from(a.image).equals(Buffer.from(c.image))).toBe(false);
  });

  it('boxes tightly enclose each object\'s drawn pixels (flat colors, found from the picture alone)', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const s = generateScene({ size: [72, 96], seed, maxObjects: 6, minObjects: 3, background: 'solid', antialias: false });
      expect(s.objects.length, `seed ${seed}`).toBeGreaterThanOrEqual(3);
      // The background is one color: read it off a pixel the generator says is background.
      const bgIndex = s.instances.indexOf(-1);
      const bg = px(s, bgIndex % s.width, Math.floor(bgIndex / s.width));
      const colors = s.objects.map((o) => o.color.join(','));
      expect(new Set([...colors, bg]).size, `seed ${seed}: colors must differ to tell objects apart`).toBe(colors.length + 1);
      // Each object's box from the pixels of its color: [min x, min y, max x + 1, max y + 1].
      const found = colors.map(() => [Infinity, Infinity, -Infinity, -Infinity]);
      for (let y = 0; y < s.height; y++) {
        for (let x = 0; x < s.width; x++) {
          const c = px(s, x, y);
          if (c === bg) continue;
          const k = colors.indexOf(c);
          expect(k, `seed ${seed}: pixel (${x}, ${y}) = ${c} is neither background nor an object color`).toBeGreaterThanOrEqual(0);
          const b = found[k]!;
          [b[0], b[1], b[2], b[3]] = [Math.min(b[0]!, x), Math.min(b[1]!, y), Math.max(b[2]!, x + 1), Math.max(b[3]!, y + 1)];
        }
      }
      expect(s.objects.map((o) => o.box), `seed ${seed}`).toEqual(found);
    }
  });

  it('with anti-aliasing and busy backgrounds, boxes still bound exactly the visible pixels', () => {
    for (let seed = 10; seed < 14; seed++) {
      const s = generateScene({ size: 96, seed, maxObjects: 6, maxOcclusion: 0.25, background: 'solid' });
      const bgIndex = s.instances.indexOf(-1);
      const bg = px(s, bgIndex % s.width, Math.floor(bgIndex / s.width));
      const inSomeBox = (x: number, y: number) => s.objects.some(({ box: [x1, y1, x2, y2] }) => x >= x1 && x < x2 && y >= y1 && y < y2);
      for (let y = 0; y < s.height; y++) for (let x = 0; x < s.width; x++) if (px(s, x, y) !== bg) expect(inSomeBox(x, y), `(${x}, ${y})`).toBe(true);
      for (const [k, o] of s.objects.entries()) {
        const [x1, y1, x2, y2] = o.box;
        // Each edge row and column of a box holds a pixel of that object that differs from the background.
        const edge = (pts: [number, number][]) => pts.some(([x, y]) => s.instances[y * s.width + x] === k && px(s, x, y) !== bg);
        const xs = Array.from({ length: x2 - x1 }, (_, i) => x1 + i);
        const ys = Array.from({ length: y2 - y1 }, (_, i) => y1 + i);
        expect(edge(xs.map((x) => [x, y1])) && edge(xs.map((x) => [x, y2 - 1])) && edge(ys.map((y) => [x1, y])) && edge(ys.map((y) => [x2 - 1, y])), `seed ${seed} object ${k}`).toBe(true);
        expect(o.visibleFraction).toBeGreaterThanOrEqual(0.75);
      }
    }
    for (const background of ['gradient', 'noise', 'stripes'] as const) {
      const s = generateScene({ size: 64, seed: 3, maxObjects: 5, background });
      expect(s.background).toBe(background);
      for (const o of s.objects) {
        const [x1, y1, x2, y2] = o.box;
        expect(x1 >= 0 && y1 >= 0 && x2 <= 64 && y2 <= 64 && x2 > x1 && y2 > y1).toBe(true);
        expect(s.classNames[o.class]).toBe(o.name);
      }
    }
  });

  it('draws each shape: rings have a hole, moons are crescents, class indices follow options.classes', () => {
    for (const name of SHAPE_CLASSES) {
      const s = generateScene({ size: 64, seed: 5, classes: [name], minObjects: 1, maxObjects: 1, background: 'solid', antialias: false, minObjectSize: 0.5, maxObjectSize: 0.6 });
      expect(s.objects).toHaveLength(1);
      const o = s.objects[0]!;
      expect([o.name, o.class]).toEqual([name, 0]);
      const [x1, y1, x2, y2] = o.box;
      let filled = 0;
      for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) if (s.instances[y * 64 + x] === 0) filled++;
      const fill = filled / ((x2 - x1) * (y2 - y1));
      // Fill of the box: square >= 0.5 (a rotated square fills at least half its box), disc-like sun < pi/4,
      // star and triangle about 0.3-0.6, ring with its hole and moon well below a disc's pi/4 = 0.785.
      const range: Record<string, [number, number]> = { sun: [0.25, 0.75], moon: [0.1, 0.6], star: [0.25, 0.65], square: [0.5, 1], triangle: [0.35, 0.65], ring: [0.25, 0.7] };
      expect(fill, name).toBeGreaterThan(range[name]![0]);
      expect(fill, name).toBeLessThan(range[name]![1]);
      if (name === 'ring') expect(s.instances[Math.floor((y1 + y2) / 2) * 64 + Math.floor((x1 + x2) / 2)]).toBe(-1);
    }
    const two = generateScene({ size: 64, seed: 9, classes: ['star', 'moon'], minObjects: 4, maxObjects: 4 });
    for (const o of two.objects) expect(o.class).toBe(['star', 'moon'].indexOf(o.name));
  });

  it('validates its options', () => {
    expect(() => generateScene({ size: 8, seed: 1 })).toThrow(/options\.size/);
    expect(() => generateScene({ size: 64, seed: 1.5 })).toThrow(/options\.seed/);
    expect(() => generateScene({ size: 64, seed: 1, classes: ['cloud' as 'sun'] })).toThrow(/options\.classes\[0\]/);
    expect(() => generateScene({ size: 64, seed: 1, maxObjects: 2, minObjects: 3 })).toThrow(/options\.minObjects/);
    expect(() => generateScene({ size: 64, seed: 1, maxOcclusion: 1 })).toThrow(/options\.maxOcclusion/);
    expect(() => generateScene({ size: 64, seed: 1, minObjectSize: 0.05 })).toThrow(/at least 6 pixels/);
    expect(() => generateScene({ size: 64, seed: 1, background: 'sky' as 'solid' })).toThrow(InvalidArgumentError);
    expect(() => generateDataset(-1, { size: 64, seed: 1 })).toThrow(/'n'/);
  });
});

describe('generateDataset', () => {
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
  });

  it('gives different scenes that repeat by seed', () => {
    const a = generateDataset(3, { size: 48, seed: 42, maxObjects: 3 });
    const b = generateDataset(3, { size: 48, seed: 42, maxObjects: 3 });
    expect(a.map((s) => s.objects)).toEqual(b.map((s) => s.objects));
    expect(new Set(a.map((s) => s.seed)).size).toBe(3);
    expect(Buffer.from(a[0]!.image).equals(Buffer.from(a[1]!.image))).toBe(false);
  });

  it('writes a sample picture with its boxes for review', async () => {
    const s = generateScene({ size: 256, seed: 2024, minObjects: 5, maxObjects: 7 });
    const image = tf.tensor3d(s.image, [s.height, s.width, 3], 'int32');
    const drawn = drawBoxes(image, s.objects.map((o) => ({ box: o.box, class: o.class })), { labels: s.classNames, lineWidth: 1, font: { scale: 1 } });
    const path = join(tmpdir(), 'cnn-yolo-synthetic-sample.png');
    await writeImage(path, drawn);
    tf.dispose([image, drawn]);
    console.log(`synthetic scene sample (seed 2024, ${s.background}, ${s.objects.map((o) => o.name).join(', ')}): ${path}`);
    expect((await stat(path)).size).toBeGreaterThan(1000);
  });
});
