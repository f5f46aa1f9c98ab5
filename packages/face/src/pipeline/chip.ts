/**
 * dlib's face chips (`get_face_chip_details(shape, 150, 0.25)` + `extract_image_chip`, the input dlib's
 * ResNet face descriptor was trained on): a similarity transform (scale, rotation, shift — no shear) that
 * puts five landmarks on dlib's canonical template, then bilinear sampling of a size × size chip. The eyes
 * end up level and at fixed places, which face-api's axis-aligned square (`alignedFaceBox`) does not do.
 *
 * The five points are dlib's 5-point model's, taken from the 68 landmarks: the outer and inner corners of
 * the eye on the image's right (68-point indices 45, 42), of the eye on the image's left (36, 39), and the
 * base of the nose (33). Template (dlib interpolation.h), on the unit square before padding:
 *   (0.8595674595992, 0.2134981538014) (0.6460604764104, 0.2289674387677)
 *   (0.1205750620789, 0.2137274526848) (0.3340850613712, 0.2290642403242) (0.4901123135679, 0.6277975316475)
 * With padding p a template point t maps to (p + t) / (1 + 2p) × size.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import type { LandmarkPoint, LandmarksLike } from '../net/index.js';

/** dlib's canonical 5-point template on the unit square (before padding). */
export const DLIB_CHIP_TEMPLATE: readonly (readonly [number, number])[] = [
  [0.8595674595992, 0.2134981538014],
  [0.6460604764104, 0.2289674387677],
  [0.1205750620789, 0.2137274526848],
  [0.3340850613712, 0.2290642403242],
  [0.4901123135679, 0.6277975316475],
];
/** The 68-point indices matching the template's five points. */
export const DLIB_CHIP_LANDMARKS: readonly number[] = [45, 42, 36, 39, 33];
/** dlib's face-recognition example: 150 px chips with 25% padding. */
export const DLIB_CHIP_SIZE = 150;
export const DLIB_CHIP_PADDING = 0.25;

export interface FaceChipOptions {
  /** Side of the chip in pixels (default 150). */
  size?: number;
  /** Border around the template, as a fraction of its size (default 0.25). */
  padding?: number;
}

/** A similarity transform from chip pixels to image pixels: x = a·u − b·v + tx, y = b·u + a·v + ty. */
export interface ChipTransform {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

function readChipOptions(options: unknown): { size: number; padding: number } {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { size?, padding? }', describeValue(options));
  const o = options as FaceChipOptions;
  const size = o.size ?? DLIB_CHIP_SIZE;
  const padding = o.padding ?? DLIB_CHIP_PADDING;
  if (!Number.isInteger(size) || size < 8) throw new InvalidArgumentError('options.size', 'an integer >= 8 (pixels)', describeValue(o.size));
  if (typeof padding !== 'number' || !Number.isFinite(padding) || padding < 0 || padding > 2) throw new InvalidArgumentError('options.padding', 'a number from 0 to 2', describeValue(o.padding));
  return { size, padding };
}

function fivePoints(landmarks: unknown, argument: string): LandmarkPoint[] {
  const points = Array.isArray(landmarks) ? landmarks : (landmarks as { positions?: unknown } | null)?.positions;
  if (!Array.isArray(points) || (points.length !== 68 && points.length !== 5)) {
    throw new InvalidArgumentError(argument, '68 landmarks (a FaceLandmarker result or { x, y }[]) or dlib\'s 5 points', describeValue(landmarks));
  }
  const picked = points.length === 5 ? points : DLIB_CHIP_LANDMARKS.map((i) => points[i]);
  return picked.map((p: unknown, i) => {
    const q = p as LandmarkPoint | null;
    if (q === null || typeof q !== 'object' || !Number.isFinite(q.x) || !Number.isFinite(q.y)) throw new InvalidArgumentError(`${argument} point ${i}`, 'a point { x, y } of finite numbers', describeValue(p));
    return { x: q.x, y: q.y };
  });
}

/**
 * The least-squares similarity transform taking chip pixels to image pixels for one face (the chip's
 * template points land on the face's landmarks as closely as a similarity allows).
 */
export function faceChipTransform(landmarks: LandmarksLike | readonly LandmarkPoint[], options: FaceChipOptions = {}): ChipTransform {
  const { size, padding } = readChipOptions(options);
  const to = fivePoints(landmarks, 'landmarks');
  const from = DLIB_CHIP_TEMPLATE.map(([u, v]) => [((padding + u) / (1 + 2 * padding)) * size, ((padding + v) / (1 + 2 * padding)) * size] as const);
  // Centre both point sets; then a = Σ(u·x + v·y) / Σ(u² + v²), b = Σ(u·y − v·x) / Σ(u² + v²) (Umeyama, no reflection).
  const n = from.length;
  const mu = from.reduce((s, p) => s + p[0], 0) / n;
  const mv = from.reduce((s, p) => s + p[1], 0) / n;
  const mx = to.reduce((s, p) => s + p.x, 0) / n;
  const my = to.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let cross = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const u = from[i]![0] - mu;
    const v = from[i]![1] - mv;
    const x = to[i]!.x - mx;
    const y = to[i]!.y - my;
    num += u * x + v * y;
    cross += u * y - v * x;
    den += u * u + v * v;
  }
  const a = num / den;
  const b = cross / den;
  if (!(Math.hypot(a, b) > 1e-6)) throw new InvalidArgumentError('landmarks', 'landmarks spread over a face (eyes and nose at distinct places)', 'points that all coincide');
  return { a, b, tx: mx - (a * mu - b * mv), ty: my - (b * mu + a * mv) };
}

