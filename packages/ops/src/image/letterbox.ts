/**
 * Resizing and letterboxing (YOLO): scale the image to fit the target keeping its aspect ratio, pad the
 * rest with gray (114, as Ultralytics does), and keep the transform so boxes map back to the original.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertOneOf, assertTensor, describeValue, toPair } from '../errors/validate.js';

export interface ResizeOptions {
  method?: 'bilinear' | 'nearest';
  alignCorners?: boolean;
}

/** Resizes [H, W, C] or [N, H, W, C] to [h, w]; float32 out. */
export function resizeImage<T extends tf.Tensor3D | tf.Tensor4D>(image: T, size: [number, number], options: ResizeOptions = {}): T {
  assertTensor(image, 'image', { rank: [3, 4], dtype: ['int32', 'float32'] });
  const [h, w] = toPair(size, 'size');
  const method = options.method ?? 'bilinear';
  assertOneOf(method, 'options.method', ['bilinear', 'nearest'] as const);
  return tf.tidy(() => {
    const f = tf.cast(image, 'float32') as T;
    return (method === 'bilinear' ? tf.image.resizeBilinear(f, [h, w], options.alignCorners ?? false) : tf.image.resizeNearestNeighbor(f, [h, w], options.alignCorners ?? false)) as T;
  });
}

export interface LetterboxTransform {
  /** Resize factor applied to the source (same on both axes). */
  scale: number;
  /** Padding added on the left and top, in target pixels. */
  padX: number;
  padY: number;
  /** [height, width] of the source and of the letterboxed image. */
  srcSize: [number, number];
  dstSize: [number, number];
}

/** Fits `image` [H, W, C] into `size` [h, w] keeping the aspect ratio, padding with `fill` (default 114). */
export function letterbox(image: tf.Tensor3D, size: [number, number], options: { fill?: number; method?: 'bilinear' | 'nearest' } = {}): { image: tf.Tensor3D; transform: LetterboxTransform } {
  assertTensor(image, 'image', { rank: 3, dtype: ['int32', 'float32'] });
  const [h, w] = toPair(size, 'size');
  const fill = options.fill ?? 114;
  if (typeof fill !== 'number' || !Number.isFinite(fill)) throw new InvalidArgumentError('options.fill', 'a finite number', describeValue(fill));
  const [sh, sw] = image.shape;
  const scale = Math.min(h / sh, w / sw);
  const nh = Math.max(1, Math.round(sh * scale));
  const nw = Math.max(1, Math.round(sw * scale));
  const padY = Math.floor((h - nh) / 2);
  const padX = Math.floor((w - nw) / 2);
  const out = tf.tidy(() => {
    const resized = resizeImage(image, [nh, nw], { method: options.method ?? 'bilinear' });
    return tf.pad(resized, [
      [padY, h - nh - padY],
      [padX, w - nw - padX],
      [0, 0],
    ], fill) as tf.Tensor3D;
  });
  return { image: out, transform: { scale, padX, padY, srcSize: [sh, sw], dstSize: [h, w] } };
}

export type BoxTuple = [number, number, number, number];

function checkBoxes(boxes: readonly (readonly number[])[], argument: string): void {
  if (!Array.isArray(boxes)) throw new InvalidArgumentError(argument, 'an array of [x1, y1, x2, y2] boxes', describeValue(boxes));
  boxes.forEach((b, i) => {
    if (!Array.isArray(b) || b.length !== 4 || b.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
      throw new InvalidArgumentError(`${argument}[${i}]`, '[x1, y1, x2, y2] with finite numbers', describeValue(b));
    }
  });
}

/** Source-pixel xyxy boxes -> letterboxed-image pixels. */
export function letterboxBoxes(boxes: readonly (readonly number[])[], t: LetterboxTransform): BoxTuple[] {
  checkBoxes(boxes, 'boxes');
  return boxes.map(([x1, y1, x2, y2]) => [x1! * t.scale + t.padX, y1! * t.scale + t.padY, x2! * t.scale + t.padX, y2! * t.scale + t.padY]);
}

/** Letterboxed-image xyxy boxes (pixels, or normalized with `normalized: true`) -> source pixels, clipped to the image. */
export function unletterboxBoxes(boxes: readonly (readonly number[])[], t: LetterboxTransform, options: { normalized?: boolean; clip?: boolean } = {}): BoxTuple[] {
  checkBoxes(boxes, 'boxes');
  const [dh, dw] = t.dstSize;
  const [sh, sw] = t.srcSize;
  const clip = options.clip ?? true;
  const cx = (v: number) => (clip ? Math.min(Math.max(v, 0), sw) : v);
  const cy = (v: number) => (clip ? Math.min(Math.max(v, 0), sh) : v);
  return boxes.map(([x1, y1, x2, y2]) => {
    const [a, b, c, d] = options.normalized ? [x1! * dw, y1! * dh, x2! * dw, y2! * dh] : [x1!, y1!, x2!, y2!];
    return [cx((a - t.padX) / t.scale), cy((b - t.padY) / t.scale), cx((c - t.padX) / t.scale), cy((d - t.padY) / t.scale)];
  });
}
