export * from './box-format.js';
export * from './iou.js';
export * from './nms.js';
export * from './box-losses.js';
