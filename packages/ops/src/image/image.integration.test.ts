/**
 * Image I/O on real photos from the data sets (CNN_DATA_PATH, found through resolveData like user code
 * would): the raccoon set's 1-channel JPEGs and darknet's dog.jpg.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { resolveData } from '../io/resolve-weights.js';
import { decodeImage, readImage } from './decode-image.js';
import { drawBoxes } from './draw-boxes.js';
import { encodeImage } from './encode-image.js';
import { letterbox } from './letterbox.js';
import { unletterboxBoxes } from './letterbox-boxes.js';

const hasData = Boolean(process.env['CNN_DATA_PATH']);
if (!hasData) console.warn('image.integration: CNN_DATA_PATH is unset, skipping the real-photo checks (CI sets it to ../shared/data).');

/** Number of color components in a JPEG's start-of-frame header (1 = grayscale). */
function jpegComponents(bytes: Uint8Array): number | undefined {
  for (let i = 2; i + 9 < bytes.length; ) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1]!;
    const length = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return bytes[i + 9];
    i += 2 + length;
  }
  return undefined;
}

describe.skipIf(!hasData)('image I/O on real photos (CNN_DATA_PATH)', () => {
  let raccoon: string;
  let darknet: string;
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
    raccoon = await resolveData('raccoon', { offline: true });
    darknet = await resolveData('darknet-samples', { offline: true });
  });

  it('expands the 1-channel raccoon JPEGs to 3 equal channels of the annotated size', async () => {
    for (const n of [150, 152, 161]) {
      const file = join(raccoon, 'images', `raccoon-${n}.jpg`);
      expect(jpegComponents(await readFile(file)), `raccoon-${n}.jpg is a grayscale JPEG`).toBe(1);
      const xml = await readFile(join(raccoon, 'annotations', `raccoon-${n}.xml`), 'utf8');
      const size = (tag: string) => Number(new RegExp(`<size>[\\s\\S]*<${tag}>(\\d+)</${tag}>`).exec(xml)?.[1]);
      const t = await readImage(file);
      expect(t.shape).toEqual([size('height'), size('width'), 3]);
      const spread = tf.tidy(() => tf.max(tf.sub(tf.max(t, 2), tf.min(t, 2))).dataSync()[0]);
      expect(spread, 'R = G = B everywhere').toBe(0);
      const gray = await decodeImage(file, { channels: 1 });
      expect(gray.shape).toEqual([size('height'), size('width'), 1]);
      tf.dispose([t, gray]);
    }
  });

  it('decodes darknet dog.jpg (768x576) with plausible colors, letterboxes and annotates it', async () => {
    const t = await decodeImage(join(darknet, 'dog.jpg'));
    expect(t.shape).toEqual([576, 768, 3]);
    const mean = tf.tidy(() => tf.mean(tf.cast(t, 'float32'), [0, 1]).arraySync() as number[]);
    for (const m of mean) {
      expect(m).toBeGreaterThan(40);
      expect(m).toBeLessThan(200);
    }
    const { image, transform } = letterbox(t, [416, 416]);
    expect(transform).toMatchObject({ scale: 416 / 768, padX: 0, padY: 52 });
    const [box] = unletterboxBoxes([[0, 52, 416, 364]], transform);
    expect(box![2]).toBeCloseTo(768, 6);
    expect(box![3]).toBeCloseTo(576, 6);
    const annotated = drawBoxes(t, [{ box: [120, 220, 320, 540], label: 'dog', score: 0.9 }]);
    const back = await decodeImage(encodeImage(annotated));
    expect(back.shape).toEqual([576, 768, 3]);
    tf.dispose([t, image, annotated, back]);
  });
});
