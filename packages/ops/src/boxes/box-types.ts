/**
 * How boxes are written. Formats use torchvision.ops.box_convert's names and are always said explicitly:
 * - 'xyxy'   [x1, y1, x2, y2]  top-left and bottom-right corners (torchvision, Ultralytics' "xyxy");
 * - 'xywh'   [x, y, w, h]      top-left corner and size (COCO json);
 * - 'cxcywh' [cx, cy, w, h]    centre and size (YOLO labels; what Ultralytics calls "xywh").
 * Coordinates are pixels or normalized to [0, 1] by the image size; IoU does not care which (it is unchanged
 * by scaling x and y), conversion between the two needs the image size (see convertBoxes).
 * A box is a 4-tuple (what tensors hold) or an object whose keys spell its format: { x1, y1, x2, y2 },
 * { x, y, w, h }, { cx, cy, w, h }.
 */
export type BoxFormat = 'xyxy' | 'xywh' | 'cxcywh';
export const BOX_FORMATS: readonly BoxFormat[] = ['xyxy', 'xywh', 'cxcywh'];

/** A box as 4 numbers; which 4 is said by the `format` that goes with it. */
export type Box = [number, number, number, number];

export interface XyxyBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}
export interface XywhBox {
  x: number;
  y: number;
  w: number;
  h: number;
}
export interface CxcywhBox {
  cx: number;
  cy: number;
  w: number;
  h: number;
}
/** The object form of a box in format F. */
export type BoxObject<F extends BoxFormat = BoxFormat> = { xyxy: XyxyBox; xywh: XywhBox; cxcywh: CxcywhBox }[F];

/** Anything the box ops take as one box: a 4-tuple or an object form. */
export type BoxLike = readonly number[] | BoxObject;

/** The object keys of each format, in tuple order. */
export const BOX_KEYS = {
  xyxy: ['x1', 'y1', 'x2', 'y2'],
  xywh: ['x', 'y', 'w', 'h'],
  cxcywh: ['cx', 'cy', 'w', 'h'],
} as const satisfies Record<BoxFormat, readonly [string, string, string, string]>;
