/**
 * Image decoding to tensors. Node: file paths and bytes (PNG, JPEG, TIFF, BMP — what image-js reads).
 * Browsers: ImageData, canvases, <img>, ImageBitmap via tf.browser.fromPixels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { decode, type Image } from 'image-js';
import { FileNotFoundError, ImageDecodeError, InvalidArgumentError } from '../errors/errors.js';
import { describeValue } from '../errors/validate.js';

export type ImageSource =
  | string
  | Uint8Array
  | ArrayBuffer
  | ImageData
  | { width: number; height: number; data: Uint8ClampedArray }
  | HTMLCanvasElement
  | OffscreenCanvas
  | HTMLImageElement
  | ImageBitmap;

export interface DecodeImageOptions {
  /** Channels of the result: 1 (gray), 3 (RGB, default) or 4 (RGBA). */
  channels?: 1 | 3 | 4;
  /** 'int32' 0-255 (default) or 'float32' 0-255. */
  dtype?: 'int32' | 'float32';
}

const SIGNATURES: [string, number[]][] = [
  ['PNG', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['TIFF', [0x49, 0x49, 0x2a, 0x00]],
  ['TIFF', [0x4d, 0x4d, 0x00, 0x2a]],
  ['BMP', [0x42, 0x4d]],
  ['GIF', [0x47, 0x49, 0x46]],
  ['WebP', [0x52, 0x49, 0x46, 0x46]],
];

/** The image format the first bytes announce, or undefined. */
export function sniffImageFormat(bytes: Uint8Array): string | undefined {
  for (const [name, sig] of SIGNATURES) if (sig.every((b, i) => bytes[i] === b)) return name;
  return undefined;
}

const SUPPORTED = 'PNG, JPEG, TIFF and BMP';

function describeBytes(bytes: Uint8Array): string {
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `${bytes.length} bytes starting ${head || '(empty)'}`;
}

/** Decodes encoded bytes into an image-js Image, with errors that say what the bytes were. */
export function decodeBytes(bytes: Uint8Array, label = 'from bytes'): Image {
  if (bytes.length === 0) throw new ImageDecodeError(label, `the data is empty. Supported formats: ${SUPPORTED}.`);
  const format = sniffImageFormat(bytes);
  if (!format || format === 'GIF' || format === 'WebP') {
    throw new ImageDecodeError(label, `${format ? `${format} is not supported` : 'not a known image format'} (${describeBytes(bytes)}). Supported formats: ${SUPPORTED}.`);
  }
  try {
    return decode(bytes);
  } catch (err) {
    throw new ImageDecodeError(label, `the ${format} data is corrupt or truncated (${describeBytes(bytes)}): ${(err as Error).message}`, { cause: err });
  }
}

/** image-js Image -> [H, W, C] tensor with the requested channels, 8-bit range. */
export function imageToTensor(image: Image, options: DecodeImageOptions = {}): tf.Tensor3D {
  const channels = options.channels ?? 3;
  const { width, height, data, channels: srcC, bitDepth } = image.getRawImage();
  const scale = bitDepth === 16 ? 1 / 257 : 1;
  const hasAlpha = image.alpha;
  const colorC = hasAlpha ? srcC - 1 : srcC; // 1 (gray) or 3 (RGB)
  const out = new Int32Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    const s = p * srcC;
    const r = Math.round(data[s]! * scale);
    const g = colorC === 3 ? Math.round(data[s + 1]! * scale) : r;
    const b = colorC === 3 ? Math.round(data[s + 2]! * scale) : r;
    const a = hasAlpha ? Math.round(data[s + srcC - 1]! * scale) : 255;
    const d = p * channels;
    if (channels === 1) out[d] = colorC === 1 ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    else {
      out[d] = r;
      out[d + 1] = g;
      out[d + 2] = b;
      if (channels === 4) out[d + 3] = a;
    }
  }
  const t = tf.tensor3d(out, [height, width, channels], 'int32');
  if (options.dtype === 'float32') {
    const f = tf.cast(t, 'float32') as tf.Tensor3D;
    t.dispose();
    return f;
  }
  return t;
}

