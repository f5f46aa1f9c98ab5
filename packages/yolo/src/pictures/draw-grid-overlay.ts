/**
 * The course's picture of YOLO's labels: a grid over the image; for each object, the cell that holds its
 * centre is shaded (that cell is "responsible" for it), the centre is a dot, the box is drawn, and the anchor
 * the object was assigned to (the one whose shape fits it best) is drawn dashed, centred on the cell's centre,
 * with a caption "cell (row,col) anchor a". Objects that lost their cell and anchor to a larger one (see
 * encodeTargets' `dropped`) are drawn dashed in gray, captioned "dropped".
 *
 * The owners come from encodeTargets (for labels) or from the cells whose pc clears a threshold (for a
 * target tensor, or activated predictions), so the picture shows exactly what the loss will see.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DEFAULT_COLORS,
  InvalidArgumentError,
  boxFromObject,
  convertBox,
  describeValue,
  type BoxFormat,
  type BoxObject,
  type PixelRange,
  type RGB,
} from '@cnn/ops';
import { decodeTargets } from '../targets/decode-targets.js';
import { encodeTargets, type YoloLabel } from '../targets/encode-targets.js';
import { readGrid, type Anchor, type SizeEncoding } from '../targets/grid-spec.js';
import { Canvas, isColor, readColor, readPositiveInt, tagHeight } from './canvas.js';

/** Who owns an object: its cell and anchor, and what the picture draws for it. */
export interface GridOwner {
  /** Index of the label in the input (targets: the position in cell order). */
  index: number;
  /** The object's box, pixel 'xyxy' in the `imageSize` frame. */
  box: [number, number, number, number];
  class: number;
  row: number;
  col: number;
  anchor: number;
  /** IoU of the object's shape with its anchor's shape (1 without anchors; NaN for targets). */
  anchorIou: number;
  /** The assigned anchor's box centred on the cell's centre, pixel 'xyxy' (undefined without anchors). */
  anchorBox?: [number, number, number, number];
  /** True for a label that lost its cell and anchor to a larger one (it is not in the targets). */
  dropped: boolean;
  /** For a dropped label: the label kept in its slot. */
  keptIndex?: number;
}

export interface GridOverlayOptions {
  /** Cells per side S, or [rows, cols]. Required for labels; for a target tensor, default its shape. */
  grid?: number | readonly [number, number];
  /** Anchor shapes [width, height] in grid cells, as given to encodeTargets (default none: one box per cell). */
  anchors?: readonly Anchor[];
  /**
   * [height, width] of the frame the labels (or targets) are in, e.g. the network input (default: the image's
   * size). The picture is scaled from it to the image, so labels for a 416 x 416 input draw on any image.
   */
  imageSize?: readonly [number, number];
  /** Number of classes (labels: default the largest class + 1; targets: read from the tensor). */
  classes?: number;
  /** Labels: format of the boxes (default 'xyxy'). */
  format?: BoxFormat;
  /** Labels: boxes in [0, 1] fractions of imageSize (default false). */
  normalized?: boolean;
  /** Targets: how bh, bw are written (default 'image'; see encodeTargets). */
  sizeEncoding?: SizeEncoding;
  /** Targets: cells with pc >= this own an object (default 0.5). */
  objectnessThreshold?: number;
  /** Class names for the captions. */
  labels?: readonly string[];
  /** Colors by class (default @cnn/ops DEFAULT_COLORS). */
  colors?: readonly RGB[];
  /** Grid line color (default white). */
  gridColor?: RGB;
  /** Grid line width in pixels (default 1). */
  gridLineWidth?: number;
  /** Opacity of the owning cell's shade, in [0, 1] (default 0.35). */
  cellAlpha?: number;
  /** Box border width (default: about 0.3 % of the image size, at least 1, as drawBoxes). */
  lineWidth?: number;
  /** Caption font: `scale` pixels per font pixel (default as lineWidth). */
  font?: { scale?: number };
  /** Draw the assigned anchor's box (default true when anchors are given). */
  showAnchors?: boolean;
  /** Draw labels dropped by a collision (default true). */
  showDropped?: boolean;
  /** Caption text (default "name cell (row,col) anchor a"; "" for none). */
  caption?: (owner: GridOwner) => string;
  /** Value range of the image (see drawBoxes). */
  range?: PixelRange;
}

