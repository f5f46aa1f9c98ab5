/**
 * A tiny pixel canvas over a copy of an image tensor's data: opaque and blended rectangles, outlines (solid
 * or dashed), discs and text tags in @cnn/ops' bitmap font. Shared by the pictures in this folder so every
 * picture handles 1/3/4 channels, int32 or float32, and 0-255 or 0-1 images the same way drawBoxes does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GLYPH_HEIGHT, InvalidArgumentError, assertOneOf, assertTensor, describeValue, freeTagTop, rasterizeText, textWidth, type PixelRange, type RGB } from '@cnn/ops';

export function isColor(c: unknown): c is RGB {
  return Array.isArray(c) && c.length === 3 && c.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 255);
}

export function readColor(value: unknown, argument: string, fallback: RGB): RGB {
  if (value === undefined) return fallback;
  if (!isColor(value)) throw new InvalidArgumentError(argument, '[r, g, b] in 0-255', describeValue(value));
  return value;
}

export function readPositiveInt(value: unknown, argument: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new InvalidArgumentError(argument, 'an integer >= 1', describeValue(value));
  return value;
}

/** The value range of an image: explicit, else 0-255 for int32, else 0-1 when no value exceeds 1 (as drawBoxes). */
function pixelRange(values: ArrayLike<number>, dtype: string, range: unknown): PixelRange {
  if (range !== undefined) {
    assertOneOf(range, 'options.range', ['0-255', '0-1'] as const);
    return range;
  }
  if (dtype !== 'float32') return '0-255';
  for (let i = 0; i < values.length; i++) if (values[i]! > 1) return '0-255';
  return '0-1';
}

export class Canvas {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  private readonly data: Int32Array | Float32Array;
  private readonly dtype: 'int32' | 'float32';
  /** 1 for 0-255 images, 1/255 for 0-1 images. */
  private readonly k: number;

  constructor(image: tf.Tensor3D, range?: PixelRange) {
    assertTensor(image, 'image', { rank: 3, dtype: ['int32', 'float32'] });
    const [h, w, c] = image.shape;
    if (![1, 3, 4].includes(c)) throw new InvalidArgumentError('image', 'an [H, W, C] image with C = 1, 3 or 4', describeValue(image));
    this.height = h;
    this.width = w;
    this.channels = c;
    this.dtype = image.dtype as 'int32' | 'float32';
    this.data = image.dtype === 'int32' ? Int32Array.from(image.dataSync()) : Float32Array.from(image.dataSync());
    this.k = pixelRange(this.data, image.dtype, range) === '0-1' ? 1 / 255 : 1;
  }

  /** Blends `color` over pixel (x, y) with opacity `alpha` (1 = opaque); off-image pixels are skipped. */
  blend(x: number, y: number, [r, g, b]: RGB, alpha = 1): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const c = this.channels;
    const base = (y * this.width + x) * c;
    const src = c === 1 ? [0.299 * r + 0.587 * g + 0.114 * b] : [r, g, b];
    for (let i = 0; i < src.length; i++) {
      const v = alpha * src[i]! * this.k + (1 - alpha) * this.data[base + i]!;
      this.data[base + i] = this.dtype === 'int32' ? Math.round(v) : v;
    }
    if (c === 4 && alpha === 1) this.data[base + 3] = 255 * this.k;
  }

  /** Fills x0 <= x < x1, y0 <= y < y1 (clipped to the image). */
  fillRect(x0: number, y0: number, x1: number, y1: number, color: RGB, alpha = 1): void {
    const xa = Math.max(0, Math.round(x0));
    const xb = Math.min(this.width, Math.round(x1));
    const ya = Math.max(0, Math.round(y0));
    const yb = Math.min(this.height, Math.round(y1));
    for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) this.blend(x, y, color, alpha);
  }

  /**
   * Outlines the box covering pixels x1..x2, y1..y2 inclusive (rounded), the border growing inwards as in
   * drawBoxes. `dash` > 0 draws dashes of that many pixels with gaps of the same length.
   */
  strokeRect(x1: number, y1: number, x2: number, y2: number, color: RGB, lineWidth: number, dash = 0): void {
    const [ax, bx] = [Math.round(Math.min(x1, x2)), Math.round(Math.max(x1, x2))];
    const [ay, by] = [Math.round(Math.min(y1, y2)), Math.round(Math.max(y1, y2))];
    const on = (t: number) => dash <= 0 || Math.floor(t / dash) % 2 === 0;
    for (let x = ax; x <= bx; x++) {
      if (!on(x - ax)) continue;
      for (let t = 0; t < lineWidth; t++) {
        this.blend(x, ay + t, color);
        this.blend(x, by - t, color);
      }
    }
    for (let y = ay; y <= by; y++) {
      if (!on(y - ay)) continue;
      for (let t = 0; t < lineWidth; t++) {
        this.blend(ax + t, y, color);
        this.blend(bx - t, y, color);
      }
    }
  }

  /** A filled disc of `radius` pixels at (cx, cy) (pixel centres within the radius). */
  disc(cx: number, cy: number, radius: number, color: RGB): void {
    const r = Math.ceil(radius);
    for (let y = Math.floor(cy) - r; y <= Math.floor(cy) + r; y++) {
      for (let x = Math.floor(cx) - r; x <= Math.floor(cx) + r; x++) {
        if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= radius * radius) this.blend(x, y, color);
      }
    }
  }

  /**
   * A filled tag with `text` whose top-left corner is at (x, y), kept inside the image. Ink is black or
   * white, whichever reads better on `color`. Returns the tag's rectangle [x0, y0, x1, y1).
   */
  tag(text: string, x: number, y: number, color: RGB, scale: number): [number, number, number, number] {
    const tw = textWidth(text, scale) + 2 * scale;
    const th = (GLYPH_HEIGHT + 2) * scale;
    const tx = Math.max(0, Math.min(Math.round(x), this.width - tw));
    const ty = Math.max(0, Math.min(Math.round(y), this.height - th));
    this.fillRect(tx, ty, tx + tw, ty + th, color);
    const luma = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2];
    const ink: RGB = luma > 140 ? [0, 0, 0] : [255, 255, 255];
    rasterizeText(text, tx + scale, ty + scale, scale, (px, py) => this.blend(px, py, ink));
    return [tx, ty, tx + tw, ty + th];
  }

  /**
   * Like tag, but moved up or down by whole tag heights (nearest first) until it overlaps none of `taken`
   * (the tags already drawn), so captions of objects that share a cell or overlap stay readable. Adds its
   * rectangle to `taken`. Falls back to (x, y) when every position within the image collides.
   */
  tagAvoiding(text: string, x: number, y: number, color: RGB, scale: number, taken: [number, number, number, number][]): [number, number, number, number] {
    const tw = textWidth(text, scale) + 2 * scale;
    const th = (GLYPH_HEIGHT + 2) * scale;
    const tx = Math.max(0, Math.min(Math.round(x), this.width - tw));
    const chosen = freeTagTop(y, tx, tw, th, this.height, taken);
    const rect = this.tag(text, tx, chosen, color, scale);
    taken.push(rect);
    return rect;
  }

  /** The picture as a new tensor of the input's shape and dtype. */
  toTensor(): tf.Tensor3D {
    return tf.tensor3d(this.data, [this.height, this.width, this.channels], this.dtype);
  }
}

/** Tag height in pixels for a font scale (as drawBoxes). */
export function tagHeight(scale: number): number {
  return (GLYPH_HEIGHT + 2) * scale;
}
