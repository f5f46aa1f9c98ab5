/**
 * YOLO's labels as the course builds them: put a grid over the image; the cell that holds an object's
 * centre is responsible for it, and within the cell the anchor whose shape fits the object best (IoU of the
 * two shapes, centred). That cell and anchor get y = [pc = 1, bx, by, bh, bw, one-hot class]; every other
 * vector is all zeros ("don't care" apart from pc = 0). See grid-spec.ts for the layout and size encodings.
 *
 * Collisions: when two objects land on the same cell and anchor only one can be written. We keep the larger
 * box (by area; equal areas: the earlier label) and report the others in `dropped`, so a data pipeline can
 * count them (a sign the grid is too coarse or more anchors are needed). Darknet silently keeps the last.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CnnError, InvalidArgumentError, convertBox, describeValue, type BoxFormat, type BoxLike, type BoxObject } from '@cnn/ops';
import { readGridSpec, shapeIou, YOLO_ENTRY, type GridSpec, type YoloGridOptions } from './grid-spec.js';

/** One labelled object: a box (in `options.format`, pixels unless `options.normalized`) and its class index. */
export interface YoloLabel {
  box: BoxLike;
  /** Class index in [0, classes). */
  class: number;
}

export interface EncodeTargetsOptions extends YoloGridOptions {
  /** Format of the label boxes (default 'xyxy'). Tuples or the matching object form ({ x1, y1, x2, y2 }, ...). */
  format?: BoxFormat;
  /** Label boxes are normalized to [0, 1] by the image size (default false: pixels). */
  normalized?: boolean;
}

/** Where a label went. */
export interface TargetAssignment {
  /** Index of the label in the input. */
  index: number;
  row: number;
  col: number;
  anchor: number;
  /** IoU of the label's shape with its anchor's shape (1 without anchors). */
  anchorIou: number;
}

/** A label that lost its cell and anchor to a larger one. */
export interface DroppedLabel extends TargetAssignment {
  /** Index of the label kept in that slot. */
  keptIndex: number;
}

export interface EncodedTargets {
  /** [rows, cols, B, 5 + C] float32. The caller owns it. */
  targets: tf.Tensor4D;
  /** Labels written, in input order. */
  assignments: TargetAssignment[];
  /** Labels not written because a larger one took their cell and anchor. */
  dropped: DroppedLabel[];
}

export interface EncodedTargetsBatch {
  /** [N, rows, cols, B, 5 + C] float32. The caller owns it. */
  targets: tf.Tensor5D;
  assignments: TargetAssignment[][];
  dropped: DroppedLabel[][];
}

interface LabelPlacement extends TargetAssignment {
  cls: number;
  area: number;
  bx: number;
  by: number;
  bh: number;
  bw: number;
}

function readFormat(options: Record<string, unknown>): { format: BoxFormat; normalized: boolean } {
  const format = options['format'] ?? 'xyxy';
  if (format !== 'xyxy' && format !== 'xywh' && format !== 'cxcywh') {
    throw new InvalidArgumentError('options.format', "one of 'xyxy', 'xywh', 'cxcywh'", describeValue(format));
  }
  const normalized = options['normalized'] ?? false;
  if (typeof normalized !== 'boolean') throw new InvalidArgumentError('options.normalized', 'a boolean', describeValue(normalized));
  return { format, normalized };
}

/** The label's box as pixel corners, checked (re-thrown errors name `labels[i].box`). */
function pixelCorners(box: unknown, argument: string, format: BoxFormat, normalized: boolean, spec: GridSpec): [number, number, number, number] {
  const convert = normalized
    ? { from: format, to: 'xyxy' as const, imageSize: [spec.imageHeight, spec.imageWidth] as [number, number], normalize: 'toPixels' as const }
    : { from: format, to: 'xyxy' as const };
  try {
    const out = Array.isArray(box) || ArrayBuffer.isView(box) ? convertBox(box as readonly number[], convert) : convertBox(box as BoxObject, convert);
    return Array.isArray(out) ? (out as [number, number, number, number]) : [(out as { x1: number }).x1, (out as { y1: number }).y1, (out as { x2: number }).x2, (out as { y2: number }).y2];
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(argument, e.expected, e.received);
    if (e instanceof CnnError) throw e;
    throw new InvalidArgumentError(argument, `a '${format}' box`, describeValue(box));
  }
}

