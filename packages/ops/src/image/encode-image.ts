/** Image tensors -> PNG / JPEG / BMP bytes, through image-js's encoders. Browser-safe (no Node modules). */
import * as tf from '@tensorflow/tfjs-core';
import { Image, encode } from 'image-js';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertOneOf, assertTensor, describeValue } from '../errors/validate.js';
import { resolvePixelRange, type PixelRange } from './pixel-range.js';

export type EncodeFormat = 'png' | 'jpeg' | 'bmp';

export interface EncodeImageOptions {
  /** 'png' (lossless, default), 'jpeg' or 'bmp'. */
  format?: EncodeFormat;
  /** JPEG quality, an integer 1-100 (default 90). */
  quality?: number;
  /**
   * Value range of the tensor. Default: '0-255' for int32; for float32 '0-1' when every value is ≤ 1, else
   * '0-255'. Set it explicitly for floats. Values are scaled, clipped to 0-255 and rounded; NaN becomes 0.
   */
  range?: PixelRange;
}

/** [H, W] or [H, W, 1|3|4] tensor -> an 8-bit image-js Image (GREY, RGB or RGBA). */
export function tensorToImage(image: tf.Tensor2D | tf.Tensor3D, range?: PixelRange): Image {
  assertTensor(image, 'image', { rank: [2, 3], dtype: ['int32', 'float32'] });
  const [height, width] = image.shape as [number, number];
  const channels = image.rank === 3 ? image.shape[2]! : 1;
  if (![1, 3, 4].includes(channels)) {
    throw new InvalidArgumentError('image', 'an [H, W] or [H, W, C] image with C = 1, 3 or 4', describeValue(image));
  }
  if (height < 1 || width < 1) throw new InvalidArgumentError('image', 'an image at least 1x1 pixel', describeValue(image));
  const values = image.dataSync();
  const scale = resolvePixelRange(values, image.dtype, range) === '0-1' ? 255 : 1;
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]! * scale;
    // Uint8Array would wrap 256 -> 0 and truncate 1.7 -> 1: clip and round explicitly.
    data[i] = Number.isNaN(v) ? 0 : v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return new Image(width, height, { data, colorModel: channels === 1 ? 'GREY' : channels === 3 ? 'RGB' : 'RGBA' });
}

/** Encodes an [H, W] or [H, W, 1|3|4] image tensor; JPEG and BMP drop alpha. The tensor is not disposed. */
export function encodeImage(image: tf.Tensor2D | tf.Tensor3D, options: EncodeImageOptions = {}): Uint8Array {
  const format = options.format ?? 'png';
  assertOneOf(format, 'options.format', ['png', 'jpeg', 'bmp'] as const);
  const quality = options.quality ?? 90;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new InvalidArgumentError('options.quality', 'an integer in [1, 100]', describeValue(quality));
  }
  let img = tensorToImage(image, options.range);
  if (format === 'png') return encode(img, { format: 'png' });
  if (img.colorModel === 'RGBA') img = img.convertColor('RGB'); // JPEG/BMP have no alpha: drop it, do not premultiply
  return format === 'jpeg' ? encode(img, { format: 'jpeg', encoderOptions: { quality } }) : encode(img, { format: 'bmp' });
}
