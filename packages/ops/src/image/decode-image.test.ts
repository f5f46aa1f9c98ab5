import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { Image, encode } from 'image-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FileNotFoundError, ImageDecodeError, InvalidArgumentError } from '../errors/errors.js';
import { describeEachBackend, expectNoLeaks } from '../testing/index.js';
import { decodeImage, imageToTensor, readImage } from './decode-image.js';

const W = 7;
const H = 5;
/** Known RGB pixels: r = 30x, g = 40y, b = 10(x + y) + 5. */
function rgbPixels(): Uint8Array {
  const d = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) d.set([30 * x, 40 * y, 10 * (x + y) + 5], (y * W + x) * 3);
  return d;
}
const values = (t: tf.Tensor) => Array.from(t.dataSync());

const rgb = new Image(W, H, { data: rgbPixels(), colorModel: 'RGB' });
const png = encode(rgb, { format: 'png' });
const jpeg = encode(rgb, { format: 'jpeg', encoderOptions: { quality: 100 } });
const grayPng = encode(new Image(2, 2, { data: Uint8Array.of(0, 50, 100, 250), colorModel: 'GREY' }), { format: 'png' });
const rgbaPng = encode(new Image(1, 2, { data: Uint8Array.of(10, 20, 30, 40, 50, 60, 70, 80), colorModel: 'RGBA' }), { format: 'png' });

