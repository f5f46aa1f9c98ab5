/**
 * Converting boxes between formats ('xyxy', 'xywh', 'cxcywh'; see box-types.ts) and between pixels and
 * normalized coordinates, like torchvision.ops.box_convert plus the image-size scaling YOLO labels need.
 * Arrays in, arrays out (tuples stay tuples, objects become the target format's objects); float32 [N, 4]
 * tensors in, new tensors out (differentiable, nothing read back from the backend).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertOneOf, describeValue } from '../errors/validate.js';
import { BOX_KEYS, type Box, type BoxFormat, type BoxLike, type BoxObject } from './box-types.js';
import { assertBoxFormat, assertBoxTensor, readBox } from './validate-boxes.js';

// Kept here too: image/ imports these from box-format.js.
export { BOX_FORMATS, type Box, type BoxFormat } from './box-types.js';

export interface ConvertBoxesOptions {
  from: BoxFormat;
  to: BoxFormat;
  /** [height, width] of the image in pixels; needed (only) with `normalize`. */
  imageSize?: readonly [number, number];
  /** 'toPixels': input normalized to [0, 1], output pixels; 'toNormalized': the other way. */
  normalize?: 'toPixels' | 'toNormalized';
}

/** Checked options, with the x and y scale factors (1 when not changing units). */
function checkOptions(options: unknown): { from: BoxFormat; to: BoxFormat; sx: number; sy: number } {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError('options', "an object { from, to, imageSize?, normalize? }, e.g. { from: 'xyxy', to: 'cxcywh' }", describeValue(options));
  }
  const o = options as Partial<ConvertBoxesOptions>;
  assertBoxFormat(o.from, 'options.from');
  assertBoxFormat(o.to, 'options.to');
  if (o.normalize === undefined) {
    if (o.imageSize !== undefined) {
      throw new InvalidArgumentError('options.normalize', "'toPixels' or 'toNormalized' when options.imageSize is given", 'undefined', 'imageSize alone changes nothing.');
    }
    return { from: o.from, to: o.to, sx: 1, sy: 1 };
  }
  assertOneOf(o.normalize, 'options.normalize', ['toPixels', 'toNormalized'] as const);
  const size = o.imageSize;
  if (!Array.isArray(size) || size.length !== 2 || size.some((v) => typeof v !== 'number' || !Number.isFinite(v) || v <= 0)) {
    throw new InvalidArgumentError('options.imageSize', '[height, width] in pixels, both > 0 (needed to change between pixels and normalized coordinates)', describeValue(size));
  }
  const [h, w] = size as [number, number];
  return o.normalize === 'toPixels' ? { from: o.from, to: o.to, sx: w, sy: h } : { from: o.from, to: o.to, sx: 1 / w, sy: 1 / h };
}

/** One checked box from `from` to `to`, through its corners. */
function convertTuple(b: Box, from: BoxFormat, to: BoxFormat, sx: number, sy: number): Box {
  const [p, q, r, s] = b;
  let [x1, y1, x2, y2] = from === 'xyxy' ? b : from === 'xywh' ? [p, q, p + r, q + s] : [p - r / 2, q - s / 2, p + r / 2, q + s / 2];
  if (sx !== 1 || sy !== 1) [x1, y1, x2, y2] = [x1 * sx, y1 * sy, x2 * sx, y2 * sy];
  if (to === 'xyxy') return [x1, y1, x2, y2];
  if (to === 'xywh') return [x1, y1, x2 - x1, y2 - y1];
  return [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1];
}

