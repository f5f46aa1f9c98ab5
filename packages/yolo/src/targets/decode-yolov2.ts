/**
 * Detections from a raw YOLOv2 head, the course's last steps: for the anchor a of cell (row, col),
 *   bx = (col + σ(tx)) / cols,  by = (row + σ(ty)) / rows         (fractions of the network input)
 *   bw = anchor_w · exp(tw) / cols,  bh = anchor_h · exp(th) / rows   (anchors in grid cells)
 *   score = σ(to) · softmax(class logits)_c
 * then drop boxes scoring below `scoreThreshold`, class-aware non-max suppression (@cnn/ops), and map the
 * boxes back to the original image through the letterbox (or the stretch resize) the input went through.
 * By default each box keeps only its best class (the course: "for each grid cell, the class with the largest
 * probability"); `multiLabel: true` keeps every class that clears the threshold, as Darknet does.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  InvalidArgumentError,
  ShapeMismatchError,
  assertFiniteNumber,
  describeValue,
  nonMaxSuppression,
  unletterboxBoxes,
  type Box,
  type BoxFormat,
  type LetterboxTransform,
} from '@cnn/ops';
import { activateParts, assertYoloTensor, readLayout, type RawLayout } from './activate-output.js';
import { boxIn, readCells, readOutputFormat } from './decode-targets.js';
import { readAnchors, readClasses, readImageSize, type Anchor, type GridSpec } from './grid-spec.js';

export interface DecodeYoloV2Options {
  /** Anchor shapes [width, height] in grid cells (the region layer's `anchors=`, as pairs). */
  anchors: readonly Anchor[];
  /** Number of classes; checked against the output's shape when given (it is inferred otherwise). */
  classes?: number;
  /** Order of each anchor's raw numbers (default 'course': [to, tx, ty, th, tw, ...]; Darknet: 'darknet'). */
  layout?: RawLayout;
  /** [height, width] of the network input in pixels. Default: `letterbox.dstSize`; one of the two is needed. */
  inputSize?: readonly [number, number];
  /** The transform @cnn/ops `letterbox` returned for this input: boxes come back in original-image pixels. */
  letterbox?: LetterboxTransform;
  /** [height, width] of the original image when the input was a plain (stretching) resize of it. */
  imageSize?: readonly [number, number];
  /** Keep boxes scoring >= this (objectness · class probability; default 0.25). */
  scoreThreshold?: number;
  /** NMS: suppress boxes of the same class with IoU >= this with a better one (default 0.45). */
  iouThreshold?: number;
  /** At most this many detections (default 100). */
  maxDetections?: number;
  /** Every class that clears the threshold, not only the best one (default false). */
  multiLabel?: boolean;
  /** Format of the returned boxes (default 'xyxy'), in pixels of the original image. */
  format?: BoxFormat;
  /** Class names; `label` falls back to 'class <i>'. */
  labels?: readonly string[];
}

/** One detected object; the box is in original-image pixels, in `format`. */
export interface YoloV2Detection {
  box: Box;
  format: BoxFormat;
  /** objectness · classProbability. */
  score: number;
  class: number;
  label: string;
  objectness: number;
  classProbability: number;
}

interface Plan {
  spec: GridSpec;
  activated: tf.Tensor; // [rows, cols, B, 5 + C], to read and dispose
  scoreThreshold: number;
  iouThreshold: number;
  maxDetections: number;
  multiLabel: boolean;
  format: BoxFormat;
  labels: readonly string[] | undefined;
  letterbox: LetterboxTransform | undefined;
  imageSize: [number, number] | undefined;
}

