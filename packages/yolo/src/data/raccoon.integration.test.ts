/** The raccoon data set (CNN_DATA_PATH): all 200 VOC XMLs against DATA.md's counts and the CSV split. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveData } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { readRaccoonSplits } from './csv.js';
import { readImageSize } from './image-size.js';
import { readVocAnnotation, readVocDataset } from './voc.js';

const hasData = Boolean(process.env['CNN_DATA_PATH']);

describe.runIf(hasData)('raccoon data set', () => {
  it('reads all 200 XMLs; the CSV split has 160/40 images and 173/44 boxes, equal to the XML boxes', async () => {
    const root = await resolveData('raccoon', { offline: true });
    const voc = await readVocDataset(join(root, 'annotations'));
    expect(voc.classNames).toEqual(['raccoon']);
    expect(voc.images).toHaveLength(200);
    expect(voc.images.reduce((n, i) => n + i.boxes.length, 0)).toBe(217);
    expect(voc.images.every((i) => i.boxes.every((b) => !b.difficult))).toBe(true);
    expect(voc.images[0]!.path).toBe(join(root, 'images', 'raccoon-1.jpg')); // no JPEGImages folder: ../images

    const { train, test } = await readRaccoonSplits(root);
    const boxes = (ds: typeof train) => ds.images.reduce((n, i) => n + i.boxes.length, 0);
    expect([train.images.length, test.images.length, boxes(train), boxes(test)]).toEqual([160, 40, 173, 44]);
    const trainIds = new Set(train.images.map((i) => i.id));
    expect(test.images.filter((i) => trainIds.has(i.id))).toEqual([]); // disjoint

    const byId = new Map(voc.images.map((i) => [i.id, i]));
    const sortBoxes = (bs: { box: number[] }[]) => bs.map((b) => b.box.join(',')).sort();
    for (const img of [...train.images, ...test.images]) {
      const x = byId.get(img.id);
      expect(x, img.id).toBeDefined();
      expect([img.width, img.height, img.path], img.id).toEqual([x!.width, x!.height, x!.path]);
      expect(sortBoxes(img.boxes), img.id).toEqual(sortBoxes(x!.boxes));
    }
    expect(train.images.length + test.images.length).toBe(voc.images.length); // every XML is in one split

    // Image headers agree with the XML sizes (DATA.md: all 200 JPGs match their <size>).
    const files = (await readdir(join(root, 'images'))).filter((f) => f.endsWith('.jpg'));
    expect(files).toHaveLength(200);
    for (const img of voc.images) expect(await readImageSize(img.path), img.id).toEqual({ width: img.width, height: img.height });
    // The three grayscale JPEGs (DATA.md) say so in their XML: <depth>1</depth>; the rest have depth 3.
    const depths = await Promise.all(voc.images.map(async (i) => [i.id, (await readVocAnnotation(join(root, 'annotations', i.id.replace(/\.jpg$/, '.xml')))).depth] as const));
    expect(depths.filter(([, d]) => d !== 3).map(([id]) => id).sort()).toEqual(['raccoon-150.jpg', 'raccoon-152.jpg', 'raccoon-161.jpg']);
    expect(depths.filter(([, d]) => d === 1)).toHaveLength(3);
  });
});

describe.skipIf(hasData)('raccoon data set', () => {
  it('needs CNN_DATA_PATH (CI sets it to ../shared/data)', () => {
    expect(hasData).toBe(false);
  });
});
