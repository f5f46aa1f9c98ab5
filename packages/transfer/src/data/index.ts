/**
 * Data for transfer learning: image folders (one folder per class), stratified splits, class weights,
 * lazily decoded batches with bounded memory, and seeded augmentation on tensors.
 */
// Image folders moved to @cnn/ops (face data sets use them too); re-exported so this package's API is unchanged.
export { readImageFolder, IMAGE_EXTENSIONS, ImageFolderError, type ImageFolder, type ImageItem, type ReadImageFolderOptions } from '@cnn/ops';
export { splitStratified, splitCounts, type SplitStratifiedOptions, type StratifiedSplit } from './split-stratified.js';
export { classWeights, type ClassWeightsOptions } from './class-weights.js';
export { ImageBatches, createBatches, type CreateBatchesOptions, type ImageBatch } from './image-batches.js';
export {
  augmentation,
  colorShift,
  compose,
  randomCropZoom,
  randomFlip,
  randomRotation,
  rotationTransform,
  type Augment,
  type AugmentationConfig,
  type ColorShiftOptions,
  type FillMode,
  type FlipMode,
  type RandomCropZoomOptions,
  type RandomFlipOptions,
  type RandomOptions,
  type RandomRotationOptions,
} from './augment.js';
export {
  IMAGENET_COLOR_PCA,
  computeColorPca,
  pcaColorAugment,
  pcaColorShift,
  symmetricEigen3,
  type ColorPca,
  type ComputeColorPcaOptions,
  type ImageLoader,
  type PcaColorAugmentOptions,
} from './color-pca.js';
export { mixSeed, seededRandom, type Random } from './random.js';
