/**
 * Fast style transfer (Johnson et al. 2016): a transform network stylizes in one forward pass. Build it
 * (`transformNet`), load ml5-format nets (`loadFastStyle`), run it (`fastStylize`), train it with this
 * package's costs (`trainFastStyle`) and save it in ml5's format (`writeFastStyle`).
 */
export { InstanceNormalization, instanceNorm, registerFastStyleLayers, ScaledTanh, type InstanceNormalizationArgs, type ScaledTanhArgs } from './layers.js';
export { DEFAULT_TRANSFORM_FILTERS, fastStyleLayout, fastStyleVariableName, transformNet, transformNetConfig, type FastStyleLayerSlot, type TransformNetOptions } from './transform-net.js';
export { fastStylize, padToMultiple } from './fast-stylize.js';
export { loadFastStyle, readFastStyleManifest, resolveFastStyleDir, writeFastStyle, type FastStyleManifest, type FastStyleManifestEntry, type LoadFastStyleOptions } from './load-fast-style.js';
export { trainFastStyle, type ContentImages, type FastStyleStepLosses, type TrainFastStyleOptions, type TrainFastStyleResult } from './train-fast-style.js';
