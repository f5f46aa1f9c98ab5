/**
 * @cnn/yolo: YOLO explained by its labels (a grid over the image, one vector per cell and anchor), then a
 * detector people train on their own images, evaluate with mAP, and real Darknet and face models.
 */
export * from './targets/index.js';
export * from './darknet/index.js';
export * from './eval/index.js';
export * from './data/index.js';
export * from './face/index.js';
export * from './pictures/index.js';
export * from './train/index.js';
