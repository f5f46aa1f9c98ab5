/**
 * The whole path from a photo to face descriptors: detect (@cnn/yolo's tiny face detector), find 68
 * landmarks, align, embed (dlib's ResNet descriptor):
 *
 *     const faces = await createFacePipeline();   // in a browser: createFacePipeline({ faceApiModelDir: '/models/' })
 *     const found = await faces.describe(photo);          // every face: box, score, landmarks, descriptor
 *     const one = await faces.describeSingle(portrait);    // the most prominent face (enrollment)
 *     faces.dispose();
 *
 * Alignment (`alignment`):
 * - 'chip' (default): dlib's face chip — a rotation + scale + shift that puts the eyes and nose on dlib's
 *   template, 150 px with 25% padding, which is what dlib's net was trained on (`extractFaceChips`);
 * - 'dlib-box': face-api's alignment — an axis-aligned square from the eye and mouth centres (`alignedFaceBox`);
 * - 'box': the detector's box grown by `margin` on every side, no landmarks.
 * `flip: true` also embeds each face mirrored and averages the two descriptors (test-time augmentation).
 */
import * as tf from '@tensorflow/tfjs-core';
import { AbortedError, CnnError, InvalidArgumentError, describeValue, isWeightsUrl, type Box } from '@cnn/ops';
import { createFaceDetector, type DetectFacesOptions, type FaceDetector } from '@cnn/yolo';
import { alignedFaceCrops, createFaceEmbedder, createFaceLandmarker, cropFaces, type EmbedOptions, type FaceEmbedder, type FaceLandmarker, type LandmarkPoint } from '../net/index.js';
import { extractFaceChips, type FaceChipOptions } from './chip.js';

export type FaceAlignment = 'chip' | 'dlib-box' | 'box';
export const FACE_ALIGNMENTS: readonly FaceAlignment[] = ['chip', 'dlib-box', 'box'];

export interface FacePipelineOptions {
  /** Alignment of each face before embedding (default 'chip'). */
  alignment?: FaceAlignment;
  /** For alignment 'box': fraction of the box's width/height added on each side (default 0.1). */
  margin?: number;
  /** Also embed the mirrored face and average (default false). */
  flip?: boolean;
  /** Chip size and padding for alignment 'chip' (default 150, 0.25). */
  chip?: FaceChipOptions;
  /** Detector options (inputSize default 416, scoreThreshold default 0.5, iouThreshold). */
  detection?: DetectFacesOptions;
  /** Embedding options (batchSize, divisor). */
  embed?: EmbedOptions;
  /** Use these instead of loading the pretrained ones; the pipeline does not dispose what it was given. */
  detector?: FaceDetector;
  landmarker?: FaceLandmarker;
  embedder?: FaceEmbedder;
  /**
   * Folder of face-api's weights for the landmark and recognition nets (default: the installed
   * @vladmandic/face-api). In a browser, the URL of a folder serving face-api's model files (like face-api.js's
   * `loadFromUri`): then the tiny face detector's weights (tiny_face_detector_model-*) load from it too.
   */
  faceApiModelDir?: string;
}

/** One face found and described. */
export interface DescribedFace {
  /** Where the face is, xyxy image pixels (the detector's box; the whole image when none was detected). */
  box: Box;
  /** Detector score (0 when the whole image was used as the face). */
  score: number;
  /** 68 landmarks in image pixels (absent with alignment 'box'). */
  landmarks?: LandmarkPoint[];
  /** The 128-number descriptor. */
  descriptor: Float32Array;
}

export interface DescribeOptions {
  /** Faces aligned and embedded per step (default 8). */
  chunk?: number;
  /** Called after each step with the faces described so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Checked before each step; an aborted signal stops with an AbortedError. */
  signal?: AbortSignal;
}

function readDescribeOptions(options: unknown): { chunk: number; onProgress?: (done: number, total: number) => void; signal?: AbortSignal } {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', '{ chunk?, onProgress?, signal? }', describeValue(options));
  const o = options as DescribeOptions;
  const chunk = o.chunk ?? 8;
  if (!Number.isInteger(chunk) || chunk < 1) throw new InvalidArgumentError('options.chunk', 'an integer >= 1', describeValue(o.chunk));
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new InvalidArgumentError('options.onProgress', 'a function (done, total) => void', describeValue(o.onProgress));
  return { chunk, ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.signal ? { signal: o.signal } : {}) };
}

export interface DescribeSingleOptions {
  /**
   * When the detector finds no face: 'whole-image' (default) treats the whole picture as the face (fine for
   * passport-style crops such as the AT&T set), 'error' throws a NoFaceFoundError.
   */
  fallback?: 'whole-image' | 'error';
}

