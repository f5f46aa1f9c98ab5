/** Box ops: formats and conversion, IoU/GIoU, NMS and Soft-NMS, IoU/GIoU losses. */
export {
  BOX_FORMATS,
  BOX_KEYS,
  type Box,
  type BoxFormat,
  type BoxLike,
  type BoxObject,
  type CxcywhBox,
  type XywhBox,
  type XyxyBox,
} from './box-types.js';
export { boxFromObject, boxToObject, convertBox, convertBoxes, type ConvertBoxesOptions } from './box-format.js';
export { assertBoxes, assertBoxFormat, assertBoxTensor } from './validate-boxes.js';
export { giou, iou, pairwiseGiou, pairwiseIou, type IouOptions } from './iou.js';
export { nonMaxSuppression, nonMaxSuppressionAsync, type Detection, type NmsOptions } from './nms.js';
export { softNms, softNmsAsync, type SoftNmsOptions } from './soft-nms.js';
export { giouLoss, iouLoss, type BoxLossOptions } from './box-losses.js';
