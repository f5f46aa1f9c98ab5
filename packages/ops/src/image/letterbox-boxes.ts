/**
 * Mapping boxes between an original image and its letterboxed version (see letterbox.ts): forward for
 * training labels, backward for detections. Formats are the boxes module's ('xyxy', 'xywh', 'cxcywh'), in
 * pixels or normalized to [0, 1] by the image they refer to. Arrays in, arrays out; [N, 4] float32 tensors
 * in, tensors out (kept on the backend, no data download).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BOX_FORMATS, convertBoxes, type Box, type BoxFormat } from '../boxes/box-format.js';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertOneOf, describeValue } from '../errors/validate.js';
import type { LetterboxTransform } from './letterbox.js';

export interface MapBoxesOptions {
  /** The input boxes are normalized by the size of the image they refer to (default false: pixels). */
  normalized?: boolean;
  /** Normalize the result by the destination image's size (default: as `normalized`). */
  outputNormalized?: boolean;
  /** Clip boxes to the destination image (default true, as Ultralytics' scale_boxes). */
  clip?: boolean;
}

type Boxes = readonly (readonly number[])[] | tf.Tensor2D;

interface Mapping {
  format: BoxFormat;
  normalized: boolean;
  outputNormalized: boolean;
  clip: boolean;
  fromSize: [number, number]; // [h, w] of the image the input boxes refer to
  toSize: [number, number];
  scale: number; // x' = x * scale + offsetX, the same scale on both axes
  offsetX: number;
  offsetY: number;
}

function checkTransform(t: unknown): asserts t is LetterboxTransform {
  const x = t as Partial<LetterboxTransform> | null;
  const isSize = (s: unknown) => Array.isArray(s) && s.length === 2 && s.every((v) => Number.isInteger(v) && v > 0);
  const ok =
    x !== null && typeof x === 'object' && typeof x.scale === 'number' && Number.isFinite(x.scale) && x.scale > 0 &&
    Number.isFinite(x.padX) && Number.isFinite(x.padY) && isSize(x.srcSize) && isSize(x.dstSize);
  if (!ok) throw new InvalidArgumentError('transform', 'the { scale, padX, padY, srcSize, dstSize } returned by letterbox()', describeValue(t));
}

function checkOptions(format: unknown, options: MapBoxesOptions): Pick<Mapping, 'format' | 'normalized' | 'outputNormalized' | 'clip'> {
  assertOneOf(format, 'format', BOX_FORMATS);
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError('options', 'an options object { normalized?, outputNormalized?, clip? }', describeValue(options));
  }
  const normalized = options.normalized ?? false;
  const outputNormalized = options.outputNormalized ?? normalized;
  const clip = options.clip ?? true;
  for (const [name, v] of [['normalized', normalized], ['outputNormalized', outputNormalized], ['clip', clip]] as const) {
    if (typeof v !== 'boolean') throw new InvalidArgumentError(`options.${name}`, 'a boolean', describeValue(v));
  }
  return { format, normalized, outputNormalized, clip };
}

function mapBoxes(boxes: Boxes, m: Mapping): Box[] | tf.Tensor2D {
  const toPixels = m.normalized ? { imageSize: m.fromSize, normalize: 'toPixels' as const } : {};
  const toOutput = m.outputNormalized ? { imageSize: m.toSize, normalize: 'toNormalized' as const } : {};
  const [th, tw] = m.toSize;
  if (boxes instanceof tf.Tensor) {
    return tf.tidy(() => {
      const xyxy = convertBoxes(boxes, { from: m.format, to: 'xyxy', ...toPixels });
      let mapped = tf.add(tf.mul(xyxy, m.scale), tf.tensor1d([m.offsetX, m.offsetY, m.offsetX, m.offsetY]));
      if (m.clip) mapped = tf.minimum(tf.maximum(mapped, 0), tf.tensor1d([tw, th, tw, th]));
      return convertBoxes(mapped as tf.Tensor2D, { from: 'xyxy', to: m.format, ...toOutput });
    });
  }
  if (!Array.isArray(boxes)) throw new InvalidArgumentError('boxes', `an array of '${m.format}' boxes or an [N, 4] float32 tensor`, describeValue(boxes));
  const clipTo = (v: number, hi: number) => (m.clip ? Math.min(Math.max(v, 0), hi) : v);
  const mapped = convertBoxes(boxes, { from: m.format, to: 'xyxy', ...toPixels }).map(([x1, y1, x2, y2]): Box => [
    clipTo(x1 * m.scale + m.offsetX, tw),
    clipTo(y1 * m.scale + m.offsetY, th),
    clipTo(x2 * m.scale + m.offsetX, tw),
    clipTo(y2 * m.scale + m.offsetY, th),
  ]);
  return convertBoxes(mapped, { from: 'xyxy', to: m.format, ...toOutput });
}

/** Boxes on the original image -> the same boxes on the letterboxed image (e.g. training labels). */
export function letterboxBoxes(boxes: readonly (readonly number[])[], transform: LetterboxTransform, format?: BoxFormat, options?: MapBoxesOptions): Box[];
export function letterboxBoxes(boxes: tf.Tensor2D, transform: LetterboxTransform, format?: BoxFormat, options?: MapBoxesOptions): tf.Tensor2D;
export function letterboxBoxes(boxes: Boxes, transform: LetterboxTransform, format: BoxFormat = 'xyxy', options: MapBoxesOptions = {}): Box[] | tf.Tensor2D {
  checkTransform(transform);
  const o = checkOptions(format, options);
  return mapBoxes(boxes, { ...o, fromSize: transform.srcSize, toSize: transform.dstSize, scale: transform.scale, offsetX: transform.padX, offsetY: transform.padY });
}

/**
 * Boxes found on the letterboxed image -> the same boxes on the original image, clipped to it by default
 * (Ultralytics' scale_boxes). For model output normalized to the network input, and original-image pixels
 * out: `unletterboxBoxes(boxes, t, 'cxcywh', { normalized: true, outputNormalized: false })`.
 */
export function unletterboxBoxes(boxes: readonly (readonly number[])[], transform: LetterboxTransform, format?: BoxFormat, options?: MapBoxesOptions): Box[];
export function unletterboxBoxes(boxes: tf.Tensor2D, transform: LetterboxTransform, format?: BoxFormat, options?: MapBoxesOptions): tf.Tensor2D;
export function unletterboxBoxes(boxes: Boxes, transform: LetterboxTransform, format: BoxFormat = 'xyxy', options: MapBoxesOptions = {}): Box[] | tf.Tensor2D {
  checkTransform(transform);
  const o = checkOptions(format, options);
  const s = transform.scale;
  return mapBoxes(boxes, { ...o, fromSize: transform.dstSize, toSize: transform.srcSize, scale: 1 / s, offsetX: -transform.padX / s, offsetY: -transform.padY / s });
}
