/**
 * Draws detection boxes with "label score" tags onto a copy of an image tensor. Text uses the built-in
 * bitmap font (image-js's drawText needs a canvas, which Node lacks), so output is identical everywhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { BOX_FORMATS, convertBoxes, type BoxFormat } from '../boxes/box-format.js';
import { assertOneOf, assertTensor, describeValue } from '../errors/validate.js';
import { GLYPH_HEIGHT, rasterizeText, textWidth } from './bitmap-font.js';
import { resolvePixelRange, type PixelRange } from './pixel-range.js';

export type RGB = readonly [number, number, number];

/** A box to draw. The boxes module's NMS `Detection` fits as is. */
export interface DrawableBox {
  /** Pixels of this image, in `options.format` ('xyxy' = [x1, y1, x2, y2] by default). */
  box: readonly number[];
  /** Confidence, shown with two decimals after the label. */
  score?: number;
  /** Class index: picks the name from `options.labels` and the color. */
  class?: number;
  /** Text to show; overrides `options.labels[class]`. */
  label?: string;
  /** Box color (0-255 RGB); overrides the class color. */
  color?: RGB;
}

export interface DrawBoxesOptions {
  /** Format of the boxes (default 'xyxy'; see the boxes module). */
  format?: BoxFormat;
  /** Class names, indexed by `detection.class`. */
  labels?: readonly string[];
  /** RGB colors (0-255) cycled by class, or by position for detections without a class. */
  colors?: readonly RGB[];
  /** Border width in pixels (default: about 0.3 % of the image size, at least 1, as Ultralytics). */
  lineWidth?: number;
  /** Bitmap font: `scale` pixels per font pixel (default as lineWidth's default). */
  font?: { scale?: number };
  /** Show scores (default true). */
  showScores?: boolean;
  /** Value range of the image (see encodeImage); colors are scaled to it. */
  range?: PixelRange;
}

/** Ultralytics' default palette. */
export const DEFAULT_COLORS: readonly RGB[] = [
  [255, 56, 56], [255, 157, 151], [255, 112, 31], [255, 178, 29], [207, 210, 49], [72, 249, 10], [146, 204, 23],
  [61, 219, 134], [26, 147, 52], [0, 212, 187], [44, 153, 168], [0, 194, 255], [52, 69, 147], [100, 115, 255],
  [0, 24, 236], [132, 56, 255], [82, 0, 133], [203, 56, 255], [255, 149, 200], [255, 55, 199],
];

function isColor(c: unknown): c is RGB {
  return Array.isArray(c) && c.length === 3 && c.every((v) => typeof v === 'number' && v >= 0 && v <= 255);
}