/** Where one label goes and what it writes there (before collisions are resolved). */
function place(label: unknown, i: number, argument: string, spec: GridSpec, format: BoxFormat, normalized: boolean): LabelPlacement {
  if (label === null || typeof label !== 'object' || Array.isArray(label)) {
    throw new InvalidArgumentError(`${argument}[${i}]`, 'a label { box, class }', describeValue(label));
  }
  const l = label as Partial<YoloLabel>;
  const cls = l.class;
  if (typeof cls !== 'number' || !Number.isInteger(cls) || cls < 0 || cls >= spec.classes) {
    throw new InvalidArgumentError(`${argument}[${i}].class`, `an integer class index in [0, ${spec.classes - 1}]`, describeValue(cls));
  }
  const [x1, y1, x2, y2] = pixelCorners(l.box, `${argument}[${i}].box`, format, normalized, spec);
  const w = x2 - x1;
  const h = y2 - y1;
  if (!(w > 0 && h > 0)) {
    throw new InvalidArgumentError(`${argument}[${i}].box`, 'a box with width and height > 0', `a box of size ${w} x ${h} px`);
  }
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  if (cx < 0 || cx > spec.imageWidth || cy < 0 || cy > spec.imageHeight) {
    throw new InvalidArgumentError(
      `${argument}[${i}].box`,
      `a box whose centre lies on the ${spec.imageWidth} x ${spec.imageHeight} px image`,
      `centre (${cx}, ${cy})`,
      'Clip boxes to the image (after augmentation) before encoding.',
    );
  }
  // The cell holding the centre; a centre on the far edge belongs to the last cell (bx = 1 there).
  const col = Math.min(Math.floor(cx / spec.cellWidth), spec.cols - 1);
  const row = Math.min(Math.floor(cy / spec.cellHeight), spec.rows - 1);
  const wCells = w / spec.cellWidth;
  const hCells = h / spec.cellHeight;
  let anchor = 0;
  let anchorIou = spec.hasAnchors ? -1 : 1;
  if (spec.hasAnchors) {
    spec.anchors.forEach(([aw, ah], a) => {
      const v = shapeIou(wCells, hCells, aw, ah);
      if (v > anchorIou) [anchor, anchorIou] = [a, v]; // ties: the lower anchor index
    });
  }
  const [aw, ah] = spec.anchors[anchor]!;
  const [bh, bw] =
    spec.sizeEncoding === 'image' ? [h / spec.imageHeight, w / spec.imageWidth] : spec.sizeEncoding === 'cell' ? [hCells, wCells] : [Math.log(hCells / ah), Math.log(wCells / aw)];
  return { index: i, row, col, anchor, anchorIou, cls, area: w * h, bx: cx / spec.cellWidth - col, by: cy / spec.cellHeight - row, bh, bw };
}

/** Writes one image's labels into `out` at `offset`; returns what went where. */
function encodeInto(out: Float32Array, offset: number, labels: unknown, argument: string, spec: GridSpec, format: BoxFormat, normalized: boolean): { assignments: TargetAssignment[]; dropped: DroppedLabel[] } {
  if (!Array.isArray(labels)) throw new InvalidArgumentError(argument, 'an array of labels { box, class }', describeValue(labels));
  const placements = labels.map((l, i) => place(l, i, argument, spec, format, normalized));
  const slots = new Map<number, LabelPlacement>();
  for (const p of placements) {
    const slot = (p.row * spec.cols + p.col) * spec.boxesPerCell + p.anchor;
    const held = slots.get(slot);
    if (!held || p.area > held.area) slots.set(slot, p); // equal areas: the earlier label stays
  }
  const dropped: DroppedLabel[] = [];
  const assignments: TargetAssignment[] = [];
  for (const p of placements) {
    const slot = (p.row * spec.cols + p.col) * spec.boxesPerCell + p.anchor;
    const kept = slots.get(slot)!;
    const where = { index: p.index, row: p.row, col: p.col, anchor: p.anchor, anchorIou: p.anchorIou };
    if (kept !== p) {
      dropped.push({ ...where, keptIndex: kept.index });
      continue;
    }
    assignments.push(where);
    const base = offset + slot * spec.entries;
    out[base + YOLO_ENTRY.pc] = 1;
    out[base + YOLO_ENTRY.bx] = p.bx;
    out[base + YOLO_ENTRY.by] = p.by;
    out[base + YOLO_ENTRY.bh] = p.bh;
    out[base + YOLO_ENTRY.bw] = p.bw;
    out[base + YOLO_ENTRY.classes + p.cls] = 1;
  }
  return { assignments, dropped };
}

/**
 * Encodes one image's labels as the YOLO target tensor [rows, cols, B, 5 + C] (see grid-spec.ts).
 *
 *     // The course's example: 3 classes, a 3 x 3 grid, no anchors -> [3, 3, 1, 8] (the course's 3 x 3 x 8).
 *     const { targets, dropped } = encodeTargets(
 *       [{ box: [10, 20, 50, 80], class: 1 }],
 *       { grid: 3, classes: 3, imageSize: [300, 300] },
 *     );
 */
export function encodeTargets(labels: readonly YoloLabel[], options: EncodeTargetsOptions): EncodedTargets {
  const spec = readGridSpec(options);
  const { format, normalized } = readFormat(options as unknown as Record<string, unknown>);
  const data = new Float32Array(spec.rows * spec.cols * spec.boxesPerCell * spec.entries);
  const { assignments, dropped } = encodeInto(data, 0, labels, 'labels', spec, format, normalized);
  return { targets: tf.tensor4d(data, [spec.rows, spec.cols, spec.boxesPerCell, spec.entries]), assignments, dropped };
}

/** encodeTargets for a batch of images: one label array per image -> [N, rows, cols, B, 5 + C]. */
export function encodeTargetsBatch(labelsPerImage: readonly (readonly YoloLabel[])[], options: EncodeTargetsOptions): EncodedTargetsBatch {
  const spec = readGridSpec(options);
  const { format, normalized } = readFormat(options as unknown as Record<string, unknown>);
  if (!Array.isArray(labelsPerImage) || labelsPerImage.length === 0) {
    throw new InvalidArgumentError('labelsPerImage', 'a non-empty array with one array of labels per image', describeValue(labelsPerImage));
  }
  const size = spec.rows * spec.cols * spec.boxesPerCell * spec.entries;
  const data = new Float32Array(labelsPerImage.length * size);
  const results = labelsPerImage.map((labels, n) => encodeInto(data, n * size, labels, `labelsPerImage[${n}]`, spec, format, normalized));
  return {
    targets: tf.tensor5d(data, [labelsPerImage.length, spec.rows, spec.cols, spec.boxesPerCell, spec.entries]),
    assignments: results.map((r) => r.assignments),
    dropped: results.map((r) => r.dropped),
  };
}
