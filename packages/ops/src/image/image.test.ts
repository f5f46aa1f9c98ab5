import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Image, encodeJpeg, encodePng } from 'image-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileNotFoundError, ImageDecodeError, InvalidArgumentError } from '../errors/errors.js';
import { ready } from '../backend/backend.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { decodeImage, sniffImageFormat } from './decode-image.js';
import { DEFAULT_COLORS, drawBoxes } from './draw-boxes.js';
import { encodeImage, writeImage } from './encode-image.js';
import { letterbox, letterboxBoxes, resizeImage, unletterboxBoxes } from './letterbox.js';

const W = 7;
const H = 5;
/** Known pixels: r = 30x, g = 40y, b = (x + y) * 10. */
function rgbPixels(): Uint8Array {
  const d = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) d.set([30 * x, 40 * y, (x + y) * 10], (y * W + x) * 3);
  return d;
}

beforeAll(async () => {
  await ready();
});

let dir: string;
let png: Uint8Array;
let jpeg: Uint8Array;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cnn-image-'));
  const img = new Image(W, H, { data: rgbPixels(), colorModel: 'RGB' });
  png = encodePng(img);
  jpeg = encodeJpeg(img, { quality: 100 });
  await writeFile(join(dir, 'a.png'), png);
});

describe('decodeImage', () => {
  it('decodes PNG exactly from a path, a Buffer, a Uint8Array and an ArrayBuffer', async () => {
    const expected = Array.from(rgbPixels());
    for (const src of [join(dir, 'a.png'), Buffer.from(png), png, png.slice().buffer]) {
      const t = await decodeImage(src);
      expect(t.shape).toEqual([H, W, 3]);
      expect(t.dtype).toBe('int32');
      expect(Array.from(t.dataSync())).toEqual(expected);
      t.dispose();
    }
    expect(sniffImageFormat(png)).toBe('PNG');
    expect(sniffImageFormat(jpeg)).toBe('JPEG');
  });

  it('decodes JPEG within ±3 levels, grayscale expands to 3 equal channels, alpha is dropped or kept', async () => {
    const t = await decodeImage(jpeg);
    const got = t.dataSync();
    const want = rgbPixels();
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst).toBeLessThanOrEqual(3);
    const gray = encodePng(new Image(2, 2, { data: Uint8Array.from([0, 50, 100, 250]), colorModel: 'GREY' }));
    const g3 = await decodeImage(gray);
    expect(Array.from(g3.dataSync())).toEqual([0, 0, 0, 50, 50, 50, 100, 100, 100, 250, 250, 250]);
    expect((await decodeImage(gray, { channels: 1 })).shape).toEqual([2, 2, 1]);
    const rgba = encodePng(new Image(1, 2, { data: Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80]), colorModel: 'RGBA' }));
    expect(Array.from((await decodeImage(rgba)).dataSync())).toEqual([10, 20, 30, 50, 60, 70]);
    expect(Array.from((await decodeImage(rgba, { channels: 4 })).dataSync())).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    const f = await decodeImage(png, { dtype: 'float32' });
    expect(f.dtype).toBe('float32');
    tf.dispose([t, g3, f]);
  });

  it('bad input: typed errors that say what came', async () => {
    await expect(decodeImage(new Uint8Array(0))).rejects.toThrow(ImageDecodeError);
    await expect(decodeImage(new Uint8Array([1, 2, 3, 4, 5]))).rejects.toThrow(/not a known image format.*01 02 03 04 05/);
    await expect(decodeImage(png.slice(0, 40))).rejects.toThrow(/PNG data is corrupt or truncated/);
    await expect(decodeImage(join(dir, 'missing.png'))).rejects.toThrow(FileNotFoundError);
    await expect(decodeImage(42 as never)).rejects.toThrow(InvalidArgumentError);
    await expect(decodeImage(png, { channels: 2 as never })).rejects.toThrow(/options.channels/);
  });

  it('does not leak', async () => {
    await expectNoLeaks(async () => {
      (await decodeImage(png)).dispose();
      (await decodeImage(jpeg, { channels: 1, dtype: 'float32' })).dispose();
    });
  });
});