/** No face was found in an image that needed one. */
export class NoFaceFoundError extends CnnError {
  constructor(message: string) {
    // @cnn/ops has no code for "nothing found": the picture is the argument that did not fit.
    super('INVALID_ARGUMENT', message);
  }
}

interface Resolved {
  alignment: FaceAlignment;
  margin: number;
  flip: boolean;
  chip: FaceChipOptions;
}

function readPipelineOptions(options: unknown): Resolved {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const o = options as FacePipelineOptions;
  const alignment = o.alignment ?? 'chip';
  if (!FACE_ALIGNMENTS.includes(alignment)) throw new InvalidArgumentError('options.alignment', `one of ${FACE_ALIGNMENTS.map((a) => `'${a}'`).join(', ')}`, describeValue(o.alignment));
  const margin = o.margin ?? 0.1;
  if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0 || margin > 1) throw new InvalidArgumentError('options.margin', 'a fraction from 0 to 1', describeValue(o.margin));
  const flip = o.flip ?? false;
  if (typeof flip !== 'boolean') throw new InvalidArgumentError('options.flip', 'true or false', describeValue(o.flip));
  const chip = o.chip ?? {};
  if (chip === null || typeof chip !== 'object') throw new InvalidArgumentError('options.chip', '{ size?, padding? }', describeValue(o.chip));
  return { alignment, margin, flip, chip };
}

function assertPicture(image: unknown, argument = 'image'): asserts image is tf.Tensor3D {
  if (!(image instanceof tf.Tensor) || image.rank !== 3 || image.shape[0] < 2 || image.shape[1] < 2 || ![1, 3].includes(image.shape[2]!)) {
    throw new InvalidArgumentError(argument, 'a picture tensor [height, width, 3] (or 1 for gray), values 0-255', describeValue(image), 'Decode it with @cnn/ops decodeImage.');
  }
}

export class FacePipeline {
  readonly detector: FaceDetector;
  readonly landmarker: FaceLandmarker;
  readonly embedder: FaceEmbedder;
  readonly options: Readonly<Resolved> & { detection: DetectFacesOptions; embed: EmbedOptions };
  private readonly owned: { dispose(): void }[];
  private disposed = false;

  constructor(parts: { detector: FaceDetector; landmarker: FaceLandmarker; embedder: FaceEmbedder; owned?: { dispose(): void }[] }, options: FacePipelineOptions = {}) {
    const resolved = readPipelineOptions(options);
    this.detector = parts.detector;
    this.landmarker = parts.landmarker;
    this.embedder = parts.embedder;
    this.owned = parts.owned ?? [];
    this.options = { ...resolved, detection: { ...(options.detection ?? {}) }, embed: { ...(options.embed ?? {}) } };
  }

  private live(): void {
    if (this.disposed) throw new InvalidArgumentError('this', 'a live FacePipeline', 'a disposed one', 'Create a new pipeline.');
  }

  /** Faces found by the detector, best score first: { box, score } (xyxy pixels). */
  async detect(image: tf.Tensor3D): Promise<{ box: Box; score: number }[]> {
    this.live();
    assertPicture(image);
    const rgb = image.shape[2] === 1 ? tf.tile(image, [1, 1, 3]) : image;
    try {
      const found = await this.detector.detect(rgb as tf.Tensor3D, this.options.detection);
      return found.map((f) => ({ box: f.box, score: f.score })).sort((a, b) => b.score - a.score);
    } finally {
      if (rgb !== image) rgb.dispose();
    }
  }

  /** Aligned face crops for the given face boxes (what the embedder sees); the caller disposes them. */
  async align(image: tf.Tensor3D, boxes: readonly Box[]): Promise<{ faces: tf.Tensor3D[]; landmarks?: LandmarkPoint[][] }> {
    this.live();
    assertPicture(image);
    if (boxes.length === 0) return { faces: [] };
    const { alignment, margin } = this.options;
    if (alignment === 'box') {
      const grown = boxes.map((b) => {
        const dx = (b[2] - b[0]) * margin;
        const dy = (b[3] - b[1]) * margin;
        return [b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy] as Box;
      });
      // cropFaces clips each box at the picture's borders.
      return { faces: cropFaces(image, grown) };
    }
    const marks = await this.landmarker.detect(image, boxes as Box[]);
    const landmarks = marks.map((m) => m.positions);
    if (alignment === 'dlib-box') return { faces: alignedFaceCrops(image, landmarks), landmarks };
    const chips = extractFaceChips(image, landmarks, this.options.chip);
    const faces = tf.unstack(chips) as tf.Tensor3D[];
    chips.dispose();
    return { faces, landmarks };
  }

