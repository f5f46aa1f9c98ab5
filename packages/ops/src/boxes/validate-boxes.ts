/**
 * Checks for box arguments. Array boxes are checked value by value (finite, x2 >= x1 / w >= 0), so a box
 * in the wrong format is caught early; tensors are checked by dtype and shape only: their values live on
 * the backend and reading them back would stall a GPU pipeline (NMS, which reads them anyway, checks them).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertOneOf, assertTensor, describeValue } from '../errors/validate.js';
import { BOX_FORMATS, BOX_KEYS, type Box, type BoxFormat, type BoxLike } from './box-types.js';

const LAYOUT: Record<BoxFormat, string> = { xyxy: '[x1, y1, x2, y2]', xywh: '[x, y, w, h]', cxcywh: '[cx, cy, w, h]' };

export function assertBoxFormat(value: unknown, argument: string): asserts value is BoxFormat {
  assertOneOf(value, argument, BOX_FORMATS);
}

function describeBox(b: unknown): string {
  if (Array.isArray(b) || ArrayBuffer.isView(b)) {
    const items = Array.from(b as ArrayLike<unknown>, (v) => (typeof v === 'number' ? String(v) : describeValue(v)));
    return `[${items.join(', ')}]`;
  }
  if (b !== null && typeof b === 'object' && !(b instanceof tf.Tensor)) {
    return `{ ${Object.entries(b as object).map(([k, v]) => `${k}: ${typeof v === 'number' ? v : describeValue(v)}`).join(', ')} }`;
  }
  return describeValue(b);
}

/** The format whose object keys `b` has, if any (for a helpful hint). */
function objectFormat(b: object): BoxFormat | undefined {
  return BOX_FORMATS.find((f) => BOX_KEYS[f].every((k) => k in b));
}

/**
 * Reads one box (tuple or object form) in `format` and checks it: 4 finite numbers, and x2 >= x1, y2 >= y1
 * ('xyxy') or w, h >= 0 (the others). Zero-area boxes are allowed. Returns a fresh tuple in `format`.
 */
export function readBox(b: unknown, argument: string, format: BoxFormat): Box {
  let values: unknown[];
  if (Array.isArray(b) || (ArrayBuffer.isView(b) && !(b instanceof DataView))) {
    const arr = Array.from(b as ArrayLike<unknown>);
    if (arr.length !== 4) throw new InvalidArgumentError(argument, `a box of 4 numbers ${LAYOUT[format]} ('${format}')`, describeBox(b));
    values = arr;
  } else if (b !== null && typeof b === 'object' && !(b instanceof tf.Tensor)) {
    const keys = BOX_KEYS[format];
    if (!keys.every((k) => k in b)) {
      const other = objectFormat(b);
      throw new InvalidArgumentError(
        argument,
        `a '${format}' box { ${keys.join(', ')} }`,
        describeBox(b),
        other ? `That is a '${other}' box: pass format: '${other}'.` : undefined,
      );
    }
    values = keys.map((k) => (b as Record<string, unknown>)[k]);
  } else {
    throw new InvalidArgumentError(argument, `a box ${LAYOUT[format]} or { ${BOX_KEYS[format].join(', ')} } ('${format}')`, describeBox(b));
  }
  if (values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new InvalidArgumentError(argument, `4 finite numbers ${LAYOUT[format]} ('${format}')`, describeBox(b));
  }
  const [p, q, r, s] = values as Box;
  if (format === 'xyxy' ? r < p || s < q : r < 0 || s < 0) {
    throw new InvalidArgumentError(
      argument,
      format === 'xyxy' ? 'an xyxy box with x2 >= x1 and y2 >= y1' : `a '${format}' box with w >= 0 and h >= 0`,
      describeBox(b),
      format === 'xyxy' ? "Is the box in another format? Pass `format` ('xywh' or 'cxcywh')." : undefined,
    );
  }
  return [p, q, r, s];
}

/** Reads and checks an array of boxes (see readBox); errors name the box, e.g. `boxes[3]`. */
export function readBoxes(boxes: unknown, argument: string, format: BoxFormat): Box[] {
  if (!Array.isArray(boxes)) {
    throw new InvalidArgumentError(argument, `an array of '${format}' boxes ${LAYOUT[format]} (or a float32 [N, 4] tensor where taken)`, describeValue(boxes));
  }
  const out: Box[] = new Array(boxes.length);
  for (let i = 0; i < boxes.length; i++) out[i] = fastBox(boxes[i], format) ?? readBox(boxes[i], `${argument}[${i}]`, format);
  return out;
}

/**
 * The common case without allocations beyond the result: a 4-array (or typed array) of finite numbers that
 * is a valid box in `format`. Anything else gives undefined, and readBox then accepts it (object forms) or
 * throws its error.
 */
export function fastBox(b: unknown, format: BoxFormat): Box | undefined {
  if (!Array.isArray(b) && !(ArrayBuffer.isView(b) && !(b instanceof DataView))) return undefined;
  const a = b as ArrayLike<unknown>;
  if (a.length !== 4) return undefined;
  const p = a[0];
  const q = a[1];
  const r = a[2];
  const s = a[3];
  if (typeof p !== 'number' || typeof q !== 'number' || typeof r !== 'number' || typeof s !== 'number') return undefined;
  if (!Number.isFinite(p) || !Number.isFinite(q) || !Number.isFinite(r) || !Number.isFinite(s)) return undefined;
  if (format === 'xyxy' ? r < p || s < q : r < 0 || s < 0) return undefined;
  return [p, q, r, s];
}

/** Asserts an array of valid boxes in `format` (4-tuples or object forms). */
export function assertBoxes(boxes: unknown, argument: string, format: BoxFormat = 'xyxy'): asserts boxes is readonly BoxLike[] {
  readBoxes(boxes, argument, format);
}

/** Asserts a live float32 [N, 4] tensor. */
export function assertBoxTensor(t: unknown, argument: string): asserts t is tf.Tensor2D {
  const expected = 'a float32 [N, 4] tensor of boxes';
  assertTensor(t, argument, { rank: 2, dtype: 'float32' });
  if (t.shape[1] !== 4) throw new InvalidArgumentError(argument, expected, describeValue(t));
}

/** Corners of checked boxes as one flat Float64Array [x1, y1, x2, y2, x1, ...], for the hot loops of NMS. */
export function toXyxyFlat(boxes: readonly Box[], format: BoxFormat): Float64Array {
  const out = new Float64Array(boxes.length * 4);
  for (let i = 0, o = 0; i < boxes.length; i++, o += 4) {
    const b = boxes[i]!;
    const p = b[0];
    const q = b[1];
    const r = b[2];
    const s = b[3];
    if (format === 'xyxy') {
      out[o] = p;
      out[o + 1] = q;
      out[o + 2] = r;
      out[o + 3] = s;
    } else if (format === 'xywh') {
      out[o] = p;
      out[o + 1] = q;
      out[o + 2] = p + r;
      out[o + 3] = q + s;
    } else {
      out[o] = p - r / 2;
      out[o + 1] = q - s / 2;
      out[o + 2] = p + r / 2;
      out[o + 3] = q + s / 2;
    }
  }
  return out;
}
