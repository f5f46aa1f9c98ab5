/**
 * The Keras rule for frozen batch normalization (a frozen BN layer runs in inference mode even under
 * `training: true`), which tfjs-layers 4.22 lacks. It lives in @cnn/architectures, shared with @cnn/yolo's
 * detector training; re-exported here so @cnn/transfer's API stays as it was. The classifier recipe installs
 * it on its models (loadBackbone, and every Classifier, created or loaded).
 */
export { allLayers, applyKerasBatchNormRule, hasKerasBatchNormRule, isBatchNormalization, isFrozen } from '@cnn/architectures';
