/**
 * face-api's input path for its face nets, tensor branch (`NetInput.toBatchTensor(size, isCenterInputs = true)`):
 *   1. pad the short side with zeros to a max(h, w) square, centred: round(diff · 0.5) rows/columns **after**
 *      the image, the remainder before it (`padToSquare(x, true)`);
 *   2. `tf.image.resizeBilinear` to size × size (alignCorners false), skipped when already that size;
 *   3. x' = (x − mean RGB [122.782, 117.001, 104.298]) / divisor.
 * FaceRecognitionNet: size 150, divisor 256 in face-api.js (the reference descriptors); the
 * @vladmandic/face-api fork divides by 255. FaceLandmark68Net: size 112, divisor 255 in both.
 * Gray faces ([H, W, 1]) are repeated into RGB, as a canvas would.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, assertFiniteNumber, assertInteger, describeValue } from '@cnn/ops';

/** Mean RGB that face-api subtracts before its face nets (dlib's training-set mean). */
export const FACE_MEAN_RGB: readonly [number, number, number] = [122.782, 117.001, 104.298];
/** Side of the FaceRecognitionNet input. */
export const FACE_RECOGNITION_INPUT_SIZE = 150;
/** Divisor after the mean, as face-api.js (256); @vladmandic/face-api uses 255. */
export const FACE_RECOGNITION_DIVISOR = 256;
/** Side of the FaceLandmark68Net input. */
export const FACE_LANDMARK_INPUT_SIZE = 112;
/** Divisor after the mean for the landmark net (face-api.js and the fork both use 255). */
export const FACE_LANDMARK_DIVISOR = 255;

/** Face images: one [H, W, C], a list of them (any sizes), or a batch [N, H, W, C]; C is 1 (gray) or 3 (RGB), values 0-255. */
export type FaceImages = tf.Tensor3D | readonly tf.Tensor3D[] | tf.Tensor4D;

export interface FaceInputOptions {
  /** Divide by this after subtracting the mean (default: 256 for recognition, 255 for landmarks). */
  divisor?: number;
}

const IMAGE_DTYPES: readonly tf.DataType[] = ['int32', 'float32'];

function checkFace(value: unknown, argument: string, rank: 3 | 4): void {
  const ok = value instanceof tf.Tensor && !value.isDisposed && value.rank === rank && IMAGE_DTYPES.includes(value.dtype);
  const shape = ok ? (value as tf.Tensor).shape : [];
  const c = shape[rank - 1];
  if (!ok || (c !== 1 && c !== 3) || shape.some((d) => d < 1)) {
    const what = rank === 3 ? 'a face image tensor [height, width, 3] (or 1 for gray), int32 or float32, values 0-255' : 'a batch of face images [n, height, width, 3] (or 1 for gray), n >= 1';
    const hint =
      c === 4
        ? "Drop the alpha channel: decodeImage(src, { channels: 3 }) or tf.slice(image, [0, 0, 0], [-1, -1, 3])."
        : value instanceof tf.Tensor && value.rank === 2
          ? 'A gray image needs a channel axis: tf.expandDims(image, -1).'
          : value instanceof tf.Tensor && value.dtype !== 'int32' && value.dtype !== 'float32'
            ? 'Cast it first: tf.cast(image, "float32").'
            : undefined;
    throw new InvalidArgumentError(argument, what, describeValue(value), hint);
  }
}

/**
 * Checks `faces` and returns them as a list of [H, W, C] tensors, or the 4D batch itself. Throws
 * InvalidArgumentError (naming the index) for anything else; creates no tensors.
 */
export function checkFaceImages(faces: unknown, argument = 'faces'): readonly tf.Tensor3D[] | tf.Tensor4D {
  if (faces instanceof tf.Tensor && faces.rank === 4) {
    checkFace(faces, argument, 4);
    return faces as tf.Tensor4D;
  }
  if (Array.isArray(faces)) {
    if (faces.length === 0) throw new InvalidArgumentError(argument, 'at least one face image', 'an empty array');
    faces.forEach((f, i) => checkFace(f, `${argument}[${i}]`, 3));
    return faces as tf.Tensor3D[];
  }
  checkFace(faces, argument, 3);
  return [faces as tf.Tensor3D];
}

/** Number of faces in a checked `checkFaceImages` result. */
export function countFaces(faces: readonly tf.Tensor3D[] | tf.Tensor4D): number {
  return faces instanceof tf.Tensor ? faces.shape[0] : faces.length;
}

/** face-api's padToSquare(x, isCenterImage = true) on [N, H, W, C]: (before, after) zeros on the short axis. */
export function centredSquarePadding(height: number, width: number): { axis: 'height' | 'width' | null; before: number; after: number } {
  if (height === width) return { axis: null, before: 0, after: 0 };
  const diff = Math.abs(height - width);
  const after = Math.round(diff * 0.5);
  return { axis: height > width ? 'width' : 'height', before: diff - after, after };
}

