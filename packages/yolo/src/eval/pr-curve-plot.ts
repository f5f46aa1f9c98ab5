/**
 * Precision-recall curves as a picture: a plain line plot (recall on x, precision on y, both 0..1) drawn
 * pixel by pixel into an RGBA buffer, with a grid, tick labels and a legend in @cnn/ops' bitmap font, and
 * a writer that saves it as PNG through @cnn/ops' atomic image writer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GLYPH_HEIGHT, InvalidArgumentError, ShapeMismatchError, describeValue, rasterizeText, textWidth, writeImage, type RGB } from '@cnn/ops';

/** One curve: points in ranking order (see AveragePrecisionResult). */
export interface PrCurve {
  recall: readonly number[];
  precision: readonly number[];
  /** Legend text (default: `name AP 0.xxx` for an AP result, else "curve i"). */
  label?: string;
  /** Line color (default: PLOT_COLORS by position). */
  color?: RGB;
  /** Read by the default label. */
  name?: string;
  ap?: number;
}

export interface PrPlotOptions {
  /** Picture width in pixels (default 640, at least 160). */
  width?: number;
  /** Picture height in pixels (default 480, at least 120). */
  height?: number;
  /** Title above the plot. */
  title?: string;
  /** Line width in pixels (default 2). */
  lineWidth?: number;
}

/** An RGBA picture: `data[(y * width + x) * 4 + c]`. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** matplotlib's tab10: neighbours stay distinguishable (the box palette's first two are both reds). */
export const PLOT_COLORS: readonly RGB[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

function checkCurves(curves: unknown): PrCurve[] {
  if (!Array.isArray(curves)) throw new InvalidArgumentError('curves', 'an array of { recall, precision, label?, color? }', describeValue(curves));
  return curves.map((c: unknown, i) => {
    const arg = `curves[${i}]`;
    if (c === null || typeof c !== 'object') throw new InvalidArgumentError(arg, 'an object { recall, precision, label?, color? }', describeValue(c));
    const { recall, precision, label, color } = c as PrCurve;
    for (const [name, v] of [['recall', recall], ['precision', precision]] as const) {
      if (!Array.isArray(v)) throw new InvalidArgumentError(`${arg}.${name}`, 'an array of numbers', describeValue(v));
      const bad = v.findIndex((x: unknown) => typeof x !== 'number' || Number.isNaN(x) || x < 0 || x > 1);
      // NaN recall only comes from a class without ground truth, which has no curve to draw.
      if (bad >= 0) throw new InvalidArgumentError(`${arg}.${name}[${bad}]`, 'a number in [0, 1]', describeValue(v[bad]));
    }
    if (recall.length !== precision.length) throw new ShapeMismatchError(`${arg}.precision`, `recall has ${recall.length} points but precision has ${precision.length}.`);
    if (label !== undefined && typeof label !== 'string') throw new InvalidArgumentError(`${arg}.label`, 'a string', describeValue(label));
    if (color !== undefined && !(Array.isArray(color) && color.length === 3 && color.every((v) => Number.isInteger(v) && v >= 0 && v <= 255))) {
      throw new InvalidArgumentError(`${arg}.color`, '[r, g, b], integers in 0-255', describeValue(color));
    }
    return c as PrCurve;
  });
}

function checkInt(value: unknown, argument: string, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new InvalidArgumentError(argument, `an integer in [${min}, ${max}]`, describeValue(value));
  }
  return value as number;
}