function plan(output: unknown, options: unknown): Plan {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError('options', 'an options object { anchors, inputSize | letterbox, ... }', describeValue(options));
  }
  const o = options as Record<string, unknown>;
  const anchors = readAnchors(o['anchors'], 'options.anchors');
  const layout = readLayout(o['layout'], 'options.layout');
  assertYoloTensor(output, 'output', 3);
  // Accept [rows, cols, B * (5 + C)] (a conv's output), [rows, cols, B, 5 + C], or either with a batch of 1.
  let shape = output.shape;
  if (shape[0] === 1 && (shape.length === 4 || shape.length === 5) && !(shape.length === 4 && shape[2] === anchors.length)) shape = shape.slice(1);
  const B = anchors.length;
  let rows: number, cols: number, entries: number;
  if (shape.length === 3 && shape[2]! % B === 0) [rows, cols, entries] = [shape[0]!, shape[1]!, shape[2]! / B];
  else if (shape.length === 4 && shape[2] === B) [rows, cols, entries] = [shape[0]!, shape[1]!, shape[3]!];
  else {
    throw new ShapeMismatchError('output', `expected [rows, cols, ${B} * (5 + C)] or [rows, cols, ${B}, 5 + C] (optionally with a batch of 1) for ${B} anchors, got [${output.shape.join(', ')}].`);
  }
  if (entries < 6) throw new ShapeMismatchError('output', `each of the ${B} anchors needs 5 + C >= 6 values, the output has ${entries}.`);
  const classes = entries - 5;
  if (o['classes'] !== undefined && readClasses(o['classes'], 'options.classes') !== classes) {
    throw new ShapeMismatchError('output', `options.classes is ${String(o['classes'])} but the output holds ${classes} classes per anchor ([${output.shape.join(', ')}], ${B} anchors).`);
  }
  const letterbox = o['letterbox'] as LetterboxTransform | undefined;
  if (letterbox !== undefined && (letterbox === null || typeof letterbox !== 'object' || !Array.isArray(letterbox.dstSize))) {
    throw new InvalidArgumentError('options.letterbox', 'the transform returned by letterbox() { scale, padX, padY, srcSize, dstSize }', describeValue(letterbox));
  }
  if (o['inputSize'] === undefined && letterbox === undefined) {
    throw new InvalidArgumentError('options.inputSize', '[height, width] of the network input (or options.letterbox)', 'undefined');
  }
  const [imageHeight, imageWidth] = readImageSize(o['inputSize'] ?? letterbox!.dstSize, o['inputSize'] !== undefined ? 'options.inputSize' : 'options.letterbox.dstSize');
  if (letterbox && (letterbox.dstSize[0] !== imageHeight || letterbox.dstSize[1] !== imageWidth)) {
    throw new ShapeMismatchError('options.letterbox', `its dstSize [${letterbox.dstSize.join(', ')}] is not options.inputSize [${imageHeight}, ${imageWidth}].`);
  }
  const imageSize = o['imageSize'] === undefined ? undefined : readImageSize(o['imageSize'], 'options.imageSize');
  if (imageSize && letterbox) throw new InvalidArgumentError('options.imageSize', 'undefined when options.letterbox is given (the letterbox knows the source size)', describeValue(imageSize));
  const scoreThreshold = o['scoreThreshold'] ?? 0.25;
  assertFiniteNumber(scoreThreshold, 'options.scoreThreshold');
  const iouThreshold = o['iouThreshold'] ?? 0.45;
  assertFiniteNumber(iouThreshold, 'options.iouThreshold', { min: 0, max: 1 });
  const maxDetections = o['maxDetections'] ?? 100;
  if (typeof maxDetections !== 'number' || !(maxDetections === Infinity || (Number.isInteger(maxDetections) && maxDetections >= 0))) {
    throw new InvalidArgumentError('options.maxDetections', 'an integer >= 0 (or Infinity)', describeValue(maxDetections));
  }
  const multiLabel = o['multiLabel'] ?? false;
  if (typeof multiLabel !== 'boolean') throw new InvalidArgumentError('options.multiLabel', 'a boolean', describeValue(multiLabel));
  const { format } = readOutputFormat({ format: o['format'] });
  const labels = o['labels'] as readonly string[] | undefined;
  if (labels !== undefined && (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string'))) {
    throw new InvalidArgumentError('options.labels', 'an array of class names', describeValue(labels));
  }
  const spec: GridSpec = {
    rows,
    cols,
    anchors,
    hasAnchors: true,
    boxesPerCell: B,
    classes,
    entries,
    imageHeight,
    imageWidth,
    cellHeight: imageHeight / rows,
    cellWidth: imageWidth / cols,
    sizeEncoding: 'logAnchor',
  };
  const activated = tf.tidy(() => tf.concat(activateParts(tf.reshape(output, [rows, cols, B, entries]), 'logAnchor', layout), -1));
  return { spec, activated, scoreThreshold, iouThreshold, maxDetections, multiLabel, format, labels, letterbox, imageSize };
}

