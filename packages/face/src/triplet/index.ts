/**
 * Training your own face embeddings: the triplet loss with online mining (batch-all, batch-hard, semi-hard),
 * P×K batches, a small ResNet embedding net, the training loop, the Siamese binary-classification variant,
 * the AT&T faces loader and a minimal one-shot rank-1 score.
 */
export { tripletLoss, tripletLossWithStats, tripletLossFromTriplets, TRIPLET_MINING, TRIPLET_DISTANCES } from './triplet-loss.js';
export type { TripletMining, TripletDistance, TripletLossOptions, TripletStats, TripletLossResult } from './triplet-loss.js';
export { L2Normalization, PairFeatures, PAIR_FEATURES, registerFaceTrainingLayers } from './layers.js';
export type { L2NormalizationArgs, PairFeature, PairFeaturesArgs } from './layers.js';
export { createEmbeddingNet, computeEmbeddings, embeddingNetInput, loadEmbeddingNet } from './embedding-net.js';
export type { EmbeddingNetOptions } from './embedding-net.js';
export { createPKSampler } from './pk-batches.js';
export type { PKSampler, PKSamplerOptions } from './pk-batches.js';
export { trainEmbedding } from './train-embedding.js';
export type { EmbeddingAugmentation, EmbeddingData, EmbeddingEpochLog, EmbeddingStepLog, EmbeddingTrainHistory, TrainEmbeddingOptions } from './train-embedding.js';
export { loadAttFaces } from './att-faces.js';
export { loadFacePictures, type LoadFacePicturesOptions } from './face-pictures.js';
export type { AttFacesOptions, FaceDataset } from './att-faces.js';
export { oneShotRank1 } from './one-shot.js';
export type { OneShotResult } from './one-shot.js';
export { siameseHead, makeSiamesePairs, trainSiameseHead } from './siamese-head.js';
export type { SiameseHeadOptions, SiameseTrainData, SiameseEpochLog, SiameseTrainHistory, TrainSiameseOptions, SiamesePairs } from './siamese-head.js';