function convertTensor(boxes: tf.Tensor2D, from: BoxFormat, to: BoxFormat, sx: number, sy: number): tf.Tensor2D {
  return tf.tidy(() => {
    if (from === to && sx === 1 && sy === 1) return tf.clone(boxes); // a new tensor, so the caller owns what it gets
    const [p, q, r, s] = tf.split(boxes, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    let [x1, y1, x2, y2] =
      from === 'xyxy'
        ? [p, q, r, s]
        : from === 'xywh'
          ? [p, q, tf.add(p, r), tf.add(q, s)]
          : [tf.sub(p, tf.div(r, 2)), tf.sub(q, tf.div(s, 2)), tf.add(p, tf.div(r, 2)), tf.add(q, tf.div(s, 2))];
    if (sx !== 1 || sy !== 1) [x1, y1, x2, y2] = [tf.mul(x1, sx), tf.mul(y1, sy), tf.mul(x2, sx), tf.mul(y2, sy)];
    const out =
      to === 'xyxy'
        ? [x1, y1, x2, y2]
        : to === 'xywh'
          ? [x1, y1, tf.sub(x2, x1), tf.sub(y2, y1)]
          : [tf.div(tf.add(x1, x2), 2), tf.div(tf.add(y1, y2), 2), tf.sub(x2, x1), tf.sub(y2, y1)];
    return tf.concat(out, 1) as tf.Tensor2D;
  });
}

/**
 * Converts boxes between formats, and between pixels and normalized coordinates when `normalize` and
 * `imageSize` ([height, width]) are given: x scales by the width, y by the height.
 *
 *     convertBoxes([[10, 20, 50, 80]], { from: 'xyxy', to: 'cxcywh' })   // [[30, 50, 40, 60]]
 *     convertBoxes(yoloLabels, { from: 'cxcywh', to: 'xyxy', imageSize: [480, 640], normalize: 'toPixels' })
 *
 * Arrays are checked box by box (finite; x2 >= x1 for 'xyxy', w, h >= 0 otherwise); tensors by shape only.
 */
export function convertBoxes(boxes: tf.Tensor2D, options: ConvertBoxesOptions): tf.Tensor2D;
export function convertBoxes(boxes: readonly (readonly number[])[], options: ConvertBoxesOptions): Box[];
export function convertBoxes<T extends BoxFormat>(boxes: readonly BoxObject[], options: ConvertBoxesOptions & { to: T }): BoxObject<T>[];
export function convertBoxes(boxes: readonly BoxLike[], options: ConvertBoxesOptions): (Box | BoxObject)[];
export function convertBoxes(boxes: readonly BoxLike[] | tf.Tensor2D, options: ConvertBoxesOptions): (Box | BoxObject)[] | tf.Tensor2D {
  const { from, to, sx, sy } = checkOptions(options);
  if (boxes instanceof tf.Tensor) {
    assertBoxTensor(boxes, 'boxes');
    return convertTensor(boxes, from, to, sx, sy);
  }
  if (!Array.isArray(boxes)) {
    throw new InvalidArgumentError('boxes', `an array of '${from}' boxes or a float32 [N, 4] tensor`, describeValue(boxes));
  }
  return boxes.map((b, i) => {
    const out = convertTuple(readBox(b, `boxes[${i}]`, from), from, to, sx, sy);
    return Array.isArray(b) || ArrayBuffer.isView(b) ? out : objectOf(out, to);
  });
}

/** convertBoxes for a single box (tuple or object form). */
export function convertBox(box: readonly number[], options: ConvertBoxesOptions): Box;
export function convertBox<T extends BoxFormat>(box: BoxObject, options: ConvertBoxesOptions & { to: T }): BoxObject<T>;
export function convertBox(box: BoxLike, options: ConvertBoxesOptions): Box | BoxObject {
  const { from, to, sx, sy } = checkOptions(options);
  const out = convertTuple(readBox(box, 'box', from), from, to, sx, sy);
  return Array.isArray(box) || ArrayBuffer.isView(box) ? out : objectOf(out, to);
}

function objectOf<F extends BoxFormat>([p, q, r, s]: Box, format: F): BoxObject<F> {
  const k = BOX_KEYS[format];
  return { [k[0]]: p, [k[1]]: q, [k[2]]: r, [k[3]]: s } as unknown as BoxObject<F>;
}

/** [a, b, c, d] in `format` -> its object form: boxToObject([1, 2, 3, 4], 'xywh') is { x: 1, y: 2, w: 3, h: 4 }. */
export function boxToObject<F extends BoxFormat>(box: readonly number[], format: F): BoxObject<F> {
  assertBoxFormat(format, 'format');
  if (!Array.isArray(box) && !ArrayBuffer.isView(box)) throw new InvalidArgumentError('box', `4 numbers ('${format}')`, describeValue(box));
  return objectOf(readBox(box, 'box', format), format);
}

/** An object form -> its tuple: boxFromObject({ cx: 5, cy: 5, w: 2, h: 4 }, 'cxcywh') is [5, 5, 2, 4]. */
export function boxFromObject(box: BoxObject, format: BoxFormat): Box {
  assertBoxFormat(format, 'format');
  if (Array.isArray(box)) throw new InvalidArgumentError('box', `a '${format}' box object { ${BOX_KEYS[format].join(', ')} }`, describeValue(box));
  return readBox(box, 'box', format);
}