describeEachBackend('decodeImage', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cnn-decode-'));
    await writeFile(join(dir, 'a.png'), png);
    await writeFile(join(dir, 'photo.jpg'), png); // a PNG with a .jpg name: the bytes decide
    await mkdir(join(dir, 'folder.png'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('decodes PNG exactly, the same from a path, file URL, Buffer, Uint8Array, ArrayBuffer, DataView and Blob', async () => {
    const expected = Array.from(rgbPixels());
    const copy = png.slice();
    const sources = [
      join(dir, 'a.png'),
      pathToFileURL(join(dir, 'a.png')),
      join(dir, 'photo.jpg'),
      Buffer.from(png),
      png,
      copy.buffer,
      new DataView(copy.buffer),
      new Blob([copy], { type: 'image/png' }),
    ];
    for (const src of sources) {
      const t = await decodeImage(src);
      expect(t.shape).toEqual([H, W, 3]);
      expect(t.dtype).toBe('int32');
      expect(values(t)).toEqual(expected);
      t.dispose();
    }
    const r = await readImage(join(dir, 'a.png'), { dtype: 'float32' });
    expect(r.dtype).toBe('float32');
    expect(values(r)).toEqual(expected);
    r.dispose();
  });

  it('decodes bytes inside a larger buffer (Buffer pool slices)', async () => {
    const big = new Uint8Array(png.length + 20);
    big.set(png, 10);
    const t = await decodeImage(big.subarray(10, 10 + png.length));
    expect(values(t)).toEqual(Array.from(rgbPixels()));
    t.dispose();
  });

  it('decodes JPEG within ±3 levels', async () => {
    const t = await decodeImage(jpeg);
    expect(t.shape).toEqual([H, W, 3]);
    const got = t.dataSync();
    const want = rgbPixels();
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst).toBeLessThanOrEqual(3);
    t.dispose();
  });

  it('expands grayscale to 3 equal channels, or keeps 1', async () => {
    const g3 = await decodeImage(grayPng);
    expect(g3.shape).toEqual([2, 2, 3]);
    expect(values(g3)).toEqual([0, 0, 0, 50, 50, 50, 100, 100, 100, 250, 250, 250]);
    const g1 = await decodeImage(grayPng, { channels: 1 });
    expect(g1.shape).toEqual([2, 2, 1]);
    expect(values(g1)).toEqual([0, 50, 100, 250]);
    const g4 = await decodeImage(grayPng, { channels: 4 });
    expect(values(g4).slice(0, 8)).toEqual([0, 0, 0, 255, 50, 50, 50, 255]);
    // A grayscale JPEG (image-js expands it to RGBA on decode): equal channels
    const grayJpeg = encode(new Image(4, 1, { data: Uint8Array.of(0, 80, 160, 240), colorModel: 'GREY' }), { format: 'jpeg', encoderOptions: { quality: 100 } });
    const j = (await decodeImage(grayJpeg)).arraySync()[0]!;
    for (const [r, g, b] of j) expect(r === g && g === b).toBe(true);
    tf.dispose([g3, g1, g4]);
  });

  it('drops alpha for 3 channels, keeps it for 4, and gives BT.601 luma for 1', async () => {
    const a3 = await decodeImage(rgbaPng);
    expect(values(a3)).toEqual([10, 20, 30, 50, 60, 70]);
    const a4 = await decodeImage(rgbaPng, { channels: 4 });
    expect(values(a4)).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    const l = await decodeImage(rgbaPng, { channels: 1 });
    expect(values(l)).toEqual([Math.round(0.299 * 10 + 0.587 * 20 + 0.114 * 30), Math.round(0.299 * 50 + 0.587 * 60 + 0.114 * 70)]);
    const rgb4 = await decodeImage(png, { channels: 4 });
    expect(values(rgb4).filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    const greya = encode(new Image(2, 1, { data: Uint8Array.of(10, 20, 30, 40), colorModel: 'GREYA' }), { format: 'png' });
    expect(values(await decodeImage(greya))).toEqual([10, 10, 10, 30, 30, 30]);
    tf.dispose([a3, a4, l, rgb4]);
  });

  it('scales 16-bit PNG to 8 bits', async () => {
    const img = new Image(3, 1, { data: Uint16Array.of(0, 0, 0, 65535, 65535, 65535, 32896, 257, 1000), colorModel: 'RGB', bitDepth: 16 });
    const t = await decodeImage(encode(img, { format: 'png' }));
    expect(values(t)).toEqual([0, 0, 0, 255, 255, 255, 128, 1, 4]);
    t.dispose();
  });

  it('decodes BMP and ImageData-like RGBA pixels', async () => {
    const b = await decodeImage(encode(rgb, { format: 'bmp' }));
    expect(values(b)).toEqual(Array.from(rgbPixels()));
    const data = new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 0]);
    const id = await decodeImage({ width: 2, height: 1, data });
    expect(values(id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(values(await decodeImage({ width: 2, height: 1, data }, { channels: 4 }))).toEqual(Array.from(data));
    const fromImage = imageToTensor(rgb, { channels: 1, dtype: 'float32' });
    expect(fromImage.shape).toEqual([H, W, 1]);
    tf.dispose([b, id, fromImage]);
  });

  it('throws ImageDecodeError for empty, unknown, unsupported, truncated and corrupt data, saying what it was', async () => {
    await expect(decodeImage(new Uint8Array(0))).rejects.toThrow(ImageDecodeError);
    await expect(decodeImage(new Uint8Array(0))).rejects.toThrow(/empty.*Supported formats: PNG, JPEG, TIFF, BMP/);
    await expect(decodeImage(Uint8Array.of(1, 2, 3, 4, 5))).rejects.toThrow(/not a known image format \(5 bytes starting 01 02 03 04 05\)/);
    await expect(decodeImage(new TextEncoder().encode('<html><body>404 Not Found</body></html>'))).rejects.toThrow(/looks like text: "<html>/);
    await expect(decodeImage(new TextEncoder().encode('GIF89a\x01\x00\x01\x00'))).rejects.toThrow(/GIF is not supported/);
    await expect(decodeImage(png.slice(0, png.length - 20))).rejects.toThrow(/starts like PNG but cannot be decoded: it is corrupt, truncated/);
    await expect(decodeImage(png.slice(0, 40))).rejects.toThrow(ImageDecodeError);
    await expect(decodeImage(jpeg.slice(0, Math.floor(jpeg.length / 2)))).rejects.toThrow(/starts like JPEG/);
    const broken = png.slice();
    broken.fill(0, 40, 60); // destroys the IHDR/IDAT data but keeps the signature
    await expect(decodeImage(broken)).rejects.toThrow(ImageDecodeError);
    const err = await decodeImage(png.slice(0, 50), {}).catch((e: unknown) => e);
    expect((err as ImageDecodeError).code).toBe('IMAGE_DECODE');
    expect((err as Error).cause).toBeDefined();
  });

  it('throws FileNotFoundError for a missing path and InvalidArgumentError for bad sources and options', async () => {
    const missing = join(dir, 'missing.png');
    await expect(decodeImage(missing)).rejects.toThrow(FileNotFoundError);
    await expect(readImage(missing)).rejects.toThrow(new RegExp(`'${missing}' does not exist`));
    await expect(decodeImage(join(dir, 'folder.png'))).rejects.toThrow(/which is a folder/);
    await expect(decodeImage(42 as never)).rejects.toThrow(InvalidArgumentError);
    await expect(decodeImage('')).rejects.toThrow(/Invalid argument 'source'/);
    await expect(decodeImage(new URL('https://example.com/a.png'))).rejects.toThrow(/file: URL/);
    await expect(decodeImage({ width: 2, height: 2, data: new Uint8ClampedArray(3) })).rejects.toThrow(/RGBA bytes/);
    await expect(decodeImage(png, { channels: 2 as never })).rejects.toThrow(/options.channels/);
    await expect(decodeImage(png, { dtype: 'uint8' as never })).rejects.toThrow(/options.dtype/);
    await expect(readImage(png as never)).rejects.toThrow(/'path'/);
  });

  it('does not leak, on success or on error', async () => {
    await expectNoLeaks(async () => {
      (await decodeImage(png)).dispose();
      (await decodeImage(jpeg, { channels: 1, dtype: 'float32' })).dispose();
      (await decodeImage({ width: 1, height: 1, data: new Uint8ClampedArray(4) }, { channels: 4 })).dispose();
      (await readImage(join(dir, 'a.png'))).dispose();
      imageToTensor(rgb).dispose();
      await decodeImage(png.slice(0, 40)).catch(() => undefined);
      await decodeImage(join(dir, 'missing.png')).catch(() => undefined);
    });
  });
});
