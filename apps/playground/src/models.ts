/**
 * The models of the demos, loaded once from the files vite.config.ts serves next to the page (the weights
 * @cnn/yolo ships, face-api's for @cnn/face), with the packages' own functions: no model code lives here.
 */
import { FacePipeline, createFaceEmbedder, createFaceLandmarker, type FaceEmbedder, type FaceLandmarker } from '@cnn/face';
import { createFaceDetector, loadDetector, type Detector, type FaceDetector } from '@cnn/yolo';
import { randomMultiScaleFeatures, type VggFeatures } from '@cnn/style';

/** A file served beside the page (vite.config.ts RUNTIME_FILES), as an absolute URL. */
export const pageUrl = (path: string): string => new URL(path, document.baseURI).href;

export const SHAPES_DETECTOR_DIR = 'models/shapes-detector/';
export const FACE_DETECTOR_DIR = 'models/tiny-face-detector/';
/** face-api's weights manifests (and .bin files) for @cnn/face's landmark and recognition nets. */
export const FACE_API_DIR = 'models/face-api/';

const once = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((err: unknown) => {
      pending = undefined; // a failed load may be retried
      throw err;
    });
    return pending;
  };
};

/** The shapes detector @cnn/yolo ships (detector.json + model.json), from its folder's URL. */
export const shapesDetector = once(async (): Promise<Detector> => loadDetector(pageUrl(SHAPES_DETECTOR_DIR)));

// The packages' loaders take the URL of a folder serving the weights (fetched by @cnn/ops, names and shapes
// checked by each package's setter), as they take a folder on disk in Node.

/** face-api's tiny face detector: @cnn/yolo's network with the weights @cnn/yolo ships. */
export const faceDetector = once(async (): Promise<FaceDetector> => createFaceDetector({ weightsPath: pageUrl(FACE_DETECTOR_DIR) }));

/** @cnn/face's 68-point landmark net with face-api's weights. */
export const faceLandmarker = once(async (): Promise<FaceLandmarker> => createFaceLandmarker({ weightsPath: pageUrl(FACE_API_DIR) }));

/** @cnn/face's face descriptor net (dlib's ResNet) with face-api's weights (the setter folds their scale layers). */
export const faceEmbedder = once(async (): Promise<FaceEmbedder> => createFaceEmbedder({ weightsPath: pageUrl(FACE_API_DIR) }));

/**
 * @cnn/face's pipeline (detect, 68 landmarks, dlib face chip, 128-number descriptor) over the three nets
 * above, with its defaults (detector input 416 px, score ≥ 0.5; 'chip' alignment). It does not own them.
 */
export const facePipeline = once(async (): Promise<FacePipeline> => new FacePipeline({ detector: await faceDetector(), landmarker: await faceLandmarker(), embedder: await faceEmbedder() }));

/**
 * @cnn/style's download-free features: what `vggFeatures()` falls back to when the ImageNet VGG-19 weights
 * (an 80 MB Keras .h5 file that it finds on the file system or downloads) are not there, as in a page.
 */
export const styleFeatures = once(async (): Promise<VggFeatures> => randomMultiScaleFeatures());
