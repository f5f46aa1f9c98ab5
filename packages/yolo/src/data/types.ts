/**
 * One shape for every detection data set read here (Pascal VOC XML, COCO JSON, Ultralytics YOLO, CSV):
 * images with their size and boxes in pixel 'xyxy' with a class index into `classNames`.
 */

/** A labelled box: [x1, y1, x2, y2] in pixels of its image, and the index of its class in `classNames`. */
export interface DatasetBox {
  box: [number, number, number, number];
  class: number;
  /** Pascal VOC's `difficult` (evaluation ignores the box). */
  difficult?: boolean;
  /** COCO's `iscrowd` (evaluation ignores the box). */
  crowd?: boolean;
}

export interface DatasetImage {
  /** A name unique in the data set: the file name for VOC/CSV/YOLO, the COCO image id as a string. */
  id: string;
  /** Path of the image file. */
  path: string;
  width: number;
  height: number;
  boxes: DatasetBox[];
}

export interface DetectionDataset {
  classNames: string[];
  images: DatasetImage[];
}
