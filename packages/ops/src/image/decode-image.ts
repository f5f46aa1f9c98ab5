/**
 * Image decoding to [H, W, C] tensors. Node: file paths and bytes (PNG, JPEG, TIFF, BMP, whatever image-js
 * reads, recognised by magic bytes, not by file name). Browsers: ImageData, canvases, <img>, <video>,
 * ImageBitmap (through tf.browser.fromPixels) and Blobs. DOM classes are looked up on globalThis behind
 * feature checks, and node:fs is imported lazily, so the module loads in both.
 */
import * as tf from '@tensorflow/tfjs-core';
import { decode, type Image } from 'image-js';
import { FileNotFoundError, ImageDecodeError, InvalidArgumentError } from '../errors/errors.js';
import { describeValue } from '../errors/validate.js';
import { DECODABLE_FORMATS, describeBytes, isDecodableFormat, sniffImageFormat } from './image-format.js';

/** Pixel data shaped like the DOM's ImageData (RGBA bytes, row-major); works in Node and workers too. */
export interface ImageDataLike {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export type ImageSource =
  | string
  | URL
  | Uint8Array
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | ImageDataLike
  | HTMLCanvasElement
  | OffscreenCanvas
  | HTMLImageElement
  | HTMLVideoElement
  | ImageBitmap;

export interface DecodeImageOptions {
  /** Channels of the result: 1 (gray), 3 (RGB, default) or 4 (RGBA; opaque 255 when the image has no alpha). */
  channels?: 1 | 3 | 4;
  /** 'int32' (default) or 'float32'; both hold 0-255 values. */
  dtype?: 'int32' | 'float32';
}

const SUPPORTED = `Supported formats: ${DECODABLE_FORMATS.join(', ')}.`;

/** Decodes encoded bytes into an image-js Image; every failure is an ImageDecodeError saying what the bytes were. */
function decodeBytes(bytes: Uint8Array, label: string): Image {
  if (bytes.length === 0) throw new ImageDecodeError(label, `the data is empty (0 bytes). ${SUPPORTED}`);
  const format = sniffImageFormat(bytes);
  if (!format) throw new ImageDecodeError(label, `not a known image format (${describeBytes(bytes)}). ${SUPPORTED}`);
  if (!isDecodableFormat(format)) {
    throw new ImageDecodeError(label, `${format} is not supported (${describeBytes(bytes)}). ${SUPPORTED} Convert the file to PNG or JPEG.`);
  }
  try {
    return decode(bytes);
  } catch (err) {
    throw new ImageDecodeError(
      label,
      `the data starts like ${format} but cannot be decoded: it is corrupt, truncated or an unsupported ${format} variant (${describeBytes(bytes)}; decoder said: ${(err as Error).message})`,
      { cause: err },
    );
  }
}

const LUMA = [0.299, 0.587, 0.114] as const; // ITU-R BT.601, as PIL's convert('L') and OpenCV's BGR2GRAY

/**
 * Interleaved pixels of any bit depth -> [H, W, channels] tensor in 0-255. Gray is repeated into RGB, RGB
 * averaged into gray with BT.601 weights, alpha dropped or kept (255 when absent), high bit depths scaled.
 */
function pixelsToTensor(
  data: ArrayLike<number>,
  width: number,
  height: number,
  srcChannels: number,
  hasAlpha: boolean,
  maxValue: number,
  options: DecodeImageOptions,
): tf.Tensor3D {
  const channels = options.channels ?? 3;
  const scale = 255 / maxValue;
  const colorChannels = hasAlpha ? srcChannels - 1 : srcChannels; // 1 (gray) or 3 (RGB)
  const n = width * height;
  const out = options.dtype === 'float32' ? new Float32Array(n * channels) : new Int32Array(n * channels);
  const level = scale === 1 ? (v: number) => v : (v: number) => Math.round(v * scale);
  for (let p = 0; p < n; p++) {
    const s = p * srcChannels;
    const r = level(data[s]!);
    const g = colorChannels === 3 ? level(data[s + 1]!) : r;
    const b = colorChannels === 3 ? level(data[s + 2]!) : r;
    const d = p * channels;
    if (channels === 1) {
      out[d] = colorChannels === 1 ? r : Math.round(LUMA[0] * r + LUMA[1] * g + LUMA[2] * b);
    } else {
      out[d] = r;
      out[d + 1] = g;
      out[d + 2] = b;
      if (channels === 4) out[d + 3] = hasAlpha ? level(data[s + srcChannels - 1]!) : 255;
    }
  }
  return tf.tensor3d(out, [height, width, channels], options.dtype ?? 'int32');
}

/** An image-js Image (any color model, 8 or 16 bits) -> [H, W, C] tensor in 0-255. */
export function imageToTensor(image: Image, options: DecodeImageOptions = {}): tf.Tensor3D {
  checkOptions(options);
  const { width, height, data, channels } = image.getRawImage();
  return pixelsToTensor(data, width, height, channels, image.alpha, image.maxValue, options);
}

/** RGBA int32 tensor from fromPixels -> requested channels/dtype, in tf ops so GPU data stays on the GPU. */
function convertRgbaTensor(rgba: tf.Tensor3D, options: DecodeImageOptions): tf.Tensor3D {
  return tf.tidy(() => {
    const channels = options.channels ?? 3;
    const dtype = options.dtype ?? 'int32';
    if (channels === 4) return tf.cast(rgba, dtype);
    const rgb = tf.slice(rgba, [0, 0, 0], [-1, -1, 3]);
    if (channels === 3) return tf.cast(rgb, dtype);
    const gray = tf.round(tf.sum(tf.mul(tf.cast(rgb, 'float32'), tf.tensor1d([...LUMA])), 2, true));
    return tf.cast(gray, dtype);
  }) as tf.Tensor3D;
}

function checkOptions(options: DecodeImageOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError('options', 'an options object { channels?, dtype? }', describeValue(options));
  }
  if (options.channels !== undefined && ![1, 3, 4].includes(options.channels)) {
    throw new InvalidArgumentError('options.channels', '1, 3 or 4', describeValue(options.channels));
  }
  if (options.dtype !== undefined && options.dtype !== 'int32' && options.dtype !== 'float32') {
    throw new InvalidArgumentError('options.dtype', "'int32' or 'float32'", describeValue(options.dtype));
  }
}

