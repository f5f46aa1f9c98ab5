/**
 * A confusion matrix as a picture: a heat map (white -> dark blue by the share of each true class, i.e. the
 * row-normalized value, so small classes stay readable) with the count written in every cell in the @cnn/ops
 * bitmap font; true classes down the left, predicted classes across the top. Returns RGB pixels
 * [height, width, 3] for `writeImage(path, tf.tensor3d(pixels, [height, width, 3], 'int32'))`.
 */
import { InvalidArgumentError, ShapeMismatchError, describeValue, rgbCanvas, textWidth, GLYPH_HEIGHT } from '@cnn/ops';

export interface ConfusionMatrixPicture {
  width: number;
  height: number;
  /** RGB, row-major, 3 bytes per pixel. */
  pixels: Uint8Array;
}

export interface RenderConfusionMatrixOptions {
  /** Side of a cell in pixels (default: wide enough for the largest count, at least 32). */
  cellSize?: number;
  title?: string;
  /** Longest label drawn (longer ones are cut with '~'; default 16 characters). */
  maxLabelLength?: number;
}

type RGB = [number, number, number];
const LOW: RGB = [255, 255, 255];
const HIGH: RGB = [8, 48, 107]; // matplotlib's 'Blues' dark end

/** The heat-map color of a share t in [0, 1]. */
export function heatColor(t: number): RGB {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  return [0, 1, 2].map((k) => Math.round(LOW[k]! + (HIGH[k]! - LOW[k]!) * u)) as RGB;
}

const cut = (s: string, n: number) => ([...s].length > n ? `${[...s].slice(0, n - 1).join('')}~` : s);

export function renderConfusionMatrix(matrix: readonly (readonly number[])[], labels: readonly string[], options: RenderConfusionMatrixOptions = {}): ConfusionMatrixPicture {
  const n = Array.isArray(matrix) ? matrix.length : 0;
  if (n === 0 || !matrix.every((r) => Array.isArray(r) && r.length === n && r.every((v) => Number.isFinite(v) && v >= 0))) {
    throw new InvalidArgumentError('matrix', 'a square confusion matrix of counts >= 0', describeValue(matrix));
  }
  if (!Array.isArray(labels) || labels.length !== n) throw new ShapeMismatchError('labels', `${n} classes in the matrix but ${Array.isArray(labels) ? labels.length : describeValue(labels)} labels.`);
  const maxLen = options.maxLabelLength ?? 16;
  const names = labels.map((l) => cut(String(l), maxLen));
  const counts = matrix.map((r) => r.map((v) => String(Math.round(v * 1000) / 1000)));
  const widest = Math.max(...counts.flat().map((c) => textWidth(c)));
  const cell = options.cellSize ?? Math.max(32, widest + 8);
  if (!Number.isInteger(cell) || cell < 8) throw new InvalidArgumentError('options.cellSize', 'an integer >= 8', describeValue(options.cellSize));
  // Column headers: the label when it fits, else its index (the row labels carry the names).
  const colHeads = names.map((l, j) => (textWidth(l) <= cell - 2 ? l : String(j)));
  const rowHeads = names.map((l, i) => (colHeads[i] === l ? l : `${i} ${l}`));
  const titleH = options.title ? 2 * GLYPH_HEIGHT + 6 : 0;
  const left = 12 + Math.max(...rowHeads.map((l) => textWidth(l))) + 6;
  const top = titleH + 2 * (GLYPH_HEIGHT + 4) + 4;
  // Never narrower than the title (drawn at scale 2).
  const width = Math.max(left + n * cell + 10, options.title ? textWidth(options.title, 2) + 8 : 0);
  const height = top + n * cell + GLYPH_HEIGHT + 14;
  const { pixels: px, set, text } = rgbCanvas(width, height);
  const black: RGB = [0, 0, 0];
  if (options.title) text(options.title, Math.max(4, (width - textWidth(options.title, 2)) / 2), 4, black, 2);
  text('predicted', left + (n * cell - textWidth('predicted')) / 2, titleH + 2);
  text('true', 2, top + n * cell + 4);
  for (let i = 0; i < n; i++) {
    const rowSum = matrix[i]!.reduce((s, v) => s + v, 0);
    text(rowHeads[i]!, 4, top + i * cell + (cell - GLYPH_HEIGHT) / 2);
    text(colHeads[i]!, left + i * cell + (cell - textWidth(colHeads[i]!)) / 2, titleH + GLYPH_HEIGHT + 6);
    for (let j = 0; j < n; j++) {
      const share = rowSum > 0 ? matrix[i]![j]! / rowSum : 0;
      const fill = heatColor(share);
      const x0 = left + j * cell;
      const y0 = top + i * cell;
      for (let y = 0; y < cell; y++) for (let x = 0; x < cell; x++) set(x0 + x, y0 + y, x === 0 || y === 0 ? [160, 160, 160] : fill);
      const luminance = 0.299 * fill[0] + 0.587 * fill[1] + 0.114 * fill[2];
      text(counts[i]![j]!, x0 + (cell - textWidth(counts[i]![j]!)) / 2, y0 + (cell - GLYPH_HEIGHT) / 2 + 1, luminance < 128 ? [255, 255, 255] : black);
    }
  }
  for (let k = 0; k <= n * cell; k++) {
    set(left + k, top + n * cell, [160, 160, 160]);
    set(left + n * cell, top + k, [160, 160, 160]);
  }
  return { width, height, pixels: px };
}
