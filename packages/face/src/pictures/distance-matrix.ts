/**
 * The face distance matrix as a picture (the course's "d(img1, img2) ≤ τ → same person", shown for every
 * pair): a thumbnail of each row face down the left and of each column face across the top, every cell
 * colored by its distance — green shades below the threshold (a match), red shades above it — with the
 * distance written in the cell in the @cnn/ops bitmap font, and a thick frame around each row's best match
 * when it is a match. Returns RGB pixels for `writeImage(path, tf.tensor3d(pixels, [height, width, 3], 'int32'))`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GLYPH_HEIGHT, InvalidArgumentError, ShapeMismatchError, describeValue, resizeImage, rgbCanvas, textWidth } from '@cnn/ops';

export interface DistanceMatrixPicture {
  width: number;
  height: number;
  /** RGB, row-major, 3 bytes per pixel. */
  pixels: Uint8Array;
}

export interface RenderDistanceMatrixOptions {
  /** Distances ≤ threshold are drawn as matches (green); default 0.6 (dlib / face-api euclidean). */
  threshold?: number;
  /** Labels of the rows (e.g. enrolled identities) and of the columns (queries); default 'r0', 'c0', ... */
  rowLabels?: readonly string[];
  colLabels?: readonly string[];
  /** Face thumbnails [H, W, C] (0-255, 1 or 3 channels) for the rows and the columns; optional. */
  rowImages?: readonly tf.Tensor3D[];
  colImages?: readonly tf.Tensor3D[];
  /** Side of a cell and of a thumbnail in pixels (default 64). */
  cellSize?: number;
  title?: string;
  /** Digits after the decimal point written in each cell (default 2). */
  digits?: number;
  /**
   * A set against itself (row i and column i are the same face): do not frame the zero diagonal as each row's
   * best match, frame the nearest other face instead (default false).
   */
  excludeSelf?: boolean;
}

type RGB = readonly [number, number, number];
const MATCH_STRONG: RGB = [26, 152, 80];
const MATCH_WEAK: RGB = [217, 240, 211];
const MISS_WEAK: RGB = [253, 219, 199];
const MISS_STRONG: RGB = [178, 24, 43];

const mix = (a: RGB, b: RGB, t: number): RGB => [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * Math.min(1, Math.max(0, t)))) as unknown as RGB;

/**
 * The color of a distance: strong green at 0, pale green at the threshold, pale red just above it, strong red
 * at twice the threshold and beyond.
 */
export function distanceColor(d: number, threshold: number): RGB {
  if (!Number.isFinite(d)) return [128, 128, 128];
  return d <= threshold ? mix(MATCH_STRONG, MATCH_WEAK, d / threshold) : mix(MISS_WEAK, MISS_STRONG, (d - threshold) / threshold);
}

function thumbnailPixels(image: tf.Tensor3D, size: number, argument: string): Uint8Array {
  if (!(image instanceof tf.Tensor) || image.rank !== 3 || ![1, 3, 4].includes(image.shape[2])) {
    throw new InvalidArgumentError(argument, 'an image tensor [H, W, 1 | 3 | 4] with values 0-255', describeValue(image));
  }
  const data = tf.tidy(() => {
    let x: tf.Tensor3D = tf.cast(tf.slice(image, [0, 0, 0], [-1, -1, Math.min(3, image.shape[2])]), 'float32');
    if (x.shape[2] === 1) x = tf.tile(x, [1, 1, 3]);
    return tf.round(tf.clipByValue(resizeImage(x, [size, size]), 0, 255));
  });
  const out = Uint8Array.from(data.dataSync());
  data.dispose();
  return out;
}

