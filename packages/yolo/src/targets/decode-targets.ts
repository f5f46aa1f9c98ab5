/**
 * The inverse of encodeTargets: every cell and anchor whose pc clears a threshold becomes a box again,
 *   cx = (col + bx) · cell width,   cy = (row + by) · cell height,
 *   w  = bw · image width | bw · cell width | anchor w · exp(bw) · cell width   ('image' | 'cell' | 'logAnchor'),
 * with its class (argmax of c1..cC) and score pc · P(class). Works on targets and on a head's output after
 * activateYoloOutput (which is what decodeYoloV2 does before NMS).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, describeValue, type Box, type BoxFormat } from '@cnn/ops';
import { assertYoloTensor } from './activate-output.js';
import { readGridSpec, YOLO_ENTRY, type GridSpec, type YoloGridOptions } from './grid-spec.js';

export interface DecodeTargetsOptions extends YoloGridOptions {
  /** Keep cells and anchors with pc >= this (default 0.5: a 0/1 target decodes exactly its objects). */
  objectnessThreshold?: number;
  /** Format of the returned boxes (default 'xyxy'). */
  format?: BoxFormat;
  /** Return boxes normalized to [0, 1] by the image size (default false: pixels). */
  normalized?: boolean;
}

/** One decoded cell and anchor. */
export interface DecodedBox {
  box: Box;
  format: BoxFormat;
  normalized: boolean;
  /** Class index: the largest of c1..cC (ties: the lower index). */
  class: number;
  /** pc · classProbability. */
  score: number;
  /** pc. */
  objectness: number;
  classProbability: number;
  row: number;
  col: number;
  anchor: number;
}

/** A cell's box in pixels (cx, cy, w, h) and its class, read from target-space data. Internal. */
export interface CellBox {
  cx: number;
  cy: number;
  w: number;
  h: number;
  objectness: number;
  class: number;
  classProbability: number;
  /** Every class probability (for multi-label decoding). */
  probabilities: Float64Array;
  row: number;
  col: number;
  anchor: number;
}

/** Reads every cell and anchor of target-space data [rows, cols, B, 5 + C] with `keep(pc)` true. */
export function readCells(data: ArrayLike<number>, spec: GridSpec, keep: (objectness: number) => boolean): CellBox[] {
  const out: CellBox[] = [];
  const C = spec.classes;
  for (let row = 0; row < spec.rows; row++) {
    for (let col = 0; col < spec.cols; col++) {
      for (let anchor = 0; anchor < spec.boxesPerCell; anchor++) {
        const base = ((row * spec.cols + col) * spec.boxesPerCell + anchor) * spec.entries;
        const objectness = data[base + YOLO_ENTRY.pc]!;
        if (!keep(objectness)) continue;
        const bh = data[base + YOLO_ENTRY.bh]!;
        const bw = data[base + YOLO_ENTRY.bw]!;
        const [aw, ah] = spec.anchors[anchor]!;
        const [h, w] =
          spec.sizeEncoding === 'image'
            ? [bh * spec.imageHeight, bw * spec.imageWidth]
            : spec.sizeEncoding === 'cell'
              ? [bh * spec.cellHeight, bw * spec.cellWidth]
              : [ah * Math.exp(bh) * spec.cellHeight, aw * Math.exp(bw) * spec.cellWidth];
        const probabilities = new Float64Array(C);
        let best = 0;
        for (let c = 0; c < C; c++) {
          probabilities[c] = data[base + YOLO_ENTRY.classes + c]!;
          if (probabilities[c]! > probabilities[best]!) best = c;
        }
        out.push({
          cx: (col + data[base + YOLO_ENTRY.bx]!) * spec.cellWidth,
          cy: (row + data[base + YOLO_ENTRY.by]!) * spec.cellHeight,
          w,
          h,
          objectness,
          class: best,
          classProbability: probabilities[best]!,
          probabilities,
          row,
          col,
          anchor,
        });
      }
    }
  }
  return out;
}

/** Asserts `t` is [rows, cols, B, 5 + C] for the spec. */
export function assertGridTensor(t: unknown, argument: string, spec: GridSpec): asserts t is tf.Tensor4D {
  assertYoloTensor(t, argument, 4);
  const expected = [spec.rows, spec.cols, spec.boxesPerCell, spec.entries];
  if (t.rank !== 4 || t.shape.some((d, k) => d !== expected[k])) {
    throw new ShapeMismatchError(argument, `expected [rows, cols, B, 5 + C] = [${expected.join(', ')}] from the options, got [${t.shape.join(', ')}].`);
  }
}

export function readOutputFormat(options: Record<string, unknown>): { format: BoxFormat; normalized: boolean } {
  const format = options['format'] ?? 'xyxy';
  if (format !== 'xyxy' && format !== 'xywh' && format !== 'cxcywh') {
    throw new InvalidArgumentError('options.format', "one of 'xyxy', 'xywh', 'cxcywh'", describeValue(format));
  }
  const normalized = options['normalized'] ?? false;
  if (typeof normalized !== 'boolean') throw new InvalidArgumentError('options.normalized', 'a boolean', describeValue(normalized));
  return { format, normalized };
}

/** A pixel cxcywh box to `format`, optionally normalized by [height, width] (plain arithmetic: no checks to fail on a wild prediction). */
export function boxIn(cx: number, cy: number, w: number, h: number, format: BoxFormat, normalizeBy?: readonly [number, number]): Box {
  const [sy, sx] = normalizeBy ? [1 / normalizeBy[0], 1 / normalizeBy[1]] : [1, 1];
  const [x, y, bw, bh] = [cx * sx, cy * sy, w * sx, h * sy];
  if (format === 'cxcywh') return [x, y, bw, bh];
  if (format === 'xywh') return [x - bw / 2, y - bh / 2, bw, bh];
  return [x - bw / 2, y - bh / 2, x + bw / 2, y + bh / 2];
}

/**
 * Decodes a target tensor [rows, cols, B, 5 + C] (encodeTargets' output, or activated predictions) into
 * boxes, in cell order (row, col, anchor). Reads the tensor with dataSync; does not dispose it.
 */
export function decodeTargets(targets: tf.Tensor4D, options: DecodeTargetsOptions): DecodedBox[] {
  const spec = readGridSpec(options);
  const o = options as unknown as Record<string, unknown>;
  const threshold = o['objectnessThreshold'] ?? 0.5;
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new InvalidArgumentError('options.objectnessThreshold', 'a number (pc >= it is kept)', describeValue(threshold));
  }
  const { format, normalized } = readOutputFormat(o);
  assertGridTensor(targets, 'targets', spec);
  const cells = readCells(targets.dataSync(), spec, (pc) => pc >= threshold);
  const size = normalized ? ([spec.imageHeight, spec.imageWidth] as const) : undefined;
  return cells.map((c) => ({
    box: boxIn(c.cx, c.cy, c.w, c.h, format, size),
    format,
    normalized,
    class: c.class,
    score: c.objectness * c.classProbability,
    objectness: c.objectness,
    classProbability: c.classProbability,
    row: c.row,
    col: c.col,
    anchor: c.anchor,
  }));
}
