/** Darknet: `.cfg` + `.weights` -> a tfjs-layers model, and decoding of its YOLOv3-style heads. */
export { DarknetCfgError } from './errors.js';
export {
  parseDarknetCfg,
  DARKNET_ACTIVATIONS,
  type DarknetActivation,
  type DarknetCfg,
  type DarknetSection,
  type DarknetLayerSection,
  type DarknetNetSection,
  type DarknetConvSection,
  type DarknetMaxPoolSection,
  type DarknetAvgPoolSection,
  type DarknetRouteSection,
  type DarknetShortcutSection,
  type DarknetUpsampleSection,
  type DarknetDropoutSection,
  type DarknetYoloSection,
  type DarknetRegionSection,
} from './cfg.js';
export { readDarknetWeights, type DarknetWeights, type DarknetWeightsHeader } from './weights.js';
export { darknetShapes, convParamCount, type DarknetShape, type DarknetShapes } from './shapes.js';
export { DarknetChannelSlice, DarknetMaxPool2D, registerDarknetLayers, type DarknetChannelSliceArgs, type DarknetMaxPool2DArgs } from './layers.js';
export {
  darknetModel,
  darknetParamCount,
  DARKNET_BN_EPSILON,
  DARKNET_LEAKY_ALPHA,
  type DarknetHead,
  type DarknetMeta,
  type DarknetModel,
  type DarknetModelOptions,
} from './model.js';
export { decodeYoloV3, type DecodeYoloV3Options, type YoloDetection } from './decode.js';
export {
  prepareDarknetInput,
  loadDarknetDetector,
  type PreparedDarknetInput,
  type DarknetDetector,
  type DarknetDetectorOptions,
  type DarknetDetectOptions,
} from './detector.js';
