/**
 * YOLO's labels, the course's way: grid targets (encode/decode), anchor boxes (k-means), the loss, the
 * decoding of a YOLOv2 head with NMS, and a head to put on any backbone. A YOLOv2 pipeline uses
 * `sizeEncoding: 'logAnchor'` in both encodeTargets and yoloLoss (the default 'image' is YOLOv1's):
 *
 *     const { anchors } = kmeansAnchors(boxSizesInCells, 5);
 *     const model = yoloHead(await mobilenet({ includeTop: false, inputShape: [416, 416, 3] }), { anchors, classes: 3 });
 *     const spec = { grid: 13, anchors, classes: 3, imageSize: [416, 416], sizeEncoding: 'logAnchor' } as const;
 *     const { targets } = encodeTargetsBatch(labelsPerImage, spec);
 *     optimizer.minimize(() => yoloLoss(targets, model.apply(images), spec).total);
 *     decodeYoloV2(model.predict(image), { anchors, inputSize: [416, 416], scoreThreshold: 0.3 });
 */
export { SIZE_ENCODINGS, YOLO_ENTRY, shapeIou, type Anchor, type SizeEncoding, type YoloGridOptions } from './grid-spec.js';
export {
  encodeTargets,
  encodeTargetsBatch,
  type DroppedLabel,
  type EncodedTargets,
  type EncodedTargetsBatch,
  type EncodeTargetsOptions,
  type TargetAssignment,
  type YoloLabel,
} from './encode-targets.js';
export { decodeTargets, type DecodedBox, type DecodeTargetsOptions } from './decode-targets.js';
export { activateYoloOutput, RAW_LAYOUTS, type ActivateOutputOptions, type RawLayout } from './activate-output.js';
export { decodeYoloV2, decodeYoloV2Async, type DecodeYoloV2Options, type YoloV2Detection } from './decode-yolov2.js';
export { kmeansAnchors, type KmeansAnchorsOptions, type KmeansAnchorsResult } from './kmeans-anchors.js';
export { yoloLoss, yoloLossFunction, type YoloLossOptions, type YoloLossTerms } from './yolo-loss.js';
export { yoloHead, type YoloHeadOptions } from './yolo-head.js';
