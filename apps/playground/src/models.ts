/**
 * The models of the demos, loaded once from the files vite.config.ts serves next to the page (the weights
 * @cnn/yolo ships), with the packages' own functions: no model code lives here.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fetchWeights } from '@cnn/ops';
import { createDetector, createFaceDetector, setTinyFaceDetectorWeights, tinyFaceDetector, type Detector, type DetectorFile, type FaceDetector } from '@cnn/yolo';
import { randomMultiScaleFeatures, type VggFeatures } from '@cnn/style';

/** A file served beside the page (vite.config.ts RUNTIME_FILES), as an absolute URL. */
export const pageUrl = (path: string): string => new URL(path, document.baseURI).href;

export const SHAPES_DETECTOR_DIR = 'models/shapes-detector/';
export const FACE_DETECTOR_MANIFEST = 'models/tiny-face-detector/tiny_face_detector_model-weights_manifest.json';

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

/** The shapes detector: its model.json through tfjs-layers, its anchors and labels from detector.json. */
export const shapesDetector = once(async (): Promise<Detector> => {
  const res = await fetch(pageUrl(`${SHAPES_DETECTOR_DIR}detector.json`));
  if (!res.ok) throw new Error(`Cannot fetch ${SHAPES_DETECTOR_DIR}detector.json: HTTP ${res.status}`);
  const file = (await res.json()) as DetectorFile;
  const model = await tfl.loadLayersModel(pageUrl(`${SHAPES_DETECTOR_DIR}model.json`));
  return createDetector(model, { anchors: file.anchors, labels: file.labels, inputSize: file.inputSize }, file.info);
});

/** face-api's tiny face detector: @cnn/yolo's network with the shipped weights fetched by @cnn/ops. */
export const faceDetector = once(async (): Promise<FaceDetector> => {
  const weights = await fetchWeights(pageUrl(FACE_DETECTOR_MANIFEST));
  try {
    const model = tinyFaceDetector();
    try {
      setTinyFaceDetectorWeights(model, weights);
    } catch (err) {
      model.dispose();
      throw err;
    }
    return await createFaceDetector({ model });
  } finally {
    tf.dispose(Object.values(weights));
  }
});

/**
 * @cnn/style's download-free features: what `vggFeatures()` falls back to when the ImageNet VGG-19 weights
 * (an 80 MB Keras .h5 file that it finds on the file system or downloads) are not there, as in a page.
 */
export const styleFeatures = once(async (): Promise<VggFeatures> => randomMultiScaleFeatures());
