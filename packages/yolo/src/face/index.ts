/**
 * The pretrained face detector (face-api.js's TinyFaceDetector, a tiny YOLOv2 with depthwise-separable
 * convolutions) built from tfjs-layers layers, with face-api's weights shipped in `model/tiny-face-detector`.
 */
export {
  TINY_FACE_DETECTOR_ANCHORS,
  TINY_FACE_DETECTOR_BOX_SIZE,
  TINY_FACE_DETECTOR_MANIFEST,
  TINY_FACE_DETECTOR_MEAN_RGB,
  TINY_FACE_DETECTOR_PARAMS,
  TINY_FACE_DETECTOR_STRIDE,
  defaultTinyFaceDetectorDir,
  loadTinyFaceDetector,
  readTinyFaceDetectorWeights,
  setTinyFaceDetectorWeights,
  tinyFaceDetector,
  tinyFaceDetectorWeightNames,
  type TinyFaceDetectorOptions,
} from './tiny-face-detector.js';
export {
  DEFAULT_FACE_DIVISOR,
  DEFAULT_FACE_INPUT_SIZE,
  faceInputGeometry,
  preprocessFaceImage,
  type FaceInputGeometry,
  type FacePreprocessOptions,
} from './preprocess.js';
export {
  DEFAULT_FACE_IOU_THRESHOLD,
  DEFAULT_FACE_SCORE_THRESHOLD,
  decodeFaceGrid,
  decodeFaces,
  type DecodeFacesOptions,
  type FaceDetection,
} from './decode.js';
export {
  FaceDetector,
  createFaceDetector,
  detectFaces,
  disposeDefaultFaceDetector,
  type CreateFaceDetectorOptions,
  type DetectFacesOptions,
} from './face-detector.js';
