/**
 * The { boxes, scores, classes } input shared by NMS and Soft-NMS: plain arrays or tensors, read once into
 * flat arrays and checked value by value (tensors are read back anyway, so their values are checked too).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { assertFiniteNumber, describeValue } from '../errors/validate.js';
import type { Box, BoxFormat, BoxLike, BoxObject } from './box-types.js';
import { assertBoxFormat, assertBoxTensor, fastBox, readBox, readBoxes, toXyxyFlat } from './validate-boxes.js';

export interface DetectionInputOptions<Boxes = readonly BoxLike[] | tf.Tensor2D> {
  /** N boxes: an array of 4-tuples or object forms, or a float32 [N, 4] tensor. */
  boxes: Boxes;
  /** N scores (array, typed array or float32 [N] tensor). */
  scores: ArrayLike<number> | tf.Tensor1D;
  /** N integer class ids (array, typed array or [N] tensor); default: all class 0. */
  classes?: ArrayLike<number> | tf.Tensor1D;
  /** Format of `boxes` (default 'xyxy'); detections keep it. */
  format?: BoxFormat;
}

/** One detection: which input box, the box itself (in the input's format and form), its score and class. */
export interface Detection<B = Box> {
  /** Index into the input arrays. */
  index: number;
  box: B;
  score: number;
  class: number;
}

export interface DetectionInput {
  count: number;
  /** Corners of every box, flat [x1, y1, x2, y2, ...]. */
  xyxy: Float64Array;
  scores: Float64Array;
  classes: Float64Array;
  /** A copy of input box i as given (tuple or object, in the input format). */
  box: (i: number) => Box | BoxObject;
}

type Data = ArrayLike<number>;

export function checkOptionsObject(options: unknown): asserts options is DetectionInputOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError('options', 'an options object { boxes, scores, classes?, ... }', describeValue(options));
  }
}

function checkVectorTensor(t: tf.Tensor, argument: string, n: number, what: string, dtypes: readonly string[]): void {
  if (t.isDisposed || t.rank !== 1 || t.shape[0] !== n || !dtypes.includes(t.dtype)) {
    throw new InvalidArgumentError(argument, `a ${dtypes.join(' or ')} [${n}] tensor (${what}, one per box)`, describeValue(t));
  }
}

function checkVector(v: unknown, argument: string, n: number, what: string): asserts v is Data {
  const isArrayLike = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!isArrayLike) throw new InvalidArgumentError(argument, `an array of ${n} ${what} (one per box) or a [${n}] tensor`, describeValue(v));
  const length = (v as Data).length;
  if (length !== n) throw new InvalidArgumentError(argument, `${n} ${what} (one per box)`, `${length}`);
}

function assemble(options: DetectionInputOptions, boxData: Data | null, scoreData: Data | null, classData: Data | null): DetectionInput {
  const format = options.format ?? 'xyxy';
  const fromTensor = boxData !== null;
  let boxes: Box[];
  if (boxData) {
    boxes = [];
    for (let i = 0; i * 4 < boxData.length; i++) {
      const b = [boxData[i * 4]!, boxData[i * 4 + 1]!, boxData[i * 4 + 2]!, boxData[i * 4 + 3]!];
      boxes.push(fastBox(b, format) ?? readBox(b, `options.boxes[${i}]`, format));
    }
  } else {
    boxes = readBoxes(options.boxes, 'options.boxes', format);
  }
  const n = boxes.length;
  const rawScores = scoreData ?? (options.scores as Data);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = rawScores[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) assertFiniteNumber(v, `options.scores[${i}]`); // throws
    scores[i] = v!;
  }
  const classes = new Float64Array(n);
  const rawClasses = classData ?? (options.classes as Data | undefined);
  if (rawClasses) {
    for (let i = 0; i < n; i++) {
      const c = rawClasses[i];
      if (typeof c !== 'number' || !Number.isInteger(c)) throw new InvalidArgumentError(`options.classes[${i}]`, 'an integer class id', describeValue(c));
      classes[i] = c;
    }
  }
  const input = options.boxes as readonly BoxLike[];
  return {
    count: n,
    xyxy: toXyxyFlat(boxes, format),
    scores,
    classes,
    box: (i) => {
      if (fromTensor) return [...boxes[i]!] as Box;
      const b = input[i]!;
      return Array.isArray(b) || ArrayBuffer.isView(b) ? ([...boxes[i]!] as Box) : { ...(b as BoxObject) };
    },
  };
}