const DROPPED_COLOR: RGB = [150, 150, 150];

function checkOptions(options: unknown): asserts options is GridOverlayOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError('options', 'an options object { grid, anchors?, imageSize?, ... }', describeValue(options));
  }
}

function pixelBox(box: unknown, format: BoxFormat, normalized: boolean, size: readonly [number, number]): [number, number, number, number] {
  const convert = normalized ? { from: format, to: 'xyxy' as const, imageSize: size, normalize: 'toPixels' as const } : { from: format, to: 'xyxy' as const };
  if (Array.isArray(box) || ArrayBuffer.isView(box)) return convertBox(box as readonly number[], convert) as [number, number, number, number];
  return boxFromObject(convertBox(box as BoxObject, convert), 'xyxy') as [number, number, number, number];
}

function anchorBoxOf(row: number, col: number, anchor: Anchor, cellH: number, cellW: number): [number, number, number, number] {
  const cx = (col + 0.5) * cellW;
  const cy = (row + 0.5) * cellH;
  const w = anchor[0] * cellW;
  const h = anchor[1] * cellH;
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

/**
 * Which cell and anchor own each object, as drawGridOverlay draws them: from labels through encodeTargets
 * (collisions reported with `dropped: true`), or from a target tensor [rows, cols, B, 5 + C] (its cells with
 * pc >= objectnessThreshold). Plain numbers; creates no tensors it keeps.
 */
export function gridOwners(labelsOrTargets: readonly YoloLabel[] | tf.Tensor, options: GridOverlayOptions & { imageSize: readonly [number, number] }): GridOwner[] {
  checkOptions(options);
  const imageSize = options.imageSize;
  const anchors = options.anchors;
  if (labelsOrTargets instanceof tf.Tensor) {
    const t = labelsOrTargets;
    if (t.rank !== 4 || (t.shape[3] ?? 0) < 6) {
      throw new InvalidArgumentError('targets', 'a target tensor [rows, cols, B, 5 + C] (C >= 1)', describeValue(t));
    }
    const [rows, cols, , entries] = t.shape as [number, number, number, number];
    const grid = options.grid === undefined ? ([rows, cols] as const) : readGrid(options.grid, 'options.grid');
    const decoded = decodeTargets(t as tf.Tensor4D, {
      grid,
      classes: entries - 5,
      imageSize,
      ...(anchors !== undefined ? { anchors } : {}),
      ...(options.sizeEncoding !== undefined ? { sizeEncoding: options.sizeEncoding } : {}),
      ...(options.objectnessThreshold !== undefined ? { objectnessThreshold: options.objectnessThreshold } : {}),
    });
    const [cellH, cellW] = [imageSize[0] / grid[0], imageSize[1] / grid[1]];
    return decoded.map((d, index) => ({
      index,
      box: d.box as [number, number, number, number],
      class: d.class,
      row: d.row,
      col: d.col,
      anchor: d.anchor,
      anchorIou: NaN,
      ...(anchors ? { anchorBox: anchorBoxOf(d.row, d.col, anchors[d.anchor]!, cellH, cellW) } : {}),
      dropped: false,
    }));
  }
  if (!Array.isArray(labelsOrTargets)) {
    throw new InvalidArgumentError('labelsOrTargets', 'an array of labels { box, class } or a target tensor [rows, cols, B, 5 + C]', describeValue(labelsOrTargets));
  }
  if (options.grid === undefined) throw new InvalidArgumentError('options.grid', 'a positive integer S (an S x S grid) or [rows, cols]', 'undefined');
  const labels = labelsOrTargets as readonly YoloLabel[];
  const maxClass = labels.reduce((m, l) => (l !== null && typeof l === 'object' && Number.isInteger(l.class) ? Math.max(m, l.class) : m), 0);
  const format = options.format ?? 'xyxy';
  const normalized = options.normalized ?? false;
  // encodeTargets checks every label and option and decides the owners; its tensor is not needed here.
  const { targets, assignments, dropped } = encodeTargets(labels, {
    grid: options.grid,
    classes: options.classes ?? maxClass + 1,
    imageSize,
    format,
    normalized,
    ...(anchors !== undefined ? { anchors } : {}),
  });
  targets.dispose();
  const [rows, cols] = readGrid(options.grid, 'options.grid');
  const [cellH, cellW] = [imageSize[0] / rows, imageSize[1] / cols];
  const owner = (a: (typeof assignments)[number], keptIndex?: number): GridOwner => ({
    index: a.index,
    box: pixelBox(labels[a.index]!.box, format, normalized, imageSize),
    class: labels[a.index]!.class,
    row: a.row,
    col: a.col,
    anchor: a.anchor,
    anchorIou: a.anchorIou,
    ...(anchors ? { anchorBox: anchorBoxOf(a.row, a.col, anchors[a.anchor]!, cellH, cellW) } : {}),
    dropped: keptIndex !== undefined,
    ...(keptIndex !== undefined ? { keptIndex } : {}),
  });
  return [...assignments.map((a) => owner(a)), ...dropped.map((d) => owner(d, d.keptIndex))].sort((a, b) => a.index - b.index);
}

/**
 * Returns a copy of `image` ([H, W, 1|3|4], int32 or float32; not modified or disposed) with the grid, each
 * object's owning cell shaded in its class color, its box, its centre dot, its anchor's box (dashed, centred
 * on the cell) and a caption "cell (row,col) anchor a" (row first, as targets[row, col, anchor]).
 *
 *     const scene = generateScene({ size: 256, seed: 3 });
 *     const image = tf.tensor3d(scene.image, [256, 256, 3], 'int32');
 *     const picture = drawGridOverlay(image, scene.objects, { grid: 4, anchors: [[1, 1], [2, 1]], labels: scene.classNames });
 *     await writeImage('grid.png', picture);
 */
export function drawGridOverlay(image: tf.Tensor3D, labelsOrTargets: readonly YoloLabel[] | tf.Tensor, options: GridOverlayOptions): tf.Tensor3D {
  checkOptions(options);
  const canvas = new Canvas(image, options.range);
  const { width: W, height: H } = canvas;
  const imageSize = options.imageSize ?? ([H, W] as const);
  if (!Array.isArray(imageSize) || imageSize.length !== 2 || !imageSize.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0)) {
    throw new InvalidArgumentError('options.imageSize', '[height, width] in pixels, both > 0', describeValue(imageSize));
  }
  const owners = gridOwners(labelsOrTargets, { ...options, imageSize });
  const [rows, cols] =
    options.grid !== undefined ? readGrid(options.grid, 'options.grid') : ([(labelsOrTargets as tf.Tensor).shape[0]!, (labelsOrTargets as tf.Tensor).shape[1]!] as const);

  const colors = options.colors ?? DEFAULT_COLORS;
  if (!Array.isArray(colors) || colors.length === 0 || !colors.every(isColor)) throw new InvalidArgumentError('options.colors', 'a non-empty array of [r, g, b] in 0-255', describeValue(colors));
  const names = options.labels;
  if (names !== undefined && (!Array.isArray(names) || names.some((l) => typeof l !== 'string'))) throw new InvalidArgumentError('options.labels', 'an array of class names', describeValue(names));
  const gridColor = readColor(options.gridColor, 'options.gridColor', [255, 255, 255]);
  const gridLineWidth = readPositiveInt(options.gridLineWidth, 'options.gridLineWidth', 1);
  const auto = Math.max(1, Math.round(((H + W) / 2) * 0.003));
  const lineWidth = readPositiveInt(options.lineWidth, 'options.lineWidth', auto);
  const scale = readPositiveInt(options.font?.scale, 'options.font.scale', auto);
  const cellAlpha = options.cellAlpha ?? 0.35;
  if (typeof cellAlpha !== 'number' || !(cellAlpha >= 0 && cellAlpha <= 1)) throw new InvalidArgumentError('options.cellAlpha', 'a number in [0, 1]', describeValue(cellAlpha));
  const showAnchors = options.showAnchors ?? true;
  const showDropped = options.showDropped ?? true;
  const hasAnchors = options.anchors !== undefined;
  const caption =
    options.caption ??
    ((o: GridOwner) => {
      const name = names?.[o.class];
      const where = `cell (${o.row},${o.col})${hasAnchors ? ` anchor ${o.anchor}` : ''}`;
      return `${o.dropped ? 'dropped ' : ''}${name ? `${name} ` : ''}${where}`;
    });
  if (typeof caption !== 'function') throw new InvalidArgumentError('options.caption', 'a function (owner) => string', describeValue(caption));

  // From the labels' frame to the image's pixels.
  const sx = W / imageSize[1];
  const sy = H / imageSize[0];
  const cellX = (c: number) => Math.round((c * W) / cols);
  const cellY = (r: number) => Math.round((r * H) / rows);
  const colorOf = (o: GridOwner): RGB => (o.dropped ? DROPPED_COLOR : colors[o.class % colors.length]!);
  const shown = owners.filter((o) => showDropped || !o.dropped);

  // 1. The owning cells, shaded (under the grid lines so those stay crisp).
  for (const o of shown) if (!o.dropped) canvas.fillRect(cellX(o.col), cellY(o.row), cellX(o.col + 1), cellY(o.row + 1), colorOf(o), cellAlpha);
  // 2. The grid: lines centred on the cell boundaries, the outer ones kept inside the image.
  for (let c = 0; c <= cols; c++) {
    const x = Math.min(Math.max(0, Math.round((c * W) / cols - gridLineWidth / 2)), W - gridLineWidth);
    canvas.fillRect(x, 0, x + gridLineWidth, H, gridColor);
  }
  for (let r = 0; r <= rows; r++) {
    const y = Math.min(Math.max(0, Math.round((r * H) / rows - gridLineWidth / 2)), H - gridLineWidth);
    canvas.fillRect(0, y, W, y + gridLineWidth, gridColor);
  }
  // 3. Anchor boxes (dashed, centred on the cell), then the object boxes, centre dots and captions on top.
  const toImage = ([x1, y1, x2, y2]: readonly number[]) => [x1! * sx, y1! * sy, x2! * sx - 1, y2! * sy - 1] as const;
  const dash = Math.max(3, 3 * lineWidth);
  if (showAnchors) {
    for (const o of shown) {
      if (!o.anchorBox || o.dropped) continue;
      canvas.strokeRect(...toImage(o.anchorBox), colorOf(o), Math.max(1, lineWidth - 1), dash);
    }
  }
  for (const o of shown) canvas.strokeRect(...toImage(o.box), colorOf(o), lineWidth, o.dropped ? dash : 0);
  const radius = Math.max(2, 1.5 * lineWidth);
  for (const o of shown) {
    const cx = ((o.box[0] + o.box[2]) / 2) * sx;
    const cy = ((o.box[1] + o.box[3]) / 2) * sy;
    canvas.disc(cx, cy, radius + 1, [0, 0, 0]);
    canvas.disc(cx, cy, radius, colorOf(o));
  }
  // Captions do not cover each other: objects sharing a cell (or overlapping) get theirs stacked.
  const taken: [number, number, number, number][] = [];
  for (const o of shown) {
    const text = caption(o);
    if (typeof text !== 'string' || text === '') continue;
    const [x1, y1] = toImage(o.box);
    const th = tagHeight(scale);
    canvas.tagAvoiding(text, x1, y1 - th >= 0 ? y1 - th : y1, colorOf(o), scale, taken);
  }
  return canvas.toTensor();
}