/**
 * dlib face chips of `image` ([H, W, C], 0-255) for each face's landmarks: [faces, size, size, C] float32.
 * Pixels outside the image are 0 (as dlib). When a chip shrinks the face by more than 2×, the image is
 * first halved (2×2 averages) as often as needed, like dlib's pyramid, so the sampling does not alias.
 */
export function extractFaceChips(image: tf.Tensor3D, landmarks: readonly (LandmarksLike | readonly LandmarkPoint[])[], options: FaceChipOptions = {}): tf.Tensor4D {
  if (!(image instanceof tf.Tensor) || image.rank !== 3 || image.shape[0] < 1 || image.shape[1] < 1 || ![1, 3].includes(image.shape[2])) {
    throw new InvalidArgumentError('image', 'an image tensor [height, width, 3] (or 1 for gray), values 0-255', describeValue(image));
  }
  if (!Array.isArray(landmarks) || landmarks.length === 0) throw new InvalidArgumentError('landmarks', 'a non-empty list of 68-point landmarks, one per face', describeValue(landmarks));
  const { size, padding } = readChipOptions(options);
  const transforms = landmarks.map((l, i) => {
    try {
      return faceChipTransform(l, { size, padding });
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(`landmarks[${i}]`, 'the 68 landmarks of a face', describeValue(l), err.message);
      throw err;
    }
  });
  return tf.tidy(() => {
    const base = tf.cast(image, 'float32');
    const chips = transforms.map((t) => {
      // Image pixels per chip pixel; halve the image while a chip pixel still spans more than 2 of them.
      let scale = Math.hypot(t.a, t.b);
      let level: tf.Tensor3D = base;
      let factor = 1;
      while (scale > 2 && level.shape[0] >= 4 && level.shape[1] >= 4) {
        const h = Math.floor(level.shape[0] / 2);
        const w = Math.floor(level.shape[1] / 2);
        level = tf.avgPool(tf.slice(level, [0, 0, 0], [2 * h, 2 * w, -1]), 2, 2, 'valid');
        factor *= 2;
        scale /= 2;
      }
      // Image pixel centres at integers (the transform's convention); a halved level has pixel k at 2k + 0.5.
      const a = t.a / factor;
      const b = t.b / factor;
      const tx = (t.tx - (factor - 1) / 2) / factor;
      const ty = (t.ty - (factor - 1) / 2) / factor;
      const matrix = tf.tensor2d([[a, -b, tx, b, a, ty, 0, 0]]);
      return tf.image.transform(tf.expandDims(level, 0) as tf.Tensor4D, matrix, 'bilinear', 'constant', 0, [size, size]);
    });
    return tf.concat(chips, 0) as tf.Tensor4D;
  });
}