describe('encodeImage / writeImage', () => {
  it('round-trips PNG losslessly from int and 0-1 float tensors', async () => {
    const t = tf.tensor3d(rgbPixels(), [H, W, 3], 'int32');
    expect(Array.from((await decodeImage(encodeImage(t))).dataSync())).toEqual(Array.from(rgbPixels()));
    const f = tf.div(tf.cast(t, 'float32'), 255) as tf.Tensor3D;
    expect(Array.from((await decodeImage(encodeImage(f))).dataSync())).toEqual(Array.from(rgbPixels()));
    const gray = tf.tensor2d([[0, 300], [-5, 128]]);
    expect(Array.from((await decodeImage(encodeImage(gray, { range: '0-255' }), { channels: 1 })).dataSync())).toEqual([0, 255, 0, 128]);
    tf.dispose([t, f, gray]);
  });

  it('writes atomically: no temp files left, and a failed encode keeps the old file', async () => {
    const t = tf.tensor3d(rgbPixels(), [H, W, 3], 'int32');
    const path = join(dir, 'out', 'pic.png');
    await writeImage(path, t);
    const before = await readFile(path);
    await expect(writeImage(path, tf.zeros([2, 2, 2]) as tf.Tensor3D)).rejects.toThrow(/1, 3 or 4 channels/);
    expect(Buffer.compare(await readFile(path), before)).toBe(0);
    await writeImage(join(dir, 'out', 'pic.jpg'), t, { quality: 80 });
    expect(sniffImageFormat(await readFile(join(dir, 'out', 'pic.jpg')))).toBe('JPEG');
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['pic.jpg', 'pic.png']);
    await expect(writeImage(join(dir, 'x.gif'), t)).rejects.toThrow(/\.png, \.jpg or \.jpeg/);
    expect(() => encodeImage(t, { quality: 0 })).toThrow(/options.quality/);
    t.dispose();
  });

  it('does not leak', async () => {
    const t = tf.ones([4, 4, 3]) as tf.Tensor3D;
    await expectNoLeaks(async () => {
      encodeImage(t);
      await writeImage(join(dir, 'leak.png'), t);
    });
    t.dispose();
  });
});

describeEachBackend('letterbox, resize and drawBoxes', () => {
  it('letterboxes a 100x50 (w x h) image into 64x64 and maps boxes back', () => {
    const img = tf.fill([50, 100, 3], 200, 'int32') as tf.Tensor3D;
    const { image, transform } = letterbox(img, [64, 64]);
    expect(image.shape).toEqual([64, 64, 3]);
    expect(transform.scale).toBeCloseTo(0.64, 6);
    expect(transform.padX).toBe(0);
    expect(transform.padY).toBe(16);
    const px = image.arraySync() as number[][][];
    expect(px[0]![0]![0]).toBe(114);
    expect(px[32]![32]![0]).toBeCloseTo(200, 3);
    const boxes = [[10, 5, 60, 45], [0, 0, 100, 50]];
    const there = letterboxBoxes(boxes, transform);
    expectTensorsClose(unletterboxBoxes(there, transform).flat(), boxes.flat());
    const norm = there.map((b) => b.map((v) => v / 64));
    expectTensorsClose(unletterboxBoxes(norm, transform, { normalized: true }).flat(), boxes.flat(), { atol: 1e-3 });
    expect(resizeImage(img, [10, 20]).shape).toEqual([10, 20, 3]);
    expect(() => letterbox(img, [0, 64])).toThrow(/size/);
    expect(() => unletterboxBoxes([[1, 2, 3]], transform)).toThrow(/boxes\[0\]/);
    tf.dispose([img, image]);
  });

  it('drawBoxes draws the border in the chosen color, a label, and leaves the interior alone', () => {
    const img = tf.fill([60, 80, 3], 10, 'int32') as tf.Tensor3D;
    const out = drawBoxes(img, [{ box: [20, 30, 60, 55], label: 'dog', score: 0.87, class: 2 }], { lineWidth: 2 });
    const px = out.arraySync() as number[][][];
    const color = DEFAULT_COLORS[2]!;
    expect(px[30]![40]).toEqual([...color]); // top edge
    expect(px[45]![20]).toEqual([...color]); // left edge
    expect(px[45]![60]).toEqual([...color]); // right edge
    expect(px[45]![40]).toEqual([10, 10, 10]); // interior
    // the label tag sits above the box and contains text pixels of another color
    const tagRow = px[22]!.slice(20, 60);
    const same = (p: number[]) => p.every((v, k) => v === color[k]);
    expect(tagRow.some(same)).toBe(true);
    expect(tagRow.some((p) => !same(p))).toBe(true);
    expect(Array.from(img.dataSync()).every((v) => v === 10)).toBe(true); // input untouched
    expect(() => drawBoxes(img, [{ box: [0, 0, Number.NaN, 3] }])).toThrow(/detections\[0\].box/);
    tf.dispose([img, out]);
  });

  it('does not leak', async () => {
    const img = tf.fill([20, 30, 3], 10, 'int32') as tf.Tensor3D;
    await expectNoLeaks(() => {
      const l = letterbox(img, [32, 32]);
      l.image.dispose();
      resizeImage(img, [8, 8], { method: 'nearest' }).dispose();
      drawBoxes(img, [{ box: [1, 1, 10, 10], label: 'x' }]).dispose();
    });
    img.dispose();
  });
});