/** A DOM class by name, or undefined outside browsers (never touches the DOM in Node). */
function domClass(name: string): (abstract new (...args: never[]) => unknown) | undefined {
  const c = (globalThis as Record<string, unknown>)[name];
  return typeof c === 'function' ? (c as abstract new (...args: never[]) => unknown) : undefined;
}

const PIXEL_SOURCES = ['HTMLCanvasElement', 'OffscreenCanvas', 'HTMLImageElement', 'HTMLVideoElement', 'ImageBitmap'];

function isBrowserPixelSource(source: unknown): boolean {
  return PIXEL_SOURCES.some((name) => {
    const c = domClass(name);
    return c !== undefined && source instanceof c;
  });
}

function isImageDataLike(source: unknown): source is ImageDataLike {
  if (source === null || typeof source !== 'object') return false;
  const s = source as Partial<ImageDataLike>;
  return typeof s.width === 'number' && typeof s.height === 'number' && s.data instanceof Uint8ClampedArray;
}

function isArrayBuffer(source: unknown): source is ArrayBuffer {
  const tag = Object.prototype.toString.call(source);
  return tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]';
}

const isNode = () => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

async function readFileBytes(path: string | URL): Promise<Uint8Array> {
  if (!isNode()) {
    throw new InvalidArgumentError('source', 'in a browser: bytes, a Blob, ImageData, a canvas, an <img> or an ImageBitmap', describeValue(path), 'File paths need Node.js; fetch the file and pass its bytes.');
  }
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const shown = path instanceof URL ? path.href : path;
    if (code === 'ENOENT') throw new FileNotFoundError(shown, 'image file', 'Check the path (relative paths start from the current directory).');
    if (code === 'EISDIR') throw new InvalidArgumentError('source', 'a path to an image file', `'${shown}', which is a folder`);
    throw err;
  }
}

const EXPECTED_SOURCE =
  'a file path, bytes (Uint8Array, Buffer, ArrayBuffer), a Blob, ImageData, a canvas, an <img>, a <video> or an ImageBitmap';

/**
 * Decodes an image to a [H, W, C] tensor, int32 0-255 by default. `channels` (default 3) decides the
 * layout: grayscale images are repeated into RGB, alpha is dropped unless 4 channels are asked for, and
 * `channels: 1` gives BT.601 luma. 16-bit PNG/TIFF are scaled to 8 bits. The format is recognised from the
 * bytes, never from the file name. Errors: ImageDecodeError (unreadable bytes), FileNotFoundError (missing
 * path), InvalidArgumentError (wrong source type or options).
 */
export async function decodeImage(source: ImageSource, options: DecodeImageOptions = {}): Promise<tf.Tensor3D> {
  checkOptions(options);
  if (typeof source === 'string' || source instanceof URL) {
    if (typeof source === 'string' && source.length === 0) throw new InvalidArgumentError('source', EXPECTED_SOURCE, 'an empty string');
    if (source instanceof URL && source.protocol !== 'file:') {
      throw new InvalidArgumentError('source', 'a file: URL or a path', source.href, 'Fetch remote images yourself and pass the bytes.');
    }
    const label = `'${source instanceof URL ? source.href : source}'`;
    return imageToTensor(decodeBytes(await readFileBytes(source), label), options);
  }
  if (source instanceof Uint8Array) return imageToTensor(decodeBytes(source, 'from bytes'), options);
  if (isArrayBuffer(source)) return imageToTensor(decodeBytes(new Uint8Array(source), 'from bytes'), options);
  if (isImageDataLike(source)) {
    const { width, height, data } = source;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * 4) {
      throw new InvalidArgumentError('source', `ImageData with width * height * 4 = ${width * height * 4} RGBA bytes`, `${width}x${height} with ${data.length} bytes`);
    }
    return pixelsToTensor(data, width, height, 4, true, 255, options);
  }
  if (ArrayBuffer.isView(source)) {
    return imageToTensor(decodeBytes(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), 'from bytes'), options);
  }
  const BlobClass = domClass('Blob');
  if (BlobClass && source instanceof BlobClass) {
    const bytes = new Uint8Array(await (source as Blob).arrayBuffer());
    return imageToTensor(decodeBytes(bytes, `from a ${(source as Blob).type || 'Blob'}`), options);
  }
  if (isBrowserPixelSource(source)) {
    const rgba = tf.browser.fromPixels(source as HTMLCanvasElement, 4) as tf.Tensor3D;
    try {
      return convertRgbaTensor(rgba, options);
    } finally {
      rgba.dispose();
    }
  }
  throw new InvalidArgumentError('source', EXPECTED_SOURCE, describeValue(source));
}

/** Reads an image file (Node): `decodeImage` for paths, spelled out. */
export async function readImage(path: string | URL, options: DecodeImageOptions = {}): Promise<tf.Tensor3D> {
  if (typeof path !== 'string' && !(path instanceof URL)) throw new InvalidArgumentError('path', 'a file path', describeValue(path));
  return decodeImage(path, options);
}
