/**
 * Letterboxing (YOLO): scale the image to fit the target keeping its aspect ratio, pad the rest with gray
 * (114, as Ultralytics does) and keep the transform, so boxes found on the letterboxed image map back to
 * the original (see letterbox-boxes.ts). Follows Ultralytics' LetterBox: same scale, rounding and pad split.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertFiniteNumber, assertOneOf, assertTensor, toPair } from '../errors/validate.js';
import { resizeImage } from './resize-image.js';

export interface LetterboxTransform {
  /** Resize factor applied to the source, the same on both axes. */
  scale: number;
  /** Padding added on the left and on the top, in letterboxed pixels. */
  padX: number;
  padY: number;
  /** [height, width] of the source image and of the letterboxed image. */
  srcSize: [number, number];
  dstSize: [number, number];
}

export interface LetterboxOptions {
  /** Padding value (default 114; use 114 / 255 for 0-1 images). */
  fill?: number;
  /** Resize method (default 'bilinear', sampled at pixel centers like OpenCV's INTER_LINEAR). */
  method?: 'bilinear' | 'nearest';
  /** Allow enlarging small images (default true). False only shrinks, as Ultralytics' scaleup=False. */
  scaleUp?: boolean;
  /** Split the padding between both sides (default true); false pads only right and bottom. */
  center?: boolean;
}

/** Python's round(): halves go to the even neighbour. Ultralytics sizes the resized image with it. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Fits `image` [H, W, C] into `size` [h, w] keeping its aspect ratio and pads it with `fill`. Returns a new
 * float32 image (the input's value range) and the transform. The input is not disposed.
 */
export function letterbox(image: tf.Tensor3D, size: [number, number] | number, options: LetterboxOptions = {}): { image: tf.Tensor3D; transform: LetterboxTransform } {
  assertTensor(image, 'image', { rank: 3, dtype: ['int32', 'float32'] });
  const [h, w] = toPair(size, 'size');
  const fill = options.fill ?? 114;
  assertFiniteNumber(fill, 'options.fill');
  const method = options.method ?? 'bilinear';
  assertOneOf(method, 'options.method', ['bilinear', 'nearest'] as const);
  for (const key of ['scaleUp', 'center'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') throw new InvalidArgumentError(`options.${key}`, 'a boolean', String(options[key]));
  }
  const [sh, sw] = image.shape;
  if (sh < 1 || sw < 1) throw new InvalidArgumentError('image', 'an image at least 1x1 pixel', `shape [${image.shape.join(', ')}]`);
  let scale = Math.min(h / sh, w / sw);
  if (options.scaleUp === false) scale = Math.min(scale, 1);
  const nh = Math.min(h, Math.max(1, roundHalfEven(sh * scale)));
  const nw = Math.min(w, Math.max(1, roundHalfEven(sw * scale)));
  const center = options.center ?? true;
  // Ultralytics: top = round(dh / 2 - 0.1), i.e. the smaller half goes first.
  const padY = center ? Math.floor((h - nh) / 2) : 0;
  const padX = center ? Math.floor((w - nw) / 2) : 0;
  const out = tf.tidy(() => {
    const resized =
      nh === sh && nw === sw
        ? tf.cast(image, 'float32')
        : tf.cast(resizeImage(image, [nh, nw], { method, halfPixelCenters: method === 'bilinear' }), 'float32');
    return tf.pad(resized, [[padY, h - nh - padY], [padX, w - nw - padX], [0, 0]], fill) as tf.Tensor3D;
  });
  return { image: out, transform: { scale, padX, padY, srcSize: [sh, sw], dstSize: [h, w] } };
}