/** Checks everything but the data of tensors; returns the tensors to read. */
function plan(options: unknown): { boxes?: tf.Tensor; scores?: tf.Tensor; classes?: tf.Tensor } {
  checkOptionsObject(options);
  assertBoxFormat(options.format ?? 'xyxy', 'options.format');
  let n: number;
  const out: { boxes?: tf.Tensor; scores?: tf.Tensor; classes?: tf.Tensor } = {};
  if (options.boxes instanceof tf.Tensor) {
    assertBoxTensor(options.boxes, 'options.boxes');
    n = options.boxes.shape[0];
    out.boxes = options.boxes;
  } else {
    if (!Array.isArray(options.boxes)) throw new InvalidArgumentError('options.boxes', 'an array of boxes or a float32 [N, 4] tensor', describeValue(options.boxes));
    n = options.boxes.length;
  }
  if (options.scores instanceof tf.Tensor) {
    checkVectorTensor(options.scores, 'options.scores', n, 'scores', ['float32']);
    out.scores = options.scores;
  } else checkVector(options.scores, 'options.scores', n, 'scores');
  if (options.classes instanceof tf.Tensor) {
    checkVectorTensor(options.classes, 'options.classes', n, 'class ids', ['int32', 'float32']);
    out.classes = options.classes;
  } else if (options.classes !== undefined) checkVector(options.classes, 'options.classes', n, 'class ids');
  return out;
}

/** Reads and checks the input (tensors with dataSync). */
export function readDetectionInput(options: unknown): DetectionInput {
  const t = plan(options);
  const o = options as DetectionInputOptions;
  return assemble(o, t.boxes?.dataSync() ?? null, t.scores?.dataSync() ?? null, t.classes?.dataSync() ?? null);
}

/** Reads and checks the input (tensors with `await data()`, which does not block a GPU backend). */
export async function readDetectionInputAsync(options: unknown): Promise<DetectionInput> {
  const t = plan(options);
  const o = options as DetectionInputOptions;
  const [b, s, c] = await Promise.all([t.boxes?.data(), t.scores?.data(), t.classes?.data()]);
  return assemble(o, (b as Data | undefined) ?? null, (s as Data | undefined) ?? null, (c as Data | undefined) ?? null);
}

/** Checked NMS parameters. */
export interface NmsParams {
  iouThreshold: number;
  scoreThreshold: number;
  maxDetections: number;
  classAware: boolean;
}

export function readNmsParams(o: unknown, defaults: { iouThreshold: number; scoreThreshold: number }): NmsParams {
  checkOptionsObject(o);
  const options = o as unknown as Record<string, unknown>;
  const iouThreshold = options['iouThreshold'] ?? defaults.iouThreshold;
  assertFiniteNumber(iouThreshold, 'options.iouThreshold', { min: 0, max: 1 });
  const scoreThreshold = options['scoreThreshold'] ?? defaults.scoreThreshold;
  if (typeof scoreThreshold !== 'number' || Number.isNaN(scoreThreshold) || scoreThreshold === Infinity) {
    throw new InvalidArgumentError('options.scoreThreshold', 'a number (or -Infinity to keep every box)', describeValue(scoreThreshold));
  }
  const maxDetections = options['maxDetections'] ?? 100;
  if (typeof maxDetections !== 'number' || !(maxDetections === Infinity || (Number.isInteger(maxDetections) && maxDetections >= 0))) {
    throw new InvalidArgumentError('options.maxDetections', 'an integer >= 0 (or Infinity)', describeValue(maxDetections));
  }
  const classAware = options['classAware'] ?? true;
  if (typeof classAware !== 'boolean') throw new InvalidArgumentError('options.classAware', 'a boolean', describeValue(classAware));
  return { iouThreshold, scoreThreshold, maxDetections, classAware };
}

/** Candidates scoring >= scoreThreshold, best first; equal scores: lower index first. */
export function candidates(scores: Float64Array, scoreThreshold: number): number[] {
  const order: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i]! >= scoreThreshold) order.push(i);
  return order.sort((i, j) => scores[j]! - scores[i]! || i - j);
}
