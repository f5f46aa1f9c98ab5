/** Tensor -> PNG/JPEG bytes and atomic image files. */
import * as tf from '@tensorflow/tfjs-core';
import { Image, encodeJpeg, encodePng } from 'image-js';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertOneOf, assertTensor, describeValue } from '../errors/validate.js';

export interface EncodeImageOptions {
  /** Default 'png'. */
  format?: 'png' | 'jpeg';
  /** JPEG quality 1-100 (default 90). */
  quality?: number;
  /**
   * Value range of the tensor: '0-255' (default for int32) or '0-1' (default for float32 whose max ≤ 1).
   * Values are clipped to the range and rounded.
   */
  range?: '0-255' | '0-1';
}

/** [H, W], [H, W, 1|3|4] tensor -> 8-bit pixel bytes + channel count. */
export function tensorToPixels(image: tf.Tensor2D | tf.Tensor3D, range?: '0-255' | '0-1'): { data: Uint8Array; width: number; height: number; channels: number } {
  assertTensor(image, 'image', { rank: [2, 3], dtype: ['int32', 'float32'] });
  const [height, width] = image.shape;
  const channels = image.rank === 3 ? image.shape[2]! : 1;
  if (![1, 3, 4].includes(channels)) throw new InvalidArgumentError('image', 'an image with 1, 3 or 4 channels', `${channels} channels`);
  if (range !== undefined) assertOneOf(range, 'options.range', ['0-255', '0-1'] as const);
  const values = image.dataSync();
  let r = range;
  if (!r) {
    let max = 0;
    for (const v of values) if (v > max) max = v;
    r = image.dtype === 'float32' && max <= 1 ? '0-1' : '0-255';
  }
  const scale = r === '0-1' ? 255 : 1;
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    data[i] = Number.isNaN(v) ? 0 : Math.min(255, Math.max(0, Math.round(v * scale)));
  }
  return { data, width: width!, height: height!, channels };
}

/** Encodes an image tensor as PNG (lossless) or JPEG. */
export function encodeImage(image: tf.Tensor2D | tf.Tensor3D, options: EncodeImageOptions = {}): Uint8Array {
  const format = options.format ?? 'png';
  assertOneOf(format, 'options.format', ['png', 'jpeg'] as const);
  const quality = options.quality ?? 90;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new InvalidArgumentError('options.quality', 'an integer in [1, 100]', describeValue(quality));
  const { data, width, height, channels } = tensorToPixels(image, options.range);
  const colorModel = channels === 1 ? 'GREY' : channels === 3 ? 'RGB' : 'RGBA';
  let img = new Image(width, height, { data, colorModel });
  if (format === 'jpeg') {
    // JPEG has no alpha channel.
    if (channels === 4) img = img.convertColor('RGB');
    return encodeJpeg(img, { quality });
  }
  return encodePng(img);
}

const EXTENSIONS: Record<string, 'png' | 'jpeg'> = { png: 'png', jpg: 'jpeg', jpeg: 'jpeg' };

/** Writes an image file atomically; the format comes from the extension (.png, .jpg, .jpeg). */
export async function writeImage(path: string, image: tf.Tensor2D | tf.Tensor3D, options: Omit<EncodeImageOptions, 'format'> = {}): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', 'a file path', describeValue(path));
  const ext = path.split('.').pop()?.toLowerCase() ?? '';
  const format = EXTENSIONS[ext];
  if (!format) throw new InvalidArgumentError('path', 'a file name ending in .png, .jpg or .jpeg', JSON.stringify(path));
  const bytes = encodeImage(image, { ...options, format });
  const { writeFileAtomic } = await import('../io/atomic-write.js');
  await writeFileAtomic(path, bytes);
}
