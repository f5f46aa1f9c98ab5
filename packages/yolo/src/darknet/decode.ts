/**
 * Decoding raw Darknet heads into boxes (darknet's get_yolo_box / get_region_box), then class-aware NMS.
 * For the anchor a of cell (row, col) of a grid gh x gw, on a network input of H x W pixels:
 *   [yolo]    bx = (col + sigmoid(tx) * s - (s - 1) / 2) / gw      (s = scale_x_y, 1 by default)
 *             by = (row + sigmoid(ty) * s - (s - 1) / 2) / gh
 *             bw = anchor_w * exp(tw) / W,  bh = anchor_h * exp(th) / H      (anchors in input pixels)
 *             score(class c) = sigmoid(to) * sigmoid(tc)
 *   [region]  bx = (col + sigmoid(tx)) / gw, bw = anchor_w * exp(tw) / gw    (anchors in grid cells, YOLOv2)
 *             score(class c) = sigmoid(to) * softmax(t)_c (or sigmoid(tc) without softmax)
 * Boxes are mapped to the original image (through the letterbox, or the stretch resize), then greedy NMS runs
 * per class on them, as darknet's do_nms_sort does.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  InvalidArgumentError,
  assertFiniteNumber,
  describeValue,
  nonMaxSuppression,
  unletterboxBoxes,
  type Box,
  type LetterboxTransform,
} from '@cnn/ops';
import type { DarknetHead, DarknetMeta } from './model.js';

export interface DecodeYoloV3Options {
  /** Keep detections scoring at least this (objectness x class probability). Default 0.25 (darknet's -thresh). */
  scoreThreshold?: number;
  /** NMS IoU threshold (default 0.45, darknet's). */
  iouThreshold?: number;
  /** At most this many detections (default 100). */
  maxDetections?: number;
  /** The transform returned by @cnn/ops `letterbox` when the input was letterboxed. */
  letterbox?: LetterboxTransform;
  /** [height, width] of the original image when the input was stretched to the network size (darknet's default). */
  imageSize?: [number, number];
  /** Class names; `label` falls back to 'class <i>'. */
  labels?: readonly string[];
}

/** One detected object, in original-image pixels. */
export interface YoloDetection {
  box: Box;
  format: 'xyxy';
  score: number;
  class: number;
  label: string;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function checkHead(head: unknown, i: number): asserts head is DarknetHead {
  const h = head as Partial<DarknetHead> | null;
  const ok =
    h !== null && typeof h === 'object' && (h.kind === 'yolo' || h.kind === 'region') && Array.isArray(h.gridSize) && Array.isArray(h.anchors) &&
    h.anchors.length > 0 && Number.isInteger(h.classes) && (h.classes ?? 0) > 0;
  if (!ok) throw new InvalidArgumentError(`meta.heads[${i}]`, 'a head { kind, gridSize, anchors, classes, ... } from darknetModel', describeValue(head));
}

function checkMeta(meta: unknown): asserts meta is Pick<DarknetMeta, 'heads' | 'inputSize'> {
  const m = meta as Partial<DarknetMeta> | null;
  if (m === null || typeof m !== 'object' || !Array.isArray(m.heads) || !Array.isArray(m.inputSize) || m.inputSize.length !== 2) {
    throw new InvalidArgumentError('meta', 'the meta returned by darknetModel ({ inputSize, heads, ... })', describeValue(meta));
  }
  m.heads.forEach(checkHead);
}

function checkSize(v: unknown, argument: string): asserts v is [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => Number.isInteger(n) && n > 0)) {
    throw new InvalidArgumentError(argument, '[height, width] in pixels', describeValue(v));
  }
}

interface Candidates {
  boxes: Box[]; // xyxy, network-input pixels
  scores: number[];
  classes: number[];
}

function decodeHead(data: Float32Array | Int32Array | Uint8Array, head: DarknetHead, inputSize: [number, number], threshold: number, out: Candidates): void {
  const [gh, gw] = head.gridSize;
  const [H, W] = inputSize;
  const A = head.anchors.length;
  const C = head.classes;
  const E = 5 + C;
  const s = head.scaleXY;
  const yolo = head.kind === 'yolo';
  const act = head.newCoords ? (v: number) => v : sigmoid;
  const probs = new Float64Array(C);
  for (let row = 0; row < gh; row++) {
    for (let col = 0; col < gw; col++) {
      for (let a = 0; a < A; a++) {
        const base = ((row * gw + col) * A + a) * E;
        const objectness = act(data[base + 4]!);
        // score = objectness * class probability <= objectness: darknet skips the cell here too.
        if (objectness < threshold) continue;
        const [aw, ah] = head.anchors[a]!;
        const tx = act(data[base]!);
        const ty = act(data[base + 1]!);
        const tw = data[base + 2]!;
        const th = data[base + 3]!;
        let cx: number, cy: number, bw: number, bh: number;
        if (yolo) {
          cx = (col + tx * s - (s - 1) / 2) / gw;
          cy = (row + ty * s - (s - 1) / 2) / gh;
          bw = head.newCoords ? (tw * tw * 4 * aw) / W : (Math.exp(tw) * aw) / W;
          bh = head.newCoords ? (th * th * 4 * ah) / H : (Math.exp(th) * ah) / H;
        } else {
          cx = (col + tx) / gw;
          cy = (row + ty) / gh;
          bw = (Math.exp(tw) * aw) / gw;
          bh = (Math.exp(th) * ah) / gh;
        }
        if (head.softmax) {
          let max = -Infinity;
          for (let c = 0; c < C; c++) max = Math.max(max, data[base + 5 + c]!);
          let sum = 0;
          for (let c = 0; c < C; c++) sum += probs[c] = Math.exp(data[base + 5 + c]! - max);
          for (let c = 0; c < C; c++) probs[c] = probs[c]! / sum;
        } else {
          for (let c = 0; c < C; c++) probs[c] = act(data[base + 5 + c]!);
        }
        for (let c = 0; c < C; c++) {
          const score = objectness * probs[c]!;
          if (score < threshold || !Number.isFinite(score)) continue;
          out.boxes.push([(cx - bw / 2) * W, (cy - bh / 2) * H, (cx + bw / 2) * W, (cy + bh / 2) * H]);
          out.scores.push(score);
          out.classes.push(c);
        }
      }
    }
  }
}

