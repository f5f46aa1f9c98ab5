/**
 * The pretrained face nets of face-api (dlib's ResNet face descriptor and the 68-point landmark net) rebuilt
 * as tfjs-layers models with face-api's weights, their exact preprocessing, and dlib-style alignment.
 */
export {
  FACE_LANDMARK_DIVISOR,
  FACE_LANDMARK_INPUT_SIZE,
  FACE_MEAN_RGB,
  FACE_RECOGNITION_DIVISOR,
  FACE_RECOGNITION_INPUT_SIZE,
  centredSquarePadding,
  faceLandmarkInput,
  faceRecognitionInput,
  type FaceImages,
  type FaceInputOptions,
} from './preprocess.js';
export { ChannelZeroPadding, channelZeroPadding, registerFaceLayers, type ChannelZeroPaddingArgs } from './layers.js';
export { FACE_API_PACKAGE, defaultFaceApiModelDir, readFaceApiWeights } from './face-api-weights.js';
export {
  FACE_DESCRIPTOR_SIZE,
  FACE_RECOGNITION_BLOCKS,
  FACE_RECOGNITION_FACE_API_WEIGHTS,
  FACE_RECOGNITION_MODEL,
  FACE_RECOGNITION_PARAMS,
  faceRecognitionNet,
  faceRecognitionWeightShapes,
  foldFaceRecognitionWeights,
  loadFaceRecognitionNet,
  setFaceRecognitionWeights,
  type FaceRecognitionNetOptions,
} from './face-recognition-net.js';
export {
  FACE_LANDMARK_BLOCKS,
  FACE_LANDMARK_MODEL,
  FACE_LANDMARK_PARAMS,
  FACE_LANDMARK_POINTS,
  faceLandmark68Net,
  faceLandmarkWeightNames,
  loadFaceLandmark68Net,
  setFaceLandmarkWeights,
  type FaceLandmarkNetOptions,
} from './face-landmark-net.js';
export {
  DLIB_ALIGNMENT,
  LANDMARKS_68,
  alignedFaceBox,
  alignedFaceCrops,
  clipFaceBox,
  clipFaceBoxes,
  cropFaces,
  landmarkCentre,
  type BoxLike,
  type LandmarkPoint,
  type LandmarksLike,
} from './align.js';
export {
  DEFAULT_LANDMARK_BATCH_SIZE,
  FaceLandmarker,
  createFaceLandmarker,
  landmarksFromNetOutput,
  type CreateFaceLandmarkerOptions,
  type DetectLandmarksOptions,
  type FaceLandmarks,
} from './face-landmarker.js';
export {
  DEFAULT_EMBED_BATCH_SIZE,
  FaceEmbedder,
  computeFaceDescriptor,
  createFaceEmbedder,
  disposeDefaultFaceEmbedder,
  type CreateFaceEmbedderOptions,
  type EmbedOptions,
} from './face-embedder.js';
