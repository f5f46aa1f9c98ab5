/**
 * Box formats, explicit everywhere (torchvision.ops.box_convert names): 'xyxy' corners, 'xywh' top-left
 * + size (COCO), 'cxcywh' centre + size (YOLO). Coordinates are pixels or normalized to [0, 1].
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertOneOf, assertTensor, describeValue } from '../errors/validate.js';

export type BoxFormat = 'xyxy' | 'xywh' | 'cxcywh';
export const BOX_FORMATS: readonly BoxFormat[] = ['xyxy', 'xywh', 'cxcywh'];
export type Box = [number, number, number, number];

/** Checks an array of 4-number boxes: finite values, non-negative sizes. */
export function assertBoxes(boxes: unknown, argument: string, format: BoxFormat = 'xyxy'): asserts boxes is readonly (readonly number[])[] {
  if (!Array.isArray(boxes)) throw new InvalidArgumentError(argument, `an array of [4 numbers] boxes in '${format}' format`, describeValue(boxes));
  boxes.forEach((b, i) => assertBox(b, `${argument}[${i}]`, format));
}

export function assertBox(b: unknown, argument: string, format: BoxFormat = 'xyxy'): asserts b is readonly number[] {
  if (!Array.isArray(b) || b.length !== 4 || b.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new InvalidArgumentError(argument, `a box of 4 finite numbers ('${format}')`, Array.isArray(b) ? `[${b.join(', ')}]` : describeValue(b));
  }
  const bad = format === 'xyxy' ? b[2] < b[0] || b[3] < b[1] : b[2] < 0 || b[3] < 0;
  if (bad) {
    throw new InvalidArgumentError(argument, format === 'xyxy' ? 'x2 >= x1 and y2 >= y1' : 'a non-negative width and height', `[${b.join(', ')}]`, format === 'xyxy' ? 'Is the box in another format? Pass `format`.' : undefined);
  }
}

export interface ConvertBoxesOptions {
  from: BoxFormat;
  to: BoxFormat;
  /** [height, width] of the image, needed to change between pixels and normalized coordinates. */
  imageSize?: [number, number];
  normalize?: 'toPixels' | 'toNormalized';
}

function convertOne(b: readonly number[], from: BoxFormat, to: BoxFormat, scale: [number, number] | undefined): Box {
  let [x1, y1, x2, y2] = from === 'xyxy' ? b : from === 'xywh' ? [b[0]!, b[1]!, b[0]! + b[2]!, b[1]! + b[3]!] : [b[0]! - b[2]! / 2, b[1]! - b[3]! / 2, b[0]! + b[2]! / 2, b[1]! + b[3]! / 2];
  if (scale) [x1, y1, x2, y2] = [x1! * scale[1], y1! * scale[0], x2! * scale[1], y2! * scale[0]];
  if (to === 'xyxy') return [x1!, y1!, x2!, y2!];
  if (to === 'xywh') return [x1!, y1!, x2! - x1!, y2! - y1!];
  return [(x1! + x2!) / 2, (y1! + y2!) / 2, x2! - x1!, y2! - y1!];
}

function scaleFor(options: ConvertBoxesOptions): [number, number] | undefined {
  if (!options.normalize) return undefined;
  assertOneOf(options.normalize, 'options.normalize', ['toPixels', 'toNormalized'] as const);
  const size = options.imageSize;
  if (!Array.isArray(size) || size.length !== 2 || size.some((v) => !(typeof v === 'number' && v > 0))) {
    throw new InvalidArgumentError('options.imageSize', '[height, width] in pixels (needed to change between pixels and normalized coordinates)', describeValue(size));
  }
  return options.normalize === 'toPixels' ? [size[0], size[1]] : [1 / size[0], 1 / size[1]];
}

/** Converts boxes between formats (and between pixels and normalized coordinates). Arrays in, arrays out; tensors [N, 4] in, tensors out. */
export function convertBoxes(boxes: readonly (readonly number[])[], options: ConvertBoxesOptions): Box[];
export function convertBoxes(boxes: tf.Tensor2D, options: ConvertBoxesOptions): tf.Tensor2D;
export function convertBoxes(boxes: readonly (readonly number[])[] | tf.Tensor2D, options: ConvertBoxesOptions): Box[] | tf.Tensor2D {
  assertOneOf(options?.from, 'options.from', BOX_FORMATS);
  assertOneOf(options.to, 'options.to', BOX_FORMATS);
  const scale = scaleFor(options);
  if (boxes instanceof tf.Tensor) {
    assertBoxTensor(boxes, 'boxes');
    return tf.tidy(() => {
      const [a, b, c, d] = tf.unstack(boxes, 1) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
      let [x1, y1, x2, y2] =
        options.from === 'xyxy' ? [a, b, c, d] : options.from === 'xywh' ? [a, b, tf.add(a, c), tf.add(b, d)] : [tf.sub(a, tf.div(c, 2)), tf.sub(b, tf.div(d, 2)), tf.add(a, tf.div(c, 2)), tf.add(b, tf.div(d, 2))];
      if (scale) [x1, y1, x2, y2] = [tf.mul(x1, scale[1]), tf.mul(y1, scale[0]), tf.mul(x2, scale[1]), tf.mul(y2, scale[0])];
      const out =
        options.to === 'xyxy'
          ? [x1, y1, x2, y2]
          : options.to === 'xywh'
            ? [x1, y1, tf.sub(x2, x1), tf.sub(y2, y1)]
            : [tf.div(tf.add(x1, x2), 2), tf.div(tf.add(y1, y2), 2), tf.sub(x2, x1), tf.sub(y2, y1)];
      return tf.stack(out, 1) as tf.Tensor2D;
    });
  }
  assertBoxes(boxes, 'boxes', options.from);
  return boxes.map((b) => convertOne(b, options.from, options.to, scale));
}

/** Asserts a float [N, 4] tensor. */
export function assertBoxTensor(t: unknown, argument: string): asserts t is tf.Tensor2D {
  assertTensor(t, argument, { rank: 2, dtype: 'float32' });
  if (t.shape[1] !== 4) throw new InvalidArgumentError(argument, 'a [N, 4] tensor of boxes', `shape [${t.shape.join(', ')}]`);
}
