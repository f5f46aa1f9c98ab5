/**
 * Face crops and dlib-style alignment, as face-api does them:
 * - `clipFaceBox`: face-api's `Box.clipAtImageBorders` (the box clipped to the image, then each of x, y,
 *   width, height floored), the region `extractFaceTensors` cuts out;
 * - `alignedFaceBox`: `FaceLandmarks.align(null, { useDlibAlignment: true })`: from the centres of the left
 *   eye, the right eye and the mouth, a square of side floor(mean eye-to-mouth distance / 0.45) placed with
 *   the centres' mean at 50 % across and 43 % down (clamped at the image's top-left).
 * Boxes are `xyxy` in image pixels: [x1, y1, x2, y2].
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, describeValue, type Box } from '@cnn/ops';

/** A landmark in pixels. */
export interface LandmarkPoint {
  x: number;
  y: number;
}

/** Index ranges [start, end) of the 68-point (iBUG 300-W) scheme, as face-api's FaceLandmarks68. */
export const LANDMARKS_68 = {
  jawOutline: [0, 17],
  leftEyeBrow: [17, 22],
  rightEyeBrow: [22, 27],
  nose: [27, 36],
  leftEye: [36, 42],
  rightEye: [42, 48],
  mouth: [48, 68],
} as const satisfies Record<string, readonly [number, number]>;

/** dlib alignment constants (face-api's FaceLandmarks): centre at relX, relY of the square; size = dist / relScale. */
export const DLIB_ALIGNMENT = { relX: 0.5, relY: 0.43, relScale: 0.45 } as const;

/** Something holding 68 landmarks: the points themselves or a result with `positions`. */
export type LandmarksLike = readonly LandmarkPoint[] | { readonly positions: readonly LandmarkPoint[] };

function toPoints(landmarks: unknown, argument: string): readonly LandmarkPoint[] {
  const points = Array.isArray(landmarks) ? landmarks : (landmarks as { positions?: unknown } | null)?.positions;
  if (!Array.isArray(points) || points.length !== 68) {
    throw new InvalidArgumentError(argument, '68 landmarks ({ x, y } in pixels, or a FaceLandmarker result)', describeValue(Array.isArray(points) ? points : landmarks));
  }
  points.forEach((p: unknown, i) => {
    const q = p as LandmarkPoint | null;
    if (q === null || typeof q !== 'object' || !Number.isFinite(q.x) || !Number.isFinite(q.y)) {
      throw new InvalidArgumentError(`${argument}[${i}]`, 'a point { x, y } of finite numbers', describeValue(p));
    }
  });
  return points as LandmarkPoint[];
}

/** Mean of the points in [start, end). */
export function landmarkCentre(landmarks: LandmarksLike, range: readonly [number, number]): LandmarkPoint {
  const points = toPoints(landmarks, 'landmarks');
  let x = 0;
  let y = 0;
  for (let i = range[0]; i < range[1]; i++) {
    x += points[i]!.x;
    y += points[i]!.y;
  }
  const n = range[1] - range[0];
  return { x: x / n, y: y / n };
}

/**
 * The dlib-style alignment square of a face from its 68 landmarks (face-api's `alignDlib`), xyxy pixels:
 * size = floor(mean eye-to-mouth distance / 0.45), x = floor(max(0, cx − 0.5 size)),
 * y = floor(max(0, cy − 0.43 size)), (cx, cy) the mean of the eye and mouth centres. Not clipped at the
 * right or bottom (cropping does that, as face-api).
 */
export function alignedFaceBox(landmarks: LandmarksLike): Box {
  toPoints(landmarks, 'landmarks');
  const leftEye = landmarkCentre(landmarks, LANDMARKS_68.leftEye);
  const rightEye = landmarkCentre(landmarks, LANDMARKS_68.rightEye);
  const mouth = landmarkCentre(landmarks, LANDMARKS_68.mouth);
  const toMouth = (p: LandmarkPoint): number => Math.hypot(mouth.x - p.x, mouth.y - p.y);
  const size = Math.floor((toMouth(leftEye) + toMouth(rightEye)) / 2 / DLIB_ALIGNMENT.relScale);
  const cx = (leftEye.x + rightEye.x + mouth.x) / 3;
  const cy = (leftEye.y + rightEye.y + mouth.y) / 3;
  const x = Math.floor(Math.max(0, cx - DLIB_ALIGNMENT.relX * size));
  const y = Math.floor(Math.max(0, cy - DLIB_ALIGNMENT.relY * size));
  return [x, y, x + size, y + size];
}