function isBrowserPixels(source: unknown): boolean {
  const g = globalThis as Record<string, unknown>;
  return (
    (typeof g['HTMLCanvasElement'] === 'function' && source instanceof (g['HTMLCanvasElement'] as typeof HTMLCanvasElement)) ||
    (typeof g['OffscreenCanvas'] === 'function' && source instanceof (g['OffscreenCanvas'] as typeof OffscreenCanvas)) ||
    (typeof g['HTMLImageElement'] === 'function' && source instanceof (g['HTMLImageElement'] as typeof HTMLImageElement)) ||
    (typeof g['ImageBitmap'] === 'function' && source instanceof (g['ImageBitmap'] as typeof ImageBitmap))
  );
}

function checkOptions(options: DecodeImageOptions): void {
  if (options.channels !== undefined && ![1, 3, 4].includes(options.channels)) {
    throw new InvalidArgumentError('options.channels', '1, 3 or 4', describeValue(options.channels));
  }
  if (options.dtype !== undefined && options.dtype !== 'int32' && options.dtype !== 'float32') {
    throw new InvalidArgumentError('options.dtype', "'int32' or 'float32'", describeValue(options.dtype));
  }
}

/**
 * Decodes an image to a [H, W, C] tensor (int32 0-255 by default). Grayscale is expanded to RGB and alpha
 * dropped unless `channels` says otherwise; 16-bit PNGs are scaled to 8 bits.
 */
export async function decodeImage(source: ImageSource, options: DecodeImageOptions = {}): Promise<tf.Tensor3D> {
  checkOptions(options);
  if (typeof source === 'string') {
    const { readFile } = await import('node:fs/promises');
    let bytes: Uint8Array;
    try {
      bytes = await readFile(source);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FileNotFoundError(source, 'image file', 'Check the path (relative paths start from the current directory).');
      throw err;
    }
    return imageToTensor(decodeBytes(bytes, `'${source}'`), options);
  }
  if (source instanceof Uint8Array) return imageToTensor(decodeBytes(source), options);
  if (source instanceof ArrayBuffer) return imageToTensor(decodeBytes(new Uint8Array(source)), options);
  if (source && typeof source === 'object' && 'data' in source && 'width' in source && 'height' in source && source.data instanceof Uint8ClampedArray) {
    const { width, height, data } = source;
    if (data.length !== width * height * 4) throw new InvalidArgumentError('source', `ImageData with ${width * height * 4} RGBA bytes`, `${data.length} bytes`);
    return tf.tidy(() => {
      const rgba = tf.tensor3d(Int32Array.from(data), [height, width, 4], 'int32');
      return convertChannels(rgba, options);
    });
  }
  if (isBrowserPixels(source)) {
    return tf.tidy(() => convertChannels(tf.browser.fromPixels(source as HTMLCanvasElement, 4) as tf.Tensor3D, options));
  }
  throw new InvalidArgumentError('source', 'a file path, bytes (Uint8Array/Buffer/ArrayBuffer), ImageData, a canvas, an <img> or an ImageBitmap', describeValue(source));
}

function convertChannels(rgba: tf.Tensor3D, options: DecodeImageOptions): tf.Tensor3D {
  const channels = options.channels ?? 3;
  let out: tf.Tensor3D =
    channels === 4
      ? rgba
      : channels === 3
        ? tf.slice(rgba, [0, 0, 0], [-1, -1, 3])
        : (tf.round(tf.sum(tf.mul(tf.slice(rgba, [0, 0, 0], [-1, -1, 3]), tf.tensor1d([0.299, 0.587, 0.114])), 2, true)) as tf.Tensor3D);
  out = tf.cast(out, options.dtype ?? 'int32');
  return out;
}