function squareResize(x: tf.Tensor4D, size: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const { axis, before, after } = centredSquarePadding(h, w);
  let y = tf.cast(x, 'float32');
  if (axis === 'width') y = tf.pad(y, [[0, 0], [0, 0], [before, after], [0, 0]]);
  if (axis === 'height') y = tf.pad(y, [[0, 0], [before, after], [0, 0], [0, 0]]);
  const side = Math.max(h, w);
  if (side !== size) y = tf.image.resizeBilinear(y, [size, size], false, false);
  if (y.shape[3] === 1) y = tf.tile(y, [1, 1, 1, 3]);
  return y;
}

/**
 * Faces -> the normalized [N, size, size, 3] float32 batch (face-api's centred square + resize + mean/divisor).
 * The caller disposes the result.
 */
export function faceNetInput(faces: FaceImages, size: number, divisor: number, argument = 'faces'): tf.Tensor4D {
  const checked = checkFaceImages(faces, argument);
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) throw new InvalidArgumentError('size', 'an integer >= 1', describeValue(size));
  assertFiniteNumber(divisor, 'options.divisor', { min: Number.MIN_VALUE });
  return tf.tidy(() => {
    const square =
      checked instanceof tf.Tensor ? squareResize(checked, size) : tf.concat(checked.map((f) => squareResize(tf.expandDims(f, 0) as tf.Tensor4D, size)), 0);
    return tf.div(tf.sub(square, tf.tensor1d([...FACE_MEAN_RGB], 'float32')), tf.scalar(divisor, 'float32')) as tf.Tensor4D;
  });
}

function readDivisor(options: unknown, fallback: number): number {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { divisor? }', describeValue(options));
  const divisor = (options as FaceInputOptions).divisor ?? fallback;
  assertFiniteNumber(divisor, 'options.divisor', { min: Number.MIN_VALUE });
  return divisor;
}

/**
 * FaceRecognitionNet input [N, 150, 150, 3] for face crops (0-255, RGB or gray, any size): centred zero
 * padding to a square, bilinear resize to 150, (x − mean RGB) / 256. The caller disposes it.
 */
export function faceRecognitionInput(faces: FaceImages, options: FaceInputOptions = {}): tf.Tensor4D {
  return faceNetInput(faces, FACE_RECOGNITION_INPUT_SIZE, readDivisor(options, FACE_RECOGNITION_DIVISOR));
}

/**
 * FaceLandmark68Net input [N, 112, 112, 3]: the same path at 112 with divisor 255. The caller disposes it.
 */
export function faceLandmarkInput(faces: FaceImages, options: FaceInputOptions = {}): tf.Tensor4D {
  return faceNetInput(faces, FACE_LANDMARK_INPUT_SIZE, readDivisor(options, FACE_LANDMARK_DIVISOR));
}

/** The [height, width] of face `i` of a checked `checkFaceImages` result. */
export function faceSize(faces: readonly tf.Tensor3D[] | tf.Tensor4D, i: number): [number, number] {
  const shape = faces instanceof tf.Tensor ? faces.shape.slice(1) : faces[i]!.shape;
  return [shape[0]!, shape[1]!];
}

/**
 * Runs `model` over checked faces `batchSize` at a time (inputs from `toInput`, freed per batch) and returns
 * one output row per face (copies). Leaves no tensors behind.
 */
export async function predictInBatches(
  predict: (input: tf.Tensor4D) => tf.Tensor,
  faces: readonly tf.Tensor3D[] | tf.Tensor4D,
  batchSize: number,
  toInput: (chunk: readonly tf.Tensor3D[] | tf.Tensor4D) => tf.Tensor4D,
): Promise<Float32Array[]> {
  const n = countFaces(faces);
  const rows: Float32Array[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const y = tf.tidy(() => {
      const chunk =
        faces instanceof tf.Tensor
          ? count === n
            ? faces
            : (tf.slice(faces, [start, 0, 0, 0], [count, -1, -1, -1]) as tf.Tensor4D)
          : faces.slice(start, start + count);
      return tf.reshape(predict(toInput(chunk)), [count, -1]) as tf.Tensor2D;
    });
    let values: Float32Array;
    try {
      values = (await y.data()) as Float32Array;
    } finally {
      y.dispose();
    }
    const width = y.shape[1];
    for (let i = 0; i < count; i++) rows.push(values.slice(i * width, (i + 1) * width));
  }
  return rows;
}

/** Options of running a face net over faces: faces per forward pass and the divisor after the mean. */
export interface FaceNetRunOptions {
  batchSize?: number;
  divisor?: number;
}

/**
 * Reads `options` over `defaults` (both checked): batchSize an integer >= 1, divisor a finite number > 0; what
 * neither sets comes from `fallback` (each net's own defaults).
 */
export function readFaceNetRunOptions(options: unknown, defaults: FaceNetRunOptions, fallback: Required<FaceNetRunOptions>): Required<FaceNetRunOptions> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { batchSize?, divisor? }', describeValue(options));
  const o = { ...defaults, ...(options as FaceNetRunOptions) };
  const batchSize = o.batchSize ?? fallback.batchSize;
  assertInteger(batchSize, 'options.batchSize', 1);
  const divisor = o.divisor ?? fallback.divisor;
  if (typeof divisor !== 'number' || !Number.isFinite(divisor) || divisor <= 0) throw new InvalidArgumentError('options.divisor', 'a finite number > 0', describeValue(divisor));
  return { batchSize, divisor };
}