/** A box or something carrying one (a FaceDetection from @cnn/yolo). */
export type BoxLike = Box | { readonly box: Box };

function toBox(value: unknown, argument: string): Box {
  const box = Array.isArray(value) ? value : (value as { box?: unknown } | null)?.box;
  if (!Array.isArray(box) || box.length !== 4 || box.some((v) => typeof v !== 'number' || !Number.isFinite(v)) || box[2] < box[0] || box[3] < box[1]) {
    throw new InvalidArgumentError(argument, 'a box [x1, y1, x2, y2] in pixels (x2 >= x1, y2 >= y1) or a detection { box }', describeValue(box ?? value));
  }
  return box as Box;
}

/**
 * face-api's `clipAtImageBorders` for an xyxy box: x = max(x1, 0), y = max(y1, 0),
 * w = min(x2 − x, width − x), h = min(y2 − y, height − y), each floored; returned as xyxy integers.
 */
export function clipFaceBox(box: Box, imageWidth: number, imageHeight: number): Box {
  const b = toBox(box, 'box');
  const x = Math.max(b[0], 0);
  const y = Math.max(b[1], 0);
  const w = Math.floor(Math.min(b[2] - x, imageWidth - x));
  const h = Math.floor(Math.min(b[3] - y, imageHeight - y));
  const fx = Math.floor(x);
  const fy = Math.floor(y);
  return [fx, fy, fx + w, fy + h];
}

/** Checks a boxes argument (an array of BoxLike) and returns plain boxes. */
export function toBoxes(boxes: unknown, argument = 'boxes'): Box[] {
  if (!Array.isArray(boxes)) throw new InvalidArgumentError(argument, 'an array of boxes [x1, y1, x2, y2] or detections { box }', describeValue(boxes));
  return boxes.map((b, i) => toBox(b, `${argument}[${i}]`));
}

/** Checks an RGB/gray 0-255 image [H, W, C]. */
export function assertImage(image: unknown, argument = 'image'): asserts image is tf.Tensor3D {
  const ok = image instanceof tf.Tensor && !image.isDisposed && image.rank === 3 && (image.dtype === 'int32' || image.dtype === 'float32');
  const c = ok ? (image as tf.Tensor).shape[2] : undefined;
  if (!ok || (c !== 1 && c !== 3)) {
    throw new InvalidArgumentError(argument, 'an image tensor [height, width, 3] (or 1 for gray), int32 or float32, values 0-255', describeValue(image), c === 4 ? 'Drop the alpha channel: decodeImage(src, { channels: 3 }).' : undefined);
  }
}

/**
 * Cuts `boxes` (xyxy pixels, or detections) out of `image` after face-api's clipping (`clipFaceBox`); one
 * tensor per box, which the caller disposes. A box that clips to nothing is an InvalidArgumentError.
 */
export function cropFaces(image: tf.Tensor3D, boxes: readonly BoxLike[]): tf.Tensor3D[] {
  assertImage(image);
  const [h, w, c] = image.shape;
  return clipFaceBoxes(boxes, w, h).map(([x1, y1, x2, y2]) => tf.slice(image, [y1, x1, 0], [y2 - y1, x2 - x1, c]));
}

/** `clipFaceBox` for each box; a box that clips to nothing is an InvalidArgumentError naming its index. */
export function clipFaceBoxes(boxes: readonly BoxLike[], imageWidth: number, imageHeight: number): Box[] {
  return toBoxes(boxes).map((b, i) => {
    const r = clipFaceBox(b, imageWidth, imageHeight);
    if (r[2] - r[0] < 1 || r[3] - r[1] < 1) {
      throw new InvalidArgumentError(`boxes[${i}]`, `a box overlapping the ${imageWidth}×${imageHeight} image by at least one pixel`, `[${b.join(', ')}]`);
    }
    return r;
  });
}

/**
 * The dlib-aligned face crops for a face recognition net: `cropFaces(image, landmarks.map(alignedFaceBox))`.
 * The caller disposes the tensors.
 */
export function alignedFaceCrops(image: tf.Tensor3D, landmarks: readonly LandmarksLike[]): tf.Tensor3D[] {
  assertImage(image);
  if (!Array.isArray(landmarks)) throw new InvalidArgumentError('landmarks', 'an array of 68-point landmark sets', describeValue(landmarks));
  const boxes = landmarks.map((l, i) => {
    toPoints(l, `landmarks[${i}]`);
    return alignedFaceBox(l);
  });
  return cropFaces(image, boxes);
}
