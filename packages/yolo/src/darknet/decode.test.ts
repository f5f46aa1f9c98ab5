import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeYoloV3 } from './decode.js';
import type { DarknetHead, DarknetMeta } from './model.js';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const logit = (p: number) => Math.log(p / (1 - p));

/** A 2x3 grid, 2 anchors, 2 classes on a 64x96 input (stride 32). */
function yoloHead(extra: Partial<DarknetHead> = {}): DarknetHead {
  return {
    kind: 'yolo',
    layerIndex: 5,
    outputIndex: 0,
    gridSize: [2, 3],
    stride: [32, 32],
    anchors: [[10, 20], [30, 40]],
    mask: [0, 1],
    allAnchors: [[10, 20], [30, 40]],
    classes: 2,
    scaleXY: 1,
    newCoords: false,
    softmax: false,
    ...extra,
  };
}

function meta(heads: DarknetHead[]): Pick<DarknetMeta, 'heads' | 'inputSize'> {
  return { heads, inputSize: [64, 96] };
}

/** Raw head [1, gh, gw, A * (5 + C)] filled with `fill`, then entries set: [row, col, anchor, entries]. */
function headTensor(head: DarknetHead, cells: [number, number, number, number[]][], fill = -12): tf.Tensor4D {
  const [gh, gw] = head.gridSize;
  const A = head.anchors.length;
  const E = 5 + head.classes;
  const data = new Float32Array(gh * gw * A * E).fill(fill);
  for (const [row, col, a, entries] of cells) data.set(entries, ((row * gw + col) * A + a) * E);
  return tf.tensor4d(data, [1, gh, gw, A * E]);
}

