/**
 * Pictures of what YOLO sees and finds: detections drawn with "label score" tags, and the course's grid
 * picture (which cell and anchor own each object). Every function returns a new image tensor; write it with
 * @cnn/ops' writeImage.
 */
export { drawDetections, type DrawableDetection, type DrawDetectionsOptions } from './draw-detections.js';
export { drawGridOverlay, gridOwners, type GridOverlayOptions, type GridOwner } from './draw-grid-overlay.js';