/**
 * Decodes the raw outputs of a Darknet YOLO model (from `darknetModel`, batch 1) into detections in
 * original-image pixels: `{ box: [x1, y1, x2, y2], format: 'xyxy', score, class, label }`, best first.
 * Pass `letterbox` (from @cnn/ops `letterbox`) or `imageSize` (stretched input, e.g. `prepareDarknetInput`'s
 * result spreads into the options); with neither, boxes are in network-input pixels. Outputs are not disposed.
 */
export async function decodeYoloV3(outputs: tf.Tensor | readonly tf.Tensor[], meta: Pick<DarknetMeta, 'heads' | 'inputSize'>, options: DecodeYoloV3Options = {}): Promise<YoloDetection[]> {
  checkMeta(meta);
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object', describeValue(options));
  const list = outputs instanceof tf.Tensor ? [outputs] : outputs;
  if (!Array.isArray(list) || list.length !== meta.heads.length) {
    throw new InvalidArgumentError('outputs', `${meta.heads.length} head tensor(s), in model output order`, describeValue(outputs));
  }
  const scoreThreshold = options.scoreThreshold ?? 0.25;
  assertFiniteNumber(scoreThreshold, 'options.scoreThreshold', { min: 0, max: 1 });
  const iouThreshold = options.iouThreshold ?? 0.45;
  assertFiniteNumber(iouThreshold, 'options.iouThreshold', { min: 0, max: 1 });
  const maxDetections = options.maxDetections ?? 100;
  if (!(maxDetections === Infinity || (Number.isInteger(maxDetections) && maxDetections >= 0))) {
    throw new InvalidArgumentError('options.maxDetections', 'an integer >= 0 or Infinity', describeValue(maxDetections));
  }
  if (options.imageSize !== undefined) checkSize(options.imageSize, 'options.imageSize');
  if (options.letterbox !== undefined && options.imageSize !== undefined) {
    throw new InvalidArgumentError('options', 'at most one of letterbox and imageSize', 'both');
  }
  const { labels } = options;
  if (labels !== undefined && (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string'))) {
    throw new InvalidArgumentError('options.labels', 'an array of class names', describeValue(labels));
  }
  const inputSize = meta.inputSize;
  checkSize(inputSize, 'meta.inputSize');
  meta.heads.forEach((head, i) => {
    const t = list[i];
    const want = [1, head.gridSize[0], head.gridSize[1], head.anchors.length * (5 + head.classes)];
    if (!(t instanceof tf.Tensor) || t.isDisposed || t.rank !== 4 || t.shape.some((d: number, k: number) => d !== want[k])) {
      const hint = t instanceof tf.Tensor && t.rank === 4 && t.shape[0] !== 1 ? 'Decode one image at a time: slice the batch first.' : undefined;
      throw new InvalidArgumentError(`outputs[${i}]`, `a [${want.join(', ')}] tensor (head of layer ${head.layerIndex})`, describeValue(t), hint);
    }
  });

  const candidates: Candidates = { boxes: [], scores: [], classes: [] };
  const data = await Promise.all(list.map((t) => t.data()));
  meta.heads.forEach((head, i) => decodeHead(data[i] as Float32Array, head, inputSize, scoreThreshold, candidates));

  // Map to the original image without clipping (darknet runs NMS on unclipped boxes), clip the survivors.
  let boxes: Box[] = candidates.boxes;
  let bounds: [number, number] = inputSize;
  if (options.letterbox) {
    boxes = candidates.boxes.length ? unletterboxBoxes(candidates.boxes, options.letterbox, 'xyxy', { clip: false }) : [];
    bounds = options.letterbox.srcSize;
  } else if (options.imageSize) {
    const [ih, iw] = options.imageSize;
    const sx = iw / inputSize[1];
    const sy = ih / inputSize[0];
    boxes = candidates.boxes.map(([x1, y1, x2, y2]) => [x1 * sx, y1 * sy, x2 * sx, y2 * sy]);
    bounds = options.imageSize;
  }
  if (boxes.length === 0) return [];
  const kept = nonMaxSuppression({ boxes, scores: candidates.scores, classes: candidates.classes, iouThreshold, scoreThreshold, maxDetections });
  const [bh, bw] = bounds;
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  return kept.map((d) => {
    const [x1, y1, x2, y2] = d.box;
    return {
      box: [clip(x1, bw), clip(y1, bh), clip(x2, bw), clip(y2, bh)],
      format: 'xyxy',
      score: d.score,
      class: d.class,
      label: labels?.[d.class] ?? `class ${d.class}`,
    };
  });
}