describe('decodeYoloV3', () => {
  beforeAll(async () => {
    await ready({ backend: 'wasm' });
  });

  it('decodes sigmoid offsets, anchor * exp sizes and objectness x class scores into input pixels', async () => {
    const head = yoloHead();
    // Cell (row 1, col 2), anchor 1 (30x40): center (2.5, 1.5) cells = (80, 48) px, w = 30 * 2, h = 40 * 1.
    const out = headTensor(head, [[1, 2, 1, [0, 0, Math.log(2), 0, 12, -12, 2]]]);
    const found = await decodeYoloV3(out, meta([head]), { labels: ['cat', 'dog'] });
    expect(found).toHaveLength(1);
    const [d] = found;
    expect(d).toMatchObject({ format: 'xyxy', class: 1, label: 'dog' });
    expect(d!.score).toBeCloseTo(sigmoid(12) * sigmoid(2), 6);
    // [50, 28, 110, 68], clipped to the 96 x 64 input.
    d!.box.forEach((v, k) => expect(v).toBeCloseTo([50, 28, 96, 64][k]!, 4));
    out.dispose();
  });

  it('suppresses overlapping boxes of a class but not of another class (class-aware NMS), keeps the order by score', async () => {
    const head = yoloHead();
    const out = headTensor(head, [
      [1, 2, 1, [0, 0, Math.log(2), 0, 12, -12, 2]], // dog 0.88
      [1, 2, 0, [0, 0, Math.log(6), Math.log(2), 4, -12, 2]], // the same box from anchor 0 (10x20 -> 60x40), dog 0.86: suppressed
      [0, 0, 0, [0, 0, 0, 0, 12, 3, -12]], // a cat at the same place as nothing else: kept
      [1, 1, 1, [0, 0, Math.log(2), 0, 12, 1, 1]], // both classes above the threshold: two detections
    ]);
    const found = await decodeYoloV3(out, meta([head]), { scoreThreshold: 0.5, iouThreshold: 0.45 });
    expect(found.map((d) => [d.class, d.label])).toEqual([
      [0, 'class 0'],
      [1, 'class 1'],
      [0, 'class 0'],
      [1, 'class 1'],
    ]);
    expect(found.map((d) => d.score)).toEqual([...found.map((d) => d.score)].sort((a, b) => b - a));
    const none = await decodeYoloV3(out, meta([head]), { scoreThreshold: 0.99 });
    expect(none).toEqual([]);
    const one = await decodeYoloV3(out, meta([head]), { scoreThreshold: 0.5, maxDetections: 1 });
    expect(one).toHaveLength(1);
    out.dispose();
  });

  it('stretches centers with scale_x_y and decodes new_coords heads (already logistic, w = 4 t^2 anchor)', async () => {
    const head = yoloHead({ scaleXY: 2 });
    const out = headTensor(head, [[0, 1, 0, [logit(0.75), logit(0.25), 0, 0, 12, 12, -12]]]);
    // x = 0.75 * 2 - 0.5 = 1 -> cell 1 + 1 = 2 cells = 64 px; y = 0.25 * 2 - 0.5 = 0 -> 0 px. Box 10 x 20.
    const [d] = await decodeYoloV3(out, meta([head]));
    d!.box.forEach((v, k) => expect(v).toBeCloseTo([59, 0, 69, 10][k]!, 4));
    out.dispose();
    const fresh = yoloHead({ newCoords: true });
    const raw = headTensor(fresh, [[1, 0, 1, [0.5, 0.5, 0.5, 1, 0.9, 0.8, 0]]], 0);
    const [e] = await decodeYoloV3(raw, meta([fresh]));
    // center (0.5, 1.5) cells = (16, 48) px; w = 4 * 0.25 * 30 = 30, h = 4 * 1 * 40 = 160 (clipped to 64).
    e!.box.forEach((v, k) => expect(v).toBeCloseTo([1, 0, 31, 64][k]!, 4));
    expect(e!.score).toBeCloseTo(0.9 * 0.8, 6);
    raw.dispose();
  });

  it('decodes YOLOv2 [region] heads: anchors in cells, softmax classes', async () => {
    const head = yoloHead({ kind: 'region', softmax: true, anchors: [[1, 1], [2, 1.5]] });
    const out = headTensor(head, [[0, 0, 1, [0, 0, 0, Math.log(2), 12, 0, Math.log(3)]]]);
    const [d] = await decodeYoloV3(out, meta([head]));
    // center (0.5, 0.5) cells = (16, 16) px; w = 2 cells = 64 px, h = 3 cells = 96 px.
    d!.box.forEach((v, k) => expect(v).toBeCloseTo([0, 0, 48, 64][k]!, 4));
    expect(d!.class).toBe(1);
    expect(d!.score).toBeCloseTo(sigmoid(12) * 0.75, 6);
    out.dispose();
  });

  it('maps boxes back through a letterbox or a stretch resize to original-image pixels', async () => {
    const head = yoloHead();
    const out = headTensor(head, [[1, 1, 1, [0, 0, 0, 0, 12, 12, -12]]]); // center (48, 48), 30 x 40 -> [33, 28, 63, 68]
    // 192 x 96 image letterboxed into 96 x 64: scale 0.5, 8 px bands on top and bottom.
    const letterbox = { scale: 0.5, padX: 0, padY: 8, srcSize: [96, 192] as [number, number], dstSize: [64, 96] as [number, number] };
    const [a] = await decodeYoloV3(out, meta([head]), { letterbox });
    a!.box.forEach((v, k) => expect(v).toBeCloseTo([66, 40, 126, 96][k]!, 4)); // y2 = 120 clipped to 96
    const [b] = await decodeYoloV3(out, meta([head]), { imageSize: [128, 288] });
    b!.box.forEach((v, k) => expect(v).toBeCloseTo([99, 56, 189, 128][k]!, 4)); // x * 3, y * 2 (136 clipped to 128)
    out.dispose();
  });

  it('decodes several heads given in model output order', async () => {
    const small = yoloHead();
    const large = yoloHead({ outputIndex: 1, gridSize: [4, 6], stride: [16, 16] });
    const a = headTensor(small, [[0, 0, 0, [0, 0, 0, 0, 12, 12, -12]]]);
    const b = headTensor(large, [[3, 5, 1, [0, 0, 0, 0, 12, -12, 12]]]);
    const found = await decodeYoloV3([a, b], meta([small, large]));
    expect(found.map((d) => d.class).sort()).toEqual([0, 1]);
    const fromLarge = found.find((d) => d.class === 1)!;
    fromLarge.box.forEach((v, k) => expect(v).toBeCloseTo([73, 36, 96, 64][k]!, 4)); // center (88, 56), 30 x 40
    tf.dispose([a, b]);
  });

  it('does not leak tensors and does not dispose its inputs', async () => {
    const head = yoloHead();
    const out = headTensor(head, [[1, 2, 1, [0, 0, 0, 0, 12, -12, 2]]]);
    await expectNoLeaks(() => decodeYoloV3(out, meta([head])));
    expect(out.isDisposed).toBe(false);
    out.dispose();
  });

  it('throws InvalidArgumentError for outputs that do not fit the heads, never a tfjs error', async () => {
    const head = yoloHead();
    const good = headTensor(head, []);
    const batch = tf.zeros([2, 2, 3, 14]);
    const wrong = tf.zeros([1, 3, 2, 14]);
    await expect(decodeYoloV3([good, good], meta([head]))).rejects.toThrow(/'outputs': expected 1 head tensor/);
    await expect(decodeYoloV3(wrong, meta([head]))).rejects.toThrow(/'outputs\[0\]': expected a \[1, 2, 3, 14\] tensor \(head of layer 5\)/);
    await expect(decodeYoloV3(batch, meta([head]))).rejects.toThrow(/slice the batch first/);
    await expect(decodeYoloV3(good, { heads: [], inputSize: [64, 96] })).rejects.toThrow(InvalidArgumentError);
    await expect(decodeYoloV3(good, {} as DarknetMeta)).rejects.toThrow(/'meta'/);
    await expect(decodeYoloV3(good, meta([head]), { scoreThreshold: 2 })).rejects.toThrow(/options.scoreThreshold/);
    await expect(decodeYoloV3(good, meta([head]), { iouThreshold: -1 })).rejects.toThrow(/options.iouThreshold/);
    await expect(decodeYoloV3(good, meta([head]), { imageSize: [0, 3] as [number, number] })).rejects.toThrow(/options.imageSize/);
    await expect(decodeYoloV3(good, meta([head]), { labels: [1, 2] as unknown as string[] })).rejects.toThrow(/options.labels/);
    tf.dispose([good, batch, wrong]);
    const disposed = headTensor(head, []);
    disposed.dispose();
    await expect(decodeYoloV3(disposed, meta([head]))).rejects.toThrow(/a disposed tensor/);
  });
});