/** Renders precision-recall curves into an RGBA picture (white background, opaque). */
export function renderPrCurves(curves: readonly PrCurve[], options: PrPlotOptions = {}): RgbaImage {
  const list = checkCurves(curves);
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const width = checkInt(options.width ?? 640, 'options.width', 160, 8192);
  const height = checkInt(options.height ?? 480, 'options.height', 120, 8192);
  const lineWidth = checkInt(options.lineWidth ?? 2, 'options.lineWidth', 1, 16);
  if (options.title !== undefined && typeof options.title !== 'string') throw new InvalidArgumentError('options.title', 'a string', describeValue(options.title));
  const data = new Uint8Array(width * height * 4).fill(255);
  const set = (x: number, y: number, [r, g, b]: RGB) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const o = (y * width + x) * 4;
    data[o] = r;
    data[o + 1] = g;
    data[o + 2] = b;
  };
  const rect = (x0: number, y0: number, x1: number, y1: number, c: RGB) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) set(x, y, c);
  };
  const text = (s: string, x: number, y: number, c: RGB) => rasterizeText(s, x, y, 1, (px, py) => set(px, py, c));

  // Plot area in pixels: recall 0..1 -> left..right, precision 1..0 -> top..bottom.
  const left = 34;
  const right = width - 12;
  const top = options.title ? 12 + GLYPH_HEIGHT : 12;
  const bottom = height - 30;
  const px = (r: number) => Math.round(left + r * (right - left));
  const py = (p: number) => Math.round(bottom - p * (bottom - top));
  const black: RGB = [0, 0, 0];
  const grid: RGB = [225, 225, 225];
  for (let i = 0; i <= 10; i++) {
    rect(px(i / 10), top, px(i / 10) + 1, bottom + 1, grid);
    rect(left, py(i / 10), right + 1, py(i / 10) + 1, grid);
  }
  rect(left, bottom, right + 1, bottom + 1, black);
  rect(left, top, left + 1, bottom + 1, black);
  for (const t of [0, 0.5, 1]) {
    const s = String(t);
    text(s, px(t) - Math.floor(textWidth(s) / 2), bottom + 4, black);
    text(s, left - 4 - textWidth(s), py(t) - 4, black);
  }
  text('recall', Math.round((left + right - textWidth('recall')) / 2), bottom + 16, black);
  text('precision', left + 4, top + 2, black);
  if (options.title) text(options.title, Math.round((width - textWidth(options.title)) / 2), 4, black);

  const dot = (x: number, y: number, c: RGB) => {
    const h = Math.floor(lineWidth / 2);
    rect(x - h, y - h, x - h + lineWidth, y - h + lineWidth, c);
  };
  const line = (x0: number, y0: number, x1: number, y1: number, c: RGB) => {
    const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let k = 0; k <= n; k++) dot(Math.round(x0 + ((x1 - x0) * k) / n), Math.round(y0 + ((y1 - y0) * k) / n), c);
  };
  list.forEach((c, i) => {
    const color = c.color ?? PLOT_COLORS[i % PLOT_COLORS.length]!;
    for (let k = 0; k < c.recall.length; k++) {
      const [x, y] = [px(c.recall[k]!), py(c.precision[k]!)];
      if (k === 0) dot(x, y, color);
      else line(px(c.recall[k - 1]!), py(c.precision[k - 1]!), x, y, color);
    }
  });
  // Legend, bottom left inside the plot (PR curves rarely pass there), on a white panel.
  const labels = list.map((c, i) => c.label ?? (c.name !== undefined ? `${c.name}${c.ap !== undefined && !Number.isNaN(c.ap) ? ` AP ${c.ap.toFixed(3)}` : ''}` : `curve ${i}`));
  if (labels.length > 0) {
    const rowH = GLYPH_HEIGHT + 3;
    const boxW = Math.min(right - left - 8, 16 + Math.max(...labels.map((l) => textWidth(l))));
    const rows = Math.min(labels.length, Math.floor((bottom - top - 8) / rowH));
    const y0 = bottom - 4 - rows * rowH - 4;
    rect(left + 4, y0, left + 4 + boxW + 8, bottom - 4, [255, 255, 255]);
    for (let i = 0; i < rows; i++) {
      const color = list[i]!.color ?? PLOT_COLORS[i % PLOT_COLORS.length]!;
      const y = y0 + 4 + i * rowH;
      rect(left + 8, y + 2, left + 18, y + 6, color);
      text(labels[i]!, left + 22, y, black);
    }
  }
  return { width, height, data };
}

/**
 * Renders the curves (renderPrCurves) and writes them as an image file, atomically; the extension picks
 * the format (.png recommended). Needs a tfjs backend (call @cnn/ops `ready()` first). Returns the path.
 */
export async function writePrCurves(path: string, curves: readonly PrCurve[], options: PrPlotOptions = {}): Promise<string> {
  if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', 'a file path ending in .png', describeValue(path));
  const { width, height, data } = renderPrCurves(curves, options);
  const image = tf.tensor3d(Int32Array.from(data), [height, width, 4], 'int32');
  try {
    await writeImage(path, image);
  } finally {
    image.dispose();
  }
  return path;
}