function checkDetection(d: unknown, i: number, labels: readonly string[] | undefined, format: BoxFormat): DrawableBox {
  const arg = `detections[${i}]`;
  if (d === null || typeof d !== 'object') throw new InvalidArgumentError(arg, 'an object { box: [x1, y1, x2, y2], score?, class?, label? }', describeValue(d));
  const { box, score, class: cls, label, color } = d as DrawableBox;
  if (!Array.isArray(box) || box.length !== 4 || box.some((v: unknown) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new InvalidArgumentError(`${arg}.box`, `4 finite pixel coordinates ('${format}')`, describeValue(box));
  }
  if (format !== 'xyxy' && (box[2]! < 0 || box[3]! < 0)) throw new InvalidArgumentError(`${arg}.box`, `a non-negative width and height ('${format}')`, `[${box.join(', ')}]`);
  if (score !== undefined && (typeof score !== 'number' || !Number.isFinite(score))) throw new InvalidArgumentError(`${arg}.score`, 'a finite number', describeValue(score));
  if (cls !== undefined && (!Number.isInteger(cls) || cls < 0)) throw new InvalidArgumentError(`${arg}.class`, 'an integer >= 0', describeValue(cls));
  if (cls !== undefined && labels && cls >= labels.length && label === undefined) {
    throw new InvalidArgumentError(`${arg}.class`, `an index into options.labels (< ${labels.length})`, String(cls));
  }
  if (label !== undefined && typeof label !== 'string') throw new InvalidArgumentError(`${arg}.label`, 'a string', describeValue(label));
  if (color !== undefined && !isColor(color)) throw new InvalidArgumentError(`${arg}.color`, '[r, g, b] in 0-255', describeValue(color));
  return d as DrawableBox;
}

function tagText(d: DrawableBox, labels: readonly string[] | undefined, showScores: boolean): string {
  const name = d.label ?? (d.class !== undefined ? (labels?.[d.class] ?? `class ${d.class}`) : '');
  const score = showScores && d.score !== undefined ? d.score.toFixed(2) : '';
  return [name, score].filter(Boolean).join(' ');
}

/**
 * Where a text tag [left, left + width) x [top, top + height) goes so that it covers none of the tags in
 * `taken` ([x0, y0, x1, y1) rectangles): its top is `preferredTop` when that is free, else moved down or up by
 * whole tag heights (nearest first), staying inside an image `imageHeight` tall; `preferredTop` (clamped)
 * when every place collides. Shared by drawBoxes and @cnn/yolo's pictures, so their tags stay readable.
 */
export function freeTagTop(preferredTop: number, left: number, width: number, height: number, imageHeight: number, taken: readonly (readonly [number, number, number, number])[]): number {
  const clamp = (v: number) => Math.max(0, Math.min(Math.round(v), imageHeight - height));
  const free = (top: number) => taken.every(([a0, b0, a1, b1]) => left >= a1 || left + width <= a0 || top >= b1 || top + height <= b0);
  for (let k = 0; k <= Math.ceil(imageHeight / height); k++) {
    if (free(clamp(preferredTop + k * height))) return clamp(preferredTop + k * height);
    if (free(clamp(preferredTop - k * height))) return clamp(preferredTop - k * height);
  }
  return clamp(preferredTop);
}

/**
 * Returns a copy of `image` ([H, W, 1|3|4], int32 or float32, not modified or disposed) with each
 * detection's rectangle (drawn inside the box edges) and a filled tag with its label and score, placed
 * above the box, or inside it when the box touches the top.
 */
export function drawBoxes(image: tf.Tensor3D, detections: readonly DrawableBox[], options: DrawBoxesOptions = {}): tf.Tensor3D {
  assertTensor(image, 'image', { rank: 3, dtype: ['int32', 'float32'] });
  const [h, w, c] = image.shape;
  if (![1, 3, 4].includes(c)) throw new InvalidArgumentError('image', 'an [H, W, C] image with C = 1, 3 or 4', describeValue(image));
  if (!Array.isArray(detections)) throw new InvalidArgumentError('detections', 'an array of { box: [x1, y1, x2, y2], score?, class?, label? }', describeValue(detections));
  const { labels, showScores = true } = options;
  if (labels !== undefined && (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string'))) throw new InvalidArgumentError('options.labels', 'an array of class names', describeValue(labels));
  const colors = options.colors ?? DEFAULT_COLORS;
  if (!Array.isArray(colors) || colors.length === 0 || !colors.every(isColor)) throw new InvalidArgumentError('options.colors', 'a non-empty array of [r, g, b] in 0-255', describeValue(colors));
  const auto = Math.max(1, Math.round(((h + w) / 2) * 0.003));
  const lineWidth = options.lineWidth ?? auto;
  if (!Number.isInteger(lineWidth) || lineWidth < 1) throw new InvalidArgumentError('options.lineWidth', 'an integer >= 1', describeValue(lineWidth));
  const scale = options.font?.scale ?? auto;
  if (!Number.isInteger(scale) || scale < 1) throw new InvalidArgumentError('options.font.scale', 'an integer >= 1', describeValue(scale));
  const format = options.format ?? 'xyxy';
  assertOneOf(format, 'options.format', BOX_FORMATS);
  const checked = detections.map((d, i) => checkDetection(d, i, labels, format));

  const data = image.dtype === 'int32' ? Int32Array.from(image.dataSync()) : Float32Array.from(image.dataSync());
  const k = resolvePixelRange(data, image.dtype, options.range) === '0-1' ? 1 / 255 : 1;
  const pixel = ([r, g, b]: RGB): number[] => {
    const px = c === 1 ? [0.299 * r + 0.587 * g + 0.114 * b] : c === 3 ? [r, g, b] : [r, g, b, 255];
    return px.map((v) => (k === 1 ? Math.round(v) : v * k));
  };
  const fillRect = (x0: number, y0: number, x1: number, y1: number, px: number[]) => {
    for (let y = Math.max(0, y0); y < Math.min(h, y1); y++) for (let x = Math.max(0, x0); x < Math.min(w, x1); x++) data.set(px, (y * w + x) * c);
  };

  const taken: [number, number, number, number][] = []; // tags drawn so far: a later tag never covers one
  checked.forEach((d, i) => {
    const color = d.color ?? colors[(d.class ?? i) % colors.length]!;
    const px = pixel(color);
    const xyxy = format === 'xyxy' ? d.box : convertBoxes([d.box], { from: format, to: 'xyxy' })[0]!;
    const [bx1, by1, bx2, by2] = xyxy.map(Math.round) as [number, number, number, number];
    const [x1, x2] = bx1 <= bx2 ? [bx1, bx2] : [bx2, bx1];
    const [y1, y2] = by1 <= by2 ? [by1, by2] : [by2, by1];
    // Rectangles cover pixels x1..x2 and y1..y2 inclusive; the border grows inwards.
    fillRect(x1, y1, x2 + 1, y1 + lineWidth, px);
    fillRect(x1, y2 - lineWidth + 1, x2 + 1, y2 + 1, px);
    fillRect(x1, y1, x1 + lineWidth, y2 + 1, px);
    fillRect(x2 - lineWidth + 1, y1, x2 + 1, y2 + 1, px);
    const text = tagText(d, labels, showScores);
    if (!text) return;
    const tw = textWidth(text, scale) + 2 * scale;
    const th = (GLYPH_HEIGHT + 2) * scale;
    const tx = Math.max(0, Math.min(x1, w - tw)); // keep the tag inside the image when the box is at the right edge
    const ty = freeTagTop(y1 - th >= 0 ? y1 - th : Math.max(0, y1), tx, tw, th, h, taken);
    taken.push([tx, ty, tx + tw, ty + th]);
    fillRect(tx, ty, tx + tw, ty + th, px);
    const luma = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2];
    const ink = pixel(luma > 140 ? [0, 0, 0] : [255, 255, 255]);
    rasterizeText(text, tx + scale, ty + scale, scale, (x, y) => {
      if (x >= 0 && y >= 0 && x < w && y < h) data.set(ink, (y * w + x) * c);
    });
  });
  return tf.tensor3d(data, [h, w, c], image.dtype);
}
