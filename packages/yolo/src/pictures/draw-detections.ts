/**
 * A detector's output as a picture: each detection's box with a "label score" tag, over a copy of the image.
 * Thin over @cnn/ops' drawBoxes; it adds what detections carry and drawBoxes leaves to the caller: a box
 * format per detection (and `normalized` boxes, as decodeTargets can return), a score threshold, and the
 * choice of name (the class names given here, else the detection's own `label`, else "class i").
 */
import type * as tf from '@tensorflow/tfjs-core';
import { BOX_FORMATS, InvalidArgumentError, convertBox, describeValue, drawBoxes, type BoxFormat, type DrawBoxesOptions, type DrawableBox } from '@cnn/ops';

/** What every detector here returns ({ box, format: 'xyxy', score, class, label }), loosely. */
export interface DrawableDetection {
  /** Pixels of this image (or fractions of it when `normalized`), in `format`. */
  box: readonly number[];
  /** Default 'xyxy'. */
  format?: BoxFormat;
  /** Box is in [0, 1] fractions of the image (default false). */
  normalized?: boolean;
  score?: number;
  class?: number;
  label?: string;
}

export interface DrawDetectionsOptions extends Omit<DrawBoxesOptions, 'format'> {
  /**
   * Class names indexed by `detection.class`. They win over a detection's own `label` (so a picture can be
   * renamed); a class beyond them falls back to the detection's label, then to "class i".
   */
  labels?: readonly string[];
  /** Draw only detections scoring at least this (default: all). */
  scoreThreshold?: number;
}

function checkDetection(d: unknown, i: number, size: readonly [number, number]): DrawableBox {
  const arg = `detections[${i}]`;
  if (d === null || typeof d !== 'object') throw new InvalidArgumentError(arg, "a detection { box, format?, score?, class?, label? }", describeValue(d));
  const { box, format = 'xyxy', normalized = false, score, class: cls, label } = d as DrawableDetection;
  if (!(BOX_FORMATS as readonly unknown[]).includes(format)) throw new InvalidArgumentError(`${arg}.format`, `one of ${BOX_FORMATS.map((f) => `'${f}'`).join(', ')}`, describeValue(format));
  if (!Array.isArray(box) || box.length !== 4 || box.some((v: unknown) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new InvalidArgumentError(`${arg}.box`, `4 finite numbers ('${format}')`, describeValue(box));
  }
  let xyxy = format === 'xyxy' ? [...box] : (convertBox(box as [number, number, number, number], { from: format, to: 'xyxy' }) as number[]);
  if (normalized) xyxy = [xyxy[0]! * size[1], xyxy[1]! * size[0], xyxy[2]! * size[1], xyxy[3]! * size[0]];
  return {
    box: xyxy,
    ...(score !== undefined ? { score } : {}),
    ...(cls !== undefined ? { class: cls } : {}),
    ...(label !== undefined ? { label } : {}),
  };
}

/**
 * Returns a copy of `image` ([H, W, 1|3|4], int32 or float32, 0-255 or 0-1; not modified or disposed) with
 * every detection's box and a "label 0.87" tag, colored by class. Detections come as detectors return them.
 *
 *     const found = await detector.detect(image);
 *     await writeImage('found.png', drawDetections(image, found, { labels: cocoNames, scoreThreshold: 0.3 }));
 */
export function drawDetections(image: tf.Tensor3D, detections: readonly DrawableDetection[], options: DrawDetectionsOptions = {}): tf.Tensor3D {
  if (!Array.isArray(detections)) throw new InvalidArgumentError('detections', 'an array of detections { box, format?, score?, class?, label? }', describeValue(detections));
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const { scoreThreshold, labels, ...drawOptions } = options;
  if (scoreThreshold !== undefined && (typeof scoreThreshold !== 'number' || Number.isNaN(scoreThreshold))) {
    throw new InvalidArgumentError('options.scoreThreshold', 'a number', describeValue(scoreThreshold));
  }
  if (labels !== undefined && (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string'))) {
    throw new InvalidArgumentError('options.labels', 'an array of class names', describeValue(labels));
  }
  const size = [image?.shape?.[0] ?? 0, image?.shape?.[1] ?? 0] as const;
  const boxes = detections
    .map((d, i) => checkDetection(d, i, size))
    .filter((d) => scoreThreshold === undefined || (d.score ?? Infinity) >= scoreThreshold)
    .map((d) => {
      // Names given here win; drawBoxes itself lets a detection's label win, so resolve the name first.
      const name = d.class !== undefined ? (labels?.[d.class] ?? d.label) : d.label;
      const { label: _label, ...rest } = d;
      return name !== undefined ? { ...rest, label: name } : rest;
    });
  return drawBoxes(image, boxes, drawOptions);
}