export function renderDistanceMatrix(matrix: readonly ArrayLike<number>[], options: RenderDistanceMatrixOptions = {}): DistanceMatrixPicture {
  const rows = Array.isArray(matrix) ? matrix.length : 0;
  const cols = rows > 0 ? (matrix[0]?.length ?? 0) : 0;
  if (rows === 0 || cols === 0 || !matrix.every((r) => r !== null && typeof r === 'object' && r.length === cols && Array.from(r).every((v) => typeof v === 'number' && !Number.isNaN(v) && v >= 0))) {
    throw new InvalidArgumentError('matrix', 'a non-empty rectangular matrix of distances >= 0 (e.g. from distanceMatrix)', describeValue(matrix));
  }
  const threshold = options.threshold ?? 0.6;
  if (typeof threshold !== 'number' || !(threshold > 0) || !Number.isFinite(threshold)) throw new InvalidArgumentError('options.threshold', 'a positive number', describeValue(options.threshold));
  const cell = options.cellSize ?? 64;
  if (!Number.isInteger(cell) || cell < 24) throw new InvalidArgumentError('options.cellSize', 'an integer >= 24', describeValue(options.cellSize));
  const digits = options.digits ?? 2;
  if (!Number.isInteger(digits) || digits < 0 || digits > 6) throw new InvalidArgumentError('options.digits', 'an integer from 0 to 6', describeValue(options.digits));
  const rowLabels = options.rowLabels ?? Array.from({ length: rows }, (_, i) => `r${i}`);
  const colLabels = options.colLabels ?? Array.from({ length: cols }, (_, j) => `c${j}`);
  if (options.excludeSelf && rows !== cols) throw new ShapeMismatchError('options.excludeSelf', `needs a square matrix (a set against itself), got ${rows} × ${cols}.`);
  if (rowLabels.length !== rows) throw new ShapeMismatchError('options.rowLabels', `${rows} rows in the matrix but ${rowLabels.length} row labels.`);
  if (colLabels.length !== cols) throw new ShapeMismatchError('options.colLabels', `${cols} columns in the matrix but ${colLabels.length} column labels.`);
  for (const [name, images, n] of [['options.rowImages', options.rowImages, rows], ['options.colImages', options.colImages, cols]] as const) {
    if (images !== undefined && (!Array.isArray(images) || images.length !== n)) throw new ShapeMismatchError(name, `${n} images expected, got ${describeValue(images)}.`);
  }
  const rowThumbs = options.rowImages?.map((im, i) => thumbnailPixels(im, cell, `options.rowImages[${i}]`));
  const colThumbs = options.colImages?.map((im, j) => thumbnailPixels(im, cell, `options.colImages[${j}]`));

  const fit = (s: string, w: number) => {
    let t = String(s);
    while (t.length > 1 && textWidth(t) > w) t = t.slice(0, -1);
    return t;
  };
  const labelH = GLYPH_HEIGHT + 4;
  const titleH = options.title ? 2 * GLYPH_HEIGHT + 8 : 0;
  const rowLabelW = Math.min(120, Math.max(...rowLabels.map((l) => textWidth(String(l))))) + 8;
  const left = rowLabelW + (rowThumbs ? cell + 4 : 0);
  const top = titleH + labelH + (colThumbs ? cell + 4 : 0);
  const legendH = GLYPH_HEIGHT + 12;
  const legend = `green: distance <= ${threshold} (same person), red: above, framed: best match per row`;
  const width = Math.max(left + cols * cell + 8, textWidth(legend) + 8);
  const height = top + rows * cell + legendH;
  const { pixels: px, set, text } = rgbCanvas(width, height);
  const blit = (thumb: Uint8Array, x0: number, y0: number) => {
    for (let y = 0; y < cell; y++) for (let x = 0; x < cell; x++) {
      const o = 3 * (y * cell + x);
      set(x0 + x, y0 + y, [thumb[o]!, thumb[o + 1]!, thumb[o + 2]!]);
    }
  };
  if (options.title) text(options.title, Math.max(4, (width - textWidth(options.title, 2)) / 2), 4, [0, 0, 0], 2);
  for (let j = 0; j < cols; j++) {
    const x0 = left + j * cell;
    const label = fit(String(colLabels[j]), cell - 2);
    text(label, x0 + (cell - textWidth(label)) / 2, titleH + 2);
    if (colThumbs) blit(colThumbs[j]!, x0, titleH + labelH);
  }
  for (let i = 0; i < rows; i++) {
    const y0 = top + i * cell;
    const row = Array.from(matrix[i]!);
    text(fit(String(rowLabels[i]), rowLabelW - 8), 4, y0 + (cell - GLYPH_HEIGHT) / 2);
    if (rowThumbs) blit(rowThumbs[i]!, rowLabelW, y0);
    const candidates = row.map((d, j) => (options.excludeSelf && i === j ? Infinity : d));
    const best = candidates.indexOf(Math.min(...candidates));
    for (let j = 0; j < cols; j++) {
      const d = row[j]!;
      const fill = distanceColor(d, threshold);
      const x0 = left + j * cell;
      const frame = j === best && d <= threshold ? 3 : 1;
      for (let y = 0; y < cell; y++) for (let x = 0; x < cell; x++) {
        const edge = x < frame || y < frame || x >= cell - frame || y >= cell - frame;
        set(x0 + x, y0 + y, edge ? (frame > 1 ? [0, 0, 0] : [160, 160, 160]) : fill);
      }
      const value = d.toFixed(digits);
      const lum = 0.299 * fill[0] + 0.587 * fill[1] + 0.114 * fill[2];
      text(value, x0 + (cell - textWidth(value)) / 2, y0 + (cell - GLYPH_HEIGHT) / 2, lum < 128 ? [255, 255, 255] : [0, 0, 0]);
    }
  }
  text(legend, 4, top + rows * cell + 6);
  return { width, height, pixels: px };
}
