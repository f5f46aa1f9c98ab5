/**
 * 68 facial landmarks with the pretrained FaceLandmark68Net:
 *
 *     const landmarker = await createFaceLandmarker();        // weights from @vladmandic/face-api
 *     const faces = await detector.detect(image);             // @cnn/yolo FaceDetector
 *     const marks = await landmarker.detect(image, faces);    // [{ positions: [{ x, y } × 68], box }]
 *     const crops = alignedFaceCrops(image, marks);           // dlib-aligned, for FaceEmbedder
 *     landmarker.dispose();
 *
 * Output mapping (face-api's `FaceLandmark68NetBase.postProcess`): the net sees the crop padded to a centred
 * square and resized to 112; with s = 112 / max(w, h) and the crop's scaled size w' = w·s, h' = h·s, the
 * padding on the short axis is |w' − h'| / 2 and a point is
 *   x = (out_x · 112 − padX) / w' · w + x0,   y = (out_y · 112 − padY) / h' · h + y0,
 * where (x0, y0) is the crop's top-left corner in the image. face-api adds the detection box's unrounded corner
 * there while it cuts the crop at the floored one; here the crop's own corner is used (a shift below 1 px).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, describeValue, type Box } from '@cnn/ops';
import { assertImage, clipFaceBoxes, cropFaces, type BoxLike, type LandmarkPoint } from './align.js';
import { FACE_LANDMARK_POINTS, loadFaceLandmark68Net } from './face-landmark-net.js';
import {
  FACE_LANDMARK_DIVISOR,
  FACE_LANDMARK_INPUT_SIZE,
  checkFaceImages,
  countFaces,
  faceLandmarkInput,
  faceSize,
  predictInBatches,
  readFaceNetRunOptions,
  type FaceImages,
} from './preprocess.js';
import { ModelHolder } from '@cnn/architectures';

/** 68 landmarks of one face. */
export interface FaceLandmarks {
  /** The 68 points (iBUG 300-W order, see LANDMARKS_68), in image pixels (crop pixels for crops). */
  positions: LandmarkPoint[];
  /** The region the net saw, xyxy in image pixels (for crops: [0, 0, width, height]). */
  box: Box;
}

export interface DetectLandmarksOptions {
  /** Faces per forward pass (default 16). */
  batchSize?: number;
  /** Divisor after the mean (default 255, as face-api). */
  divisor?: number;
}

export const DEFAULT_LANDMARK_BATCH_SIZE = 16;

const readOptions = (options: unknown, defaults: DetectLandmarksOptions): Required<DetectLandmarksOptions> => readFaceNetRunOptions(options, defaults, { batchSize: DEFAULT_LANDMARK_BATCH_SIZE, divisor: FACE_LANDMARK_DIVISOR });

/**
 * Net output (136 numbers, relative to the 112 square) -> points in pixels of a crop of `width` × `height`
 * whose top-left corner is (x0, y0), exactly as face-api's postProcess (see the module comment).
 */
export function landmarksFromNetOutput(output: ArrayLike<number>, width: number, height: number, x0 = 0, y0 = 0): LandmarkPoint[] {
  if (output === null || typeof output !== 'object' || typeof output.length !== 'number' || output.length !== 2 * FACE_LANDMARK_POINTS) {
    throw new InvalidArgumentError('output', `the net's ${2 * FACE_LANDMARK_POINTS} numbers`, describeValue(output));
  }
  const size = FACE_LANDMARK_INPUT_SIZE;
  const scale = size / Math.max(width, height);
  const w = width * scale;
  const h = height * scale;
  const padX = w < h ? Math.abs(w - h) / 2 : 0;
  const padY = h < w ? Math.abs(w - h) / 2 : 0;
  const points: LandmarkPoint[] = [];
  for (let i = 0; i < FACE_LANDMARK_POINTS; i++) {
    points.push({ x: ((output[2 * i]! * size - padX) / w) * width + x0, y: ((output[2 * i + 1]! * size - padY) / h) * height + y0 });
  }
  return points;
}

/** Holds a FaceLandmark68Net model; `detect` faces, `dispose` when done. */
export class FaceLandmarker extends ModelHolder<DetectLandmarksOptions> {
  constructor(model: tfl.LayersModel, defaults: DetectLandmarksOptions = {}) {
    super(model, defaults, 'a faceLandmark68Net() model');
    readOptions(defaults, {});
  }

  /** Landmarks of face crops (one [H, W, C], a list, or a batch [N, H, W, C]); points in crop pixels. */
  detect(faces: FaceImages, options?: DetectLandmarksOptions): Promise<FaceLandmarks[]>;
  /** Landmarks of the faces in `boxes` (xyxy pixels, or @cnn/yolo detections) of `image`; points in image pixels. */
  detect(image: tf.Tensor3D, boxes: readonly BoxLike[], options?: DetectLandmarksOptions): Promise<FaceLandmarks[]>;
  async detect(input: FaceImages, boxesOrOptions?: readonly BoxLike[] | DetectLandmarksOptions, maybeOptions?: DetectLandmarksOptions): Promise<FaceLandmarks[]> {
    this.assertLive();
    const withBoxes = Array.isArray(boxesOrOptions);
    const o = readOptions((withBoxes ? maybeOptions : boxesOrOptions) ?? {}, this.defaults);
    if (withBoxes) {
      assertImage(input);
      const [h, w] = input.shape;
      const regions = clipFaceBoxes(boxesOrOptions, w, h);
      if (regions.length === 0) return [];
      const crops = cropFaces(input, regions);
      try {
        return await this.run(crops, o, regions);
      } finally {
        tf.dispose(crops);
      }
    }
    const faces = checkFaceImages(input, 'faces');
    const regions = Array.from({ length: countFaces(faces) }, (_, i) => {
      const [h, w] = faceSize(faces, i);
      return [0, 0, w, h] as Box;
    });
    return this.run(faces, o, regions);
  }

  private async run(faces: readonly tf.Tensor3D[] | tf.Tensor4D, o: Required<DetectLandmarksOptions>, regions: readonly Box[]): Promise<FaceLandmarks[]> {
    const rows = await predictInBatches((x) => this.model.predict(x) as tf.Tensor, faces, o.batchSize, (chunk) => faceLandmarkInput(chunk, { divisor: o.divisor }));
    return rows.map((row, i) => {
      const [h, w] = faceSize(faces, i);
      const region = regions[i]!;
      return { positions: landmarksFromNetOutput(row, w, h, region[0], region[1]), box: region };
    });
  }

}

export interface CreateFaceLandmarkerOptions {
  /** Weights folder (or manifest) of face_landmark_68_model; default the installed @vladmandic/face-api's `model/`. */
  weightsPath?: string;
  /** A faceLandmark68Net() model with weights already set; used instead of loading (and owned by the landmarker). */
  model?: tfl.LayersModel;
  /** Defaults for every `detect` call. */
  defaults?: DetectLandmarksOptions;
}

/** A FaceLandmarker with the pretrained FaceLandmark68Net. */
export async function createFaceLandmarker(options: CreateFaceLandmarkerOptions = {}): Promise<FaceLandmarker> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  if (options.defaults !== undefined) readOptions(options.defaults, {});
  const model = options.model ?? (await loadFaceLandmark68Net(options.weightsPath));
  return new FaceLandmarker(model, options.defaults);
}
