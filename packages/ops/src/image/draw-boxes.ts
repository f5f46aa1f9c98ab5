/** Draws detection boxes with labels onto an image (a new tensor; the input is not modified). */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertTensor, describeValue } from '../errors/validate.js';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from './bitmap-font.js';

export interface DrawableBox {
  /** xyxy in pixels of this image. */
  box: readonly [number, number, number, number] | readonly number[];
  label?: string;
  score?: number;
  /** Picks the default color. */
  class?: number;
}

export interface DrawBoxesOptions {
  /** RGB colors cycled by class (or index). */
  colors?: readonly (readonly [number, number, number])[];
  lineWidth?: number;
  /** Font pixel size multiplier (default: 1 for small images, 2 from 400 px). */
  fontScale?: number;
}

export const DEFAULT_COLORS: readonly (readonly [number, number, number])[] = [
  [255, 56, 56],
  [72, 249, 10],
  [0, 194, 255],
  [255, 157, 151],
  [255, 178, 29],
  [207, 210, 49],
  [146, 204, 23],
  [61, 219, 134],
  [26, 147, 52],
  [0, 212, 187],
  [44, 153, 168],
  [132, 56, 255],
];

/** Canvas over an RGB Int32Array. */
class Raster {
  constructor(
    readonly data: Int32Array,
    readonly width: number,
    readonly height: number,
    readonly channels: number,
  ) {}
  set(x: number, y: number, [r, g, b]: readonly [number, number, number]): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * this.channels;
    if (this.channels === 1) {
      this.data[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      return;
    }
    this.data[i] = r;
    this.data[i + 1] = g;
    this.data[i + 2] = b;
  }
  fillRect(x0: number, y0: number, x1: number, y1: number, color: readonly [number, number, number]): void {
    for (let y = Math.max(0, y0); y < Math.min(this.height, y1); y++) for (let x = Math.max(0, x0); x < Math.min(this.width, x1); x++) this.set(x, y, color);
  }
  text(s: string, x0: number, y0: number, scale: number, color: readonly [number, number, number]): void {
    let x = x0;
    for (const ch of s) {
      const rows = glyph(ch);
      for (let r = 0; r < GLYPH_HEIGHT; r++)
        for (let c = 0; c < GLYPH_WIDTH; c++) if (rows[r]! & (1 << (GLYPH_WIDTH - 1 - c))) this.fillRect(x + c * scale, y0 + r * scale, x + (c + 1) * scale, y0 + (r + 1) * scale, color);
      x += (GLYPH_WIDTH + 1) * scale;
    }
  }
}

function labelText(d: DrawableBox): string {
  const parts = [d.label ?? (d.class !== undefined ? `class ${d.class}` : '')];
  if (d.score !== undefined) parts.push(`${Math.round(d.score * 100)}%`);
  return parts.filter(Boolean).join(' ');
}

/** Returns a copy of `image` ([H, W, 1|3|4], 0-255) with rectangles and "label score%" tags drawn on it. */
export function drawBoxes(image: tf.Tensor3D, detections: readonly DrawableBox[], options: DrawBoxesOptions = {}): tf.Tensor3D {
  assertTensor(image, 'image', { rank: 3, dtype: ['int32', 'float32'] });
  const [h, w, c] = image.shape;
  if (![1, 3, 4].includes(c)) throw new InvalidArgumentError('image', 'an image with 1, 3 or 4 channels', `${c} channels`);
  if (!Array.isArray(detections)) throw new InvalidArgumentError('detections', 'an array of { box: [x1, y1, x2, y2], label?, score? }', describeValue(detections));
  const colors = options.colors ?? DEFAULT_COLORS;
  if (colors.length === 0) throw new InvalidArgumentError('options.colors', 'at least one [r, g, b] color', 'an empty array');
  const lineWidth = options.lineWidth ?? Math.max(1, Math.round(Math.min(h, w) / 200));
  if (!Number.isInteger(lineWidth) || lineWidth < 1) throw new InvalidArgumentError('options.lineWidth', 'an integer >= 1', describeValue(lineWidth));
  const scale = options.fontScale ?? (Math.min(h, w) >= 400 ? 2 : 1);
  const data = Int32Array.from(image.dataSync(), (v) => Math.round(v));
  const raster = new Raster(data, w, h, c);
  detections.forEach((d, i) => {
    const b = d?.box;
    if (!b || b.length !== 4 || b.some((v: unknown) => typeof v !== 'number' || !Number.isFinite(v))) {
      throw new InvalidArgumentError(`detections[${i}].box`, '[x1, y1, x2, y2] with finite pixel coordinates', describeValue(b));
    }
    const color = colors[(d.class ?? i) % colors.length]!;
    const [x1, y1, x2, y2] = b.map(Math.round) as [number, number, number, number];
    raster.fillRect(x1, y1, x2 + 1, y1 + lineWidth, color);
    raster.fillRect(x1, y2 - lineWidth + 1, x2 + 1, y2 + 1, color);
    raster.fillRect(x1, y1, x1 + lineWidth, y2 + 1, color);
    raster.fillRect(x2 - lineWidth + 1, y1, x2 + 1, y2 + 1, color);
    const text = labelText(d);
    if (text) {
      const tw = textWidth(text, scale) + 2 * scale;
      const th = (GLYPH_HEIGHT + 2) * scale;
      const ty = y1 - th >= 0 ? y1 - th : y1;
      raster.fillRect(x1, ty, x1 + tw, ty + th, color);
      const luma = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2];
      raster.text(text, x1 + scale, ty + scale, scale, luma > 140 ? [0, 0, 0] : [255, 255, 255]);
    }
  });
  return tf.tensor3d(data, [h, w, c], 'int32');
}
