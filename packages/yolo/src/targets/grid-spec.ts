/**
 * What every YOLO target function shares: the grid over the image, the anchor boxes, the classes, and how a
 * box's size is written. Checked once here so encode, decode, loss and head agree and fail the same way.
 *
 * Layout of one anchor's vector, the course's order: [pc, bx, by, bh, bw, c1, ..., cC] (5 + C values):
 * - pc      1 if an object's centre falls in this cell and it was assigned to this anchor, else 0;
 * - bx, by  the centre's offset inside its cell, in [0, 1) (x across, y down; 0 = the cell's top-left);
 * - bh, bw  the size, written per `sizeEncoding` (see SizeEncoding);
 * - c1..cC  one-hot class.
 * A grid of S_rows x S_cols cells and B anchors gives a tensor [S_rows, S_cols, B, 5 + C]; with B = 1 the
 * course's 3 x 3 x 8 is that tensor reshaped to [3, 3, 8].
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';

/**
 * How bh, bw are written:
 * - 'image'      h / image height, w / image width, in [0, 1] (YOLOv1; the course's "relative to the image");
 * - 'cell'       h / cell height, w / cell width (the course's lecture: "can be greater than 1");
 * - 'logAnchor'  ln(h / anchor h), ln(w / anchor w): YOLOv2's tw, th, so that size = anchor · exp(t).
 * Anchors decide which anchor gets an object under every encoding; only 'logAnchor' also measures the size
 * against the anchor.
 */
export type SizeEncoding = 'image' | 'cell' | 'logAnchor';
export const SIZE_ENCODINGS: readonly SizeEncoding[] = ['image', 'cell', 'logAnchor'];

/** An anchor box shape, [width, height] in grid cells (YOLOv2's cfg convention: 1 = one cell). */
export type Anchor = readonly [number, number];

/** Index of each entry in an anchor's vector (the course's order). */
export const YOLO_ENTRY = { pc: 0, bx: 1, by: 2, bh: 3, bw: 4, classes: 5 } as const;

export interface YoloGridOptions {
  /** Cells per side (S), or [rows, cols]. */
  grid: number | readonly [number, number];
  /**
   * Anchor shapes [width, height] in grid cells. Default: none, one box per cell (B = 1), as the course's
   * first YOLO. Each object goes to the anchor whose shape has the best IoU with its own (both centred).
   */
  anchors?: readonly Anchor[];
  /** Number of classes C. */
  classes: number;
  /** [height, width] in pixels of the image the boxes are on (the network input). */
  imageSize: readonly [number, number];
  /** How bh, bw are written (default 'image'; see SizeEncoding). 'logAnchor' needs anchors. */
  sizeEncoding?: SizeEncoding;
}

/** Checked options with everything derived. */
export interface GridSpec {
  rows: number;
  cols: number;
  /** Anchors in grid cells; one [1, 1] placeholder when none were given (used only for 'logAnchor', never then). */
  anchors: Anchor[];
  hasAnchors: boolean;
  boxesPerCell: number;
  classes: number;
  /** 5 + C. */
  entries: number;
  imageHeight: number;
  imageWidth: number;
  cellHeight: number;
  cellWidth: number;
  sizeEncoding: SizeEncoding;
}

/** Checks a [rows, cols] grid or a single S. */
export function readGrid(value: unknown, argument: string): [number, number] {
  const ok = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1;
  if (ok(value)) return [value as number, value as number];
  if (Array.isArray(value) && value.length === 2 && ok(value[0]) && ok(value[1])) return [value[0] as number, value[1] as number];
  throw new InvalidArgumentError(argument, 'a positive integer S (an S x S grid) or [rows, cols]', describeValue(value));
}

/** Checks anchors: a non-empty array of [width, height] pairs, both finite and > 0. */
export function readAnchors(value: unknown, argument: string): Anchor[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidArgumentError(argument, 'a non-empty array of anchor shapes [width, height] (in grid cells)', describeValue(value));
  }
  return value.map((a, i) => {
    const ok = Array.isArray(a) && a.length === 2 && a.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0);
    if (!ok) throw new InvalidArgumentError(`${argument}[${i}]`, '[width, height], both finite and > 0 (grid cells)', describeValue(a));
    return [a[0], a[1]] as const;
  });
}

/** Checks [height, width] in pixels, both finite and > 0. */
export function readImageSize(value: unknown, argument: string): [number, number] {
  const ok = Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0);
  if (!ok) throw new InvalidArgumentError(argument, '[height, width] in pixels, both > 0', describeValue(value));
  return [value[0] as number, value[1] as number];
}

export function readClasses(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(argument, 'the number of classes, an integer >= 1', describeValue(value));
  }
  return value;
}

export function readSizeEncoding(value: unknown, argument: string, hasAnchors: boolean): SizeEncoding {
  const encoding = value ?? 'image';
  if (typeof encoding !== 'string' || !(SIZE_ENCODINGS as readonly string[]).includes(encoding)) {
    throw new InvalidArgumentError(argument, `one of ${SIZE_ENCODINGS.map((s) => `'${s}'`).join(', ')}`, describeValue(value));
  }
  if (encoding === 'logAnchor' && !hasAnchors) {
    throw new InvalidArgumentError(argument, "'image' or 'cell' when no anchors are given", "'logAnchor'", "'logAnchor' measures sizes against the anchors: pass options.anchors.");
  }
  return encoding as SizeEncoding;
}

export function checkOptionsObject(options: unknown, what: string): asserts options is Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError('options', `an options object { ${what} }`, describeValue(options));
  }
}

/** Checks the shared options and derives the cell size and vector length. */
export function readGridSpec(options: unknown): GridSpec {
  checkOptionsObject(options, 'grid, anchors?, classes, imageSize, sizeEncoding?');
  const [rows, cols] = readGrid(options['grid'], 'options.grid');
  const hasAnchors = options['anchors'] !== undefined;
  const anchors = hasAnchors ? readAnchors(options['anchors'], 'options.anchors') : [[1, 1] as const];
  const classes = readClasses(options['classes'], 'options.classes');
  const [imageHeight, imageWidth] = readImageSize(options['imageSize'], 'options.imageSize');
  const sizeEncoding = readSizeEncoding(options['sizeEncoding'], 'options.sizeEncoding', hasAnchors);
  return {
    rows,
    cols,
    anchors,
    hasAnchors,
    boxesPerCell: anchors.length,
    classes,
    entries: 5 + classes,
    imageHeight,
    imageWidth,
    cellHeight: imageHeight / rows,
    cellWidth: imageWidth / cols,
    sizeEncoding,
  };
}

/** IoU of two shapes [w, h] placed at the same centre (or corner: the same number): how anchors are matched. */
export function shapeIou(w1: number, h1: number, w2: number, h2: number): number {
  const inter = Math.min(w1, w2) * Math.min(h1, h2);
  const union = w1 * h1 + w2 * h2 - inter;
  return union > 0 ? inter / union : 0;
}