  /** Descriptors of aligned face crops (mirrored too with `flip`, averaged). */
  async embedFaces(faces: readonly tf.Tensor3D[]): Promise<Float32Array[]> {
    this.live();
    if (faces.length === 0) return [];
    const descriptors = await this.embedder.embed(faces, this.options.embed);
    if (!this.options.flip) return descriptors;
    const mirrored = faces.map((f) => tf.reverse(f, 1));
    try {
      const flipped = await this.embedder.embed(mirrored, this.options.embed);
      return descriptors.map((d, i) => d.map((v, k) => (v + flipped[i]![k]!) / 2));
    } finally {
      tf.dispose(mirrored);
    }
  }

  /** Every face in the picture, described (best detector score first). */
  async describe(image: tf.Tensor3D, options: DescribeOptions = {}): Promise<DescribedFace[]> {
    readDescribeOptions(options);
    const found = await this.detect(image);
    return this.describeBoxes(image, found, options);
  }

  /**
   * Describes the faces at the given boxes (e.g. from your own detector), `options.chunk` faces at a time
   * (default 8): `onProgress(done, total)` after each chunk, and `signal` is checked before each one (an
   * AbortedError; nothing is left allocated).
   */
  async describeBoxes(image: tf.Tensor3D, found: readonly { box: Box; score?: number }[], options: DescribeOptions = {}): Promise<DescribedFace[]> {
    this.live();
    assertPicture(image);
    const { chunk, signal, onProgress } = readDescribeOptions(options);
    const out: DescribedFace[] = [];
    for (let start = 0; start < found.length; start += chunk) {
      if (signal?.aborted) throw new AbortedError(`face description (after ${start} of ${found.length} faces)`);
      const part = found.slice(start, start + chunk);
      const { faces, landmarks } = await this.align(image, part.map((f) => f.box));
      try {
        const descriptors = await this.embedFaces(faces);
        part.forEach((f, i) => out.push({ box: f.box, score: f.score ?? 0, ...(landmarks ? { landmarks: landmarks[i]! } : {}), descriptor: descriptors[i]! }));
      } finally {
        tf.dispose(faces);
      }
      onProgress?.(out.length, found.length);
    }
    return out;
  }

  /**
   * The most prominent face (largest detected box; for enrollment and verification photos that show one
   * person). With no detection: the whole picture (`fallback: 'whole-image'`, default) or a NoFaceFoundError.
   */
  async describeSingle(image: tf.Tensor3D, options: DescribeSingleOptions = {}): Promise<DescribedFace> {
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', '{ fallback? }', describeValue(options));
    const fallback = options.fallback ?? 'whole-image';
    if (fallback !== 'whole-image' && fallback !== 'error') throw new InvalidArgumentError('options.fallback', "'whole-image' or 'error'", describeValue(options.fallback));
    const found = await this.detect(image);
    const area = (b: Box) => (b[2] - b[0]) * (b[3] - b[1]);
    const best = found.sort((a, b) => area(b.box) - area(a.box))[0];
    if (!best && fallback === 'error') throw new NoFaceFoundError(`No face scored above the detector's threshold in the ${image.shape[1]}×${image.shape[0]} picture. Try a lower detection.scoreThreshold, a larger detection.inputSize, or fallback 'whole-image' for tight face crops.`);
    const face = best ?? { box: [0, 0, image.shape[1], image.shape[0]] as Box, score: 0 };
    const [described] = await this.describeBoxes(image, [face]);
    return described!;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const part of this.owned) part.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

/** A FacePipeline with the pretrained nets (those not given in `options` are loaded and owned by it). */
export async function createFacePipeline(options: FacePipelineOptions = {}): Promise<FacePipeline> {
  readPipelineOptions(options);
  const owned: { dispose(): void }[] = [];
  try {
    const dir = options.faceApiModelDir;
    // face-api's model folder holds the tiny face detector too; from a URL (a browser) it is the only source.
    const detector = options.detector ?? (await createFaceDetector({ defaults: { inputSize: 416 }, ...(dir !== undefined && isWeightsUrl(dir) ? { weightsPath: dir } : {}) }));
    if (!options.detector) owned.push(detector);
    const landmarker = options.landmarker ?? (await createFaceLandmarker(options.faceApiModelDir ? { weightsPath: options.faceApiModelDir } : {}));
    if (!options.landmarker) owned.push(landmarker);
    const embedder = options.embedder ?? (await createFaceEmbedder(options.faceApiModelDir ? { weightsPath: options.faceApiModelDir } : {}));
    if (!options.embedder) owned.push(embedder);
    return new FacePipeline({ detector, landmarker, embedder, owned }, options);
  } catch (err) {
    for (const part of owned) part.dispose();
    throw err;
  }
}