function finish(data: ArrayLike<number>, p: Plan): YoloV2Detection[] {
  const { spec } = p;
  // score = pc · P(c) <= pc: a cell whose pc misses the threshold cannot score above it.
  const cells = readCells(data, spec, (pc) => pc >= p.scoreThreshold);
  const boxes: Box[] = [];
  const scores: number[] = [];
  const classes: number[] = [];
  const parts: [number, number][] = []; // [objectness, class probability]
  for (const c of cells) {
    const classIds = p.multiLabel ? [...c.probabilities.keys()] : [c.class];
    for (const k of classIds) {
      const score = c.objectness * c.probabilities[k]!;
      if (!(score >= p.scoreThreshold)) continue;
      boxes.push(boxIn(c.cx, c.cy, c.w, c.h, 'xyxy'));
      scores.push(score);
      classes.push(k);
      parts.push([c.objectness, c.probabilities[k]!]);
    }
  }
  const kept = nonMaxSuppression({ boxes, scores, classes, iouThreshold: p.iouThreshold, maxDetections: p.maxDetections });
  const [ih, iw] = [spec.imageHeight, spec.imageWidth];
  const keptBoxes = kept.map((d) => d.box);
  let mapped: Box[];
  if (p.letterbox) mapped = keptBoxes.length ? unletterboxBoxes(keptBoxes, p.letterbox, 'xyxy') : [];
  else {
    const [sy, sx] = p.imageSize ? [p.imageSize[0] / ih, p.imageSize[1] / iw] : [1, 1];
    const [H, W] = p.imageSize ?? [ih, iw];
    const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
    mapped = keptBoxes.map(([x1, y1, x2, y2]) => [clip(x1 * sx, W), clip(y1 * sy, H), clip(x2 * sx, W), clip(y2 * sy, H)]);
  }
  return kept.map((d, i) => {
    const [x1, y1, x2, y2] = mapped[i]!;
    const [objectness, classProbability] = parts[d.index]!;
    return {
      box: boxIn((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, p.format),
      format: p.format,
      score: d.score,
      class: d.class,
      label: p.labels?.[d.class] ?? `class ${d.class}`,
      objectness,
      classProbability,
    };
  });
}

/**
 * Decodes a raw YOLOv2 head (one image: [rows, cols, B * (5 + C)], [rows, cols, B, 5 + C], or either with a
 * leading batch of 1) into detections sorted by score. Reads the output with dataSync (see
 * decodeYoloV2Async for GPU backends); does not dispose it.
 *
 *     const { image, transform } = letterbox(photo, 416);
 *     const raw = model.predict(image.expandDims(0).div(255));
 *     decodeYoloV2(raw, { anchors, letterbox: transform, labels: ['sun', 'moon', 'star'] });
 *     // [{ box: [x1, y1, x2, y2], format: 'xyxy', score: 0.91, class: 1, label: 'moon', ... }]
 */
export function decodeYoloV2(output: tf.Tensor, options: DecodeYoloV2Options): YoloV2Detection[] {
  const p = plan(output, options);
  try {
    return finish(p.activated.dataSync(), p);
  } finally {
    p.activated.dispose();
  }
}

/** decodeYoloV2 reading the output with `await data()`, so a GPU backend is not blocked. */
export async function decodeYoloV2Async(output: tf.Tensor, options: DecodeYoloV2Options): Promise<YoloV2Detection[]> {
  const p = plan(output, options);
  try {
    return finish(await p.activated.data(), p);
  } finally {
    p.activated.dispose();
  }
}
