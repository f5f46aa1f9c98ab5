/**
 * A small line-plot renderer for pictures the packages write (loss curves, learning curves): series of (x, y)
 * on a white canvas with axes, min/max tick labels in the built-in bitmap font, a title and a legend; linear
 * or log10 y axis. Returns RGB pixels [height, width, 3] (Uint8Array) ready for `encodeImage`/`writeImage`
 * via `tf.tensor3d(pixels, [h, w, 3], 'int32')`. No tfjs needed, so it also works before a backend is ready.
 */
import { InvalidArgumentError } from '../errors/errors.js';
import { GLYPH_HEIGHT, rasterizeText, textWidth } from './bitmap-font.js';
import { DEFAULT_COLORS, type RGB } from './draw-boxes.js';
import { rgbCanvas } from './rgb-canvas.js';

export interface PlotSeries {
  x: readonly number[];
  y: readonly number[];
  label?: string;
  color?: RGB;
}

export interface LinePlotOptions {
  width?: number;
  height?: number;
  title?: string;
  /** 'log' plots log10(y) (non-positive values are skipped). Default 'linear'. */
  yScale?: 'linear' | 'log';
  xLabel?: string;
}

export interface LinePlot {
  width: number;
  height: number;
  /** RGB, row-major, 3 bytes per pixel. */
  pixels: Uint8Array;
}

const fmt = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3))));

export function renderLinePlot(series: readonly PlotSeries[], options: LinePlotOptions = {}): LinePlot {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 120 || height < 80) throw new InvalidArgumentError('options.width/height', 'integers of at least 120 × 80', `${width} × ${height}`);
  if (!Array.isArray(series) || series.length === 0) throw new InvalidArgumentError('series', 'a non-empty list of { x, y }', JSON.stringify(series));
  const log = options.yScale === 'log';
  const pts = series.map((s: PlotSeries, i: number) => {
    if (!Array.isArray(s?.x) || !Array.isArray(s?.y) || s.x.length !== s.y.length) throw new InvalidArgumentError(`series[${i}]`, 'x and y arrays of the same length', JSON.stringify(s)?.slice(0, 80) ?? String(s));
    const out: [number, number][] = [];
    s.x.forEach((x: number, k: number) => {
      const y = s.y[k]!;
      if (Number.isFinite(x) && Number.isFinite(y) && (!log || y > 0)) out.push([x, log ? Math.log10(y) : y]);
    });
    return out;
  });
  const all = pts.flat();
  const { pixels: px, set } = rgbCanvas(width, height);
  const black: RGB = [0, 0, 0];
  const gray: RGB = [200, 200, 200];
  const left = 64;
  const right = width - 16;
  const top = options.title ? 28 : 12;
  const bottom = height - 30;
  if (options.title) rasterizeText(options.title, Math.max(4, (width - textWidth(options.title, 2)) / 2), 6, 2, (x, y) => set(x, y, black));
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  let [x0, x1] = all.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = all.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const X = (x: number) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const Y = (y: number) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);
  // Grid at quarters, axes, tick labels.
  for (let q = 0; q <= 4; q++) {
    const gy = top + (q / 4) * (bottom - top);
    const gx = left + (q / 4) * (right - left);
    for (let x = left; x <= right; x += 3) set(x, gy, gray);
    for (let y = top; y <= bottom; y += 3) set(gx, y, gray);
  }
  for (let x = left; x <= right; x++) set(x, bottom, black);
  for (let y = top; y <= bottom; y++) set(left, y, black);
  const label = (v: number) => fmt(log ? 10 ** v : v);
  const text = (t: string, x: number, y: number) => rasterizeText(t, x, y, 1, (a, b) => set(a, b, black));
  text(label(y1), 4, top - 4);
  text(label(y0), 4, bottom - GLYPH_HEIGHT + 2);
  text(fmt(x0), left, bottom + 6);
  text(fmt(x1), right - textWidth(fmt(x1)), bottom + 6);
  if (options.xLabel) text(options.xLabel, (left + right - textWidth(options.xLabel)) / 2, bottom + 16);
  // Series as 2-px lines.
  pts.forEach((p, i) => {
    const color = series[i]!.color ?? DEFAULT_COLORS[i % DEFAULT_COLORS.length]!;
    for (let k = 1; k < p.length; k++) {
      const [ax, ay] = [X(p[k - 1]![0]), Y(p[k - 1]![1])];
      const [bx, by] = [X(p[k]![0]), Y(p[k]![1])];
      const n = Math.max(1, Math.ceil(Math.max(Math.abs(bx - ax), Math.abs(by - ay))));
      for (let t = 0; t <= n; t++) {
        const x = ax + ((bx - ax) * t) / n;
        const y = ay + ((by - ay) * t) / n;
        set(x, y, color);
        set(x, y + 1, color);
      }
    }
    if (p.length === 1) set(X(p[0]![0]), Y(p[0]![1]), color);
    // Legend, top right.
    if (series[i]!.label) {
      const lx = right - textWidth(series[i]!.label!) - 24;
      const ly = top + 6 + i * (GLYPH_HEIGHT + 4);
      for (let d = 0; d < 14; d++) {
        set(lx + d, ly + 4, color);
        set(lx + d, ly + 5, color);
      }
      rasterizeText(series[i]!.label!, lx + 18, ly, 1, (a, b) => set(a, b, black));
    }
  });
  return { width, height, pixels: px };
}
