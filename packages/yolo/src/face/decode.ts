/**
 * Faces from the TinyFaceDetector's raw output, face-api's `TinyYolov2Base.extractBoxes` + `detect`:
 * for anchor a = (p_w, p_h) of cell (row, col) on an S × S grid (S = inputSize / 32), with the numbers
 * (tx, ty, tw, th, to) at channels 5a .. 5a + 4,
 *   score = σ(to)                                  kept when score > scoreThreshold (strict)
 *   b_x = (col + σ(tx)) / S · c_x,  b_w = p_w · e^tw / S · c_x   (fractions of the image width)
 *   b_y = (row + σ(ty)) / S · c_y,  b_h = p_h · e^th / S · c_y
 * where c = inputSize / (that side of the scaled image) undoes the zero padding (the image sits top-left),
 * then greedy NMS at `iouThreshold` and the boxes times the image's width and height. Boxes are not clipped
 * to the image, as in face-api.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, assertFiniteNumber, assertTensor, describeValue, nonMaxSuppression, type Box } from '@cnn/ops';
import { TINY_FACE_DETECTOR_ANCHORS, TINY_FACE_DETECTOR_BOX_SIZE, TINY_FACE_DETECTOR_STRIDE } from './tiny-face-detector.js';
import type { FaceInputGeometry } from './preprocess.js';

/** One detected face: the box in image pixels. */
export interface FaceDetection {
  box: Box;
  format: 'xyxy';
  /** σ(objectness), in (0, 1). */
  score: number;
}

export interface DecodeFacesOptions {
  /** Keep boxes scoring strictly above this (default 0.5, face-api's). In [0, 1]. */
  scoreThreshold?: number;
  /** NMS: drop a box whose IoU with a better one is ≥ this (default 0.4, face-api's). In [0, 1]. */
  iouThreshold?: number;
  /** At most this many faces (default Infinity). */
  maxDetections?: number;
  /** Clip boxes to the image (default false, as face-api). */
  clip?: boolean;
}

export const DEFAULT_FACE_SCORE_THRESHOLD = 0.5;
export const DEFAULT_FACE_IOU_THRESHOLD = 0.4;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Validated decoding options with defaults. */
export function readDecodeFacesOptions(options: DecodeFacesOptions): Required<DecodeFacesOptions> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const scoreThreshold = options.scoreThreshold ?? DEFAULT_FACE_SCORE_THRESHOLD;
  assertFiniteNumber(scoreThreshold, 'options.scoreThreshold', { min: 0, max: 1 });
  const iouThreshold = options.iouThreshold ?? DEFAULT_FACE_IOU_THRESHOLD;
  assertFiniteNumber(iouThreshold, 'options.iouThreshold', { min: 0, max: 1 });
  const maxDetections = options.maxDetections ?? Infinity;
  if (typeof maxDetections !== 'number' || !(maxDetections >= 1) || (Number.isFinite(maxDetections) && !Number.isInteger(maxDetections))) {
    throw new InvalidArgumentError('options.maxDetections', 'an integer >= 1 or Infinity', describeValue(maxDetections));
  }
  const clip = options.clip ?? false;
  if (typeof clip !== 'boolean') throw new InvalidArgumentError('options.clip', 'a boolean', describeValue(clip));
  return { scoreThreshold, iouThreshold, maxDetections, clip };
}

/**
 * Decodes raw values of one image's output, laid out [S, S, 25] row-major (what `dataSync()` of a
 * [1, S, S, 25] output gives), into faces sorted by score.
 */
export function decodeFaceGrid(values: ArrayLike<number>, geometry: FaceInputGeometry, options: DecodeFacesOptions = {}): FaceDetection[] {
  const o = readDecodeFacesOptions(options);
  const cells = geometry.inputSize / TINY_FACE_DETECTOR_STRIDE;
  const anchors = TINY_FACE_DETECTOR_ANCHORS.length;
  const depth = anchors * TINY_FACE_DETECTOR_BOX_SIZE;
  if (values.length !== cells * cells * depth) {
    throw new ShapeMismatchError('output', `expected ${cells}×${cells}×${depth} = ${cells * cells * depth} values for inputSize ${geometry.inputSize}, got ${values.length}.`);
  }
  const cx = geometry.inputSize / geometry.scaledWidth;
  const cy = geometry.inputSize / geometry.scaledHeight;
  const boxes: Box[] = [];
  const scores: number[] = [];
  for (let row = 0; row < cells; row++) {
    for (let col = 0; col < cells; col++) {
      for (let a = 0; a < anchors; a++) {
        const k = (row * cells + col) * depth + a * TINY_FACE_DETECTOR_BOX_SIZE;
        const score = sigmoid(values[k + 4]!);
        if (!(score > o.scoreThreshold)) continue;
        const [pw, ph] = TINY_FACE_DETECTOR_ANCHORS[a]!;
        // Fractions of the image (the padding undone by cx, cy).
        const bx = ((col + sigmoid(values[k]!)) / cells) * cx;
        const by = ((row + sigmoid(values[k + 1]!)) / cells) * cy;
        const bw = ((Math.exp(values[k + 2]!) * pw) / cells) * cx;
        const bh = ((Math.exp(values[k + 3]!) * ph) / cells) * cy;
        const x1 = (bx - bw / 2) * geometry.imageWidth;
        const y1 = (by - bh / 2) * geometry.imageHeight;
        boxes.push([x1, y1, x1 + bw * geometry.imageWidth, y1 + bh * geometry.imageHeight]);
        scores.push(score);
      }
    }
  }
  if (boxes.length === 0) return [];
  // IoU does not change when x and y are scaled separately, so NMS in image pixels equals face-api's NMS
  // on boxes scaled by inputSize. face-api keeps IoU <= threshold; @cnn/ops keeps IoU < threshold: they
  // differ only for an IoU exactly equal to the threshold.
  const kept = nonMaxSuppression({ boxes, scores, iouThreshold: o.iouThreshold, scoreThreshold: 0, maxDetections: o.maxDetections, classAware: false });
  return kept.map(({ index }) => {
    let box = boxes[index]!;
    if (o.clip) {
      const [x1, y1, x2, y2] = box;
      const cw = (v: number) => Math.min(Math.max(v, 0), geometry.imageWidth);
      const ch = (v: number) => Math.min(Math.max(v, 0), geometry.imageHeight);
      box = [cw(x1), ch(y1), cw(x2), ch(y2)];
    }
    return { box, format: 'xyxy' as const, score: scores[index]! };
  });
}

/**
 * Decodes the model's output tensor [1, S, S, 25] (or [S, S, 25]) into faces sorted by score. Reads the
 * tensor asynchronously; does not dispose it.
 */
export async function decodeFaces(output: tf.Tensor, geometry: FaceInputGeometry, options: DecodeFacesOptions = {}): Promise<FaceDetection[]> {
  assertTensor(output, 'output', { rank: [3, 4], dtype: 'float32' });
  const cells = geometry.inputSize / TINY_FACE_DETECTOR_STRIDE;
  const expected = [cells, cells, TINY_FACE_DETECTOR_ANCHORS.length * TINY_FACE_DETECTOR_BOX_SIZE];
  const shape = output.rank === 4 ? output.shape.slice(1) : output.shape;
  if ((output.rank === 4 && output.shape[0] !== 1) || shape.some((d, i) => d !== expected[i])) {
    throw new ShapeMismatchError('output', `expected [1, ${expected.join(', ')}] for inputSize ${geometry.inputSize}, got [${output.shape.join(', ')}].`);
  }
  return decodeFaceGrid(await output.data(), geometry, options);
}
