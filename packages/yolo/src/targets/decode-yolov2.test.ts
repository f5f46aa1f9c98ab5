import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, letterbox, ready } from '@cnn/ops';
import { expectNoLeaks, expectTensorsClose } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeYoloV2, decodeYoloV2Async } from './decode-yolov2.js';
import { encodeTargets } from './encode-targets.js';
import { randomLabels } from './test-support/random-labels.js';

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

const logit = (p: number) => Math.log(p / (1 - p));

/** A 3 x 3 grid, anchors [1, 1] and [2, 1] (cells), 2 classes, on a 96 x 96 input (cells of 32 px). */
const ANCHORS = [[1, 1], [2, 1]] as [number, number][];
const E = 7;

/** Raw [3, 3, 2 * 7] output, every objectness at -12, then the given [row, col, anchor, course-order entries]. */
function rawOutput(cells: [number, number, number, number[]][]): tf.Tensor3D {
  const data = new Float32Array(3 * 3 * 2 * E);
  for (let i = 0; i < data.length; i += E) data[i] = -12;
  for (const [row, col, a, entries] of cells) data.set(entries, ((row * 3 + col) * 2 + a) * E);
  return tf.tensor3d(data, [3, 3, 2 * E]);
}

// Cell (1, 2), anchor 1 [2, 1]: pc 0.9, σ(tx) 0.25, σ(ty) 0.5, th 0, tw ln 0.75, classes softmax [0.25, 0.75].
//   cx = (2 + 0.25) * 32 = 72, cy = (1 + 0.5) * 32 = 48, w = 2 * 0.75 * 32 = 48, h = 1 * 1 * 32 = 32
//   -> xyxy [48, 32, 96, 64], score 0.9 * 0.75 = 0.675, class 1.
const MAIN: [number, number, number, number[]] = [1, 2, 1, [logit(0.9), logit(0.25), logit(0.5), 0, Math.log(0.75), 0, Math.log(3)]];

describe('decodeYoloV2', () => {
  it('decodes a hand-made head: sigmoid offsets, anchor x exp sizes, objectness x softmax scores', () => {
    const raw = rawOutput([MAIN]);
    const [d, ...rest] = decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], labels: ['sun', 'moon'] });
    expect(rest).toEqual([]);
    expectTensorsClose(d!.box, [48, 32, 96, 64], { atol: 1e-3, rtol: 0 });
    expect(d!.format).toBe('xyxy');
    expect(d!.class).toBe(1);
    expect(d!.label).toBe('moon');
    expect(d!.score).toBeCloseTo(0.675, 5);
    expect(d!.objectness).toBeCloseTo(0.9, 5);
    expect(d!.classProbability).toBeCloseTo(0.75, 5);
    const cxcywh = decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], format: 'cxcywh' });
    expectTensorsClose(cxcywh[0]!.box, [72, 48, 48, 32], { atol: 1e-3, rtol: 0 });
    raw.dispose();
  });

  it('applies the score threshold, class-aware NMS and multi-label decoding', () => {
    // A near-duplicate of MAIN in the next cell's anchor 1 (same class, lower score), and one of another class.
    const dup: [number, number, number, number[]] = [1, 1, 1, [logit(0.8), logit(0.95), logit(0.5), 0, Math.log(0.75), 0, Math.log(3)]];
    const other: [number, number, number, number[]] = [1, 1, 0, [logit(0.7), logit(0.95), logit(0.5), Math.log(1), Math.log(1.5), Math.log(4), 0]];
    const raw = rawOutput([MAIN, dup, other]);
    const dets = decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96] });
    // dup: cx = (1 + 0.95) * 32 = 62.4 -> [38.4, 32, 86.4, 64], IoU with MAIN 38.4 / 57.6 = 0.667 -> suppressed.
    // other: class 0 (p = 0.8), score 0.56, not suppressed by a class-1 box.
    expect(dets.map((d) => [d.class, Number(d.score.toFixed(4))])).toEqual([
      [1, 0.675],
      [0, 0.56],
    ]);
    const loose = decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], iouThreshold: 0.7 });
    expect(loose.map((d) => d.class)).toEqual([1, 1, 0]);
    expect(decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], scoreThreshold: 0.6 }).length).toBe(1);
    expect(decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], maxDetections: 1 }).length).toBe(1);
    // Multi-label: MAIN also scores 0.9 * 0.25 = 0.225 for class 0. At IoU 0.5 the class-0 `other` (0.56,
    // IoU 0.667 with MAIN) suppresses it; at 0.7 it stays. Without multiLabel it never appears.
    const has0225 = (ds: { class: number; score: number }[]) => ds.some((d) => d.class === 0 && Math.abs(d.score - 0.225) < 1e-5);
    expect(has0225(decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], multiLabel: true, scoreThreshold: 0.2, iouThreshold: 0.7 }))).toBe(true);
    expect(has0225(decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], multiLabel: true, scoreThreshold: 0.2, iouThreshold: 0.5 }))).toBe(false);
    expect(has0225(decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], scoreThreshold: 0.2, iouThreshold: 0.7 }))).toBe(false);
    raw.dispose();
  });

  it('reads the Darknet layout and every accepted shape the same way', () => {
    const raw = rawOutput([MAIN]);
    const expected = decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96] });
    // Darknet's order: [tx, ty, tw, th, to, classes] from the course's [to, tx, ty, th, tw, classes].
    const darknet = tf.tidy(() => {
      const r = tf.reshape(raw, [3, 3, 2, E]);
      const [to, tx, ty, th, tw, c] = tf.split(r, [1, 1, 1, 1, 1, 2], -1);
      return tf.concat([tx!, ty!, tw!, th!, to!, c!], -1);
    });
    const variants: [tf.Tensor, 'course' | 'darknet'][] = [
      [darknet, 'darknet'],
      [tf.reshape(raw, [3, 3, 2, E]), 'course'],
      [tf.expandDims(raw, 0), 'course'],
      [tf.reshape(raw, [1, 3, 3, 2, E]), 'course'],
    ];
    for (const [t, layout] of variants) {
      const got = decodeYoloV2(t, { anchors: ANCHORS, inputSize: [96, 96], layout, classes: 2 });
      expect(got.length).toBe(1);
      expectTensorsClose(got[0]!.box, expected[0]!.box, { atol: 1e-4, rtol: 0 });
      expect(got[0]!.score).toBeCloseTo(expected[0]!.score, 6);
    }
    tf.dispose([raw, ...variants.map((v) => v[0])]);
  });

  it('maps boxes back through the letterbox from @cnn/ops, or through a stretch resize', () => {
    // A 48 x 96 image letterboxed to 96 x 96: scale 1, padY 24, padX 0.
    const image = tf.zeros([48, 96, 3]) as tf.Tensor3D;
    const lb = letterbox(image, 96);
    expect([lb.transform.scale, lb.transform.padX, lb.transform.padY]).toEqual([1, 0, 24]);
    const raw = rawOutput([MAIN]);
    const [d] = decodeYoloV2(raw, { anchors: ANCHORS, letterbox: lb.transform });
    expectTensorsClose(d!.box, [48, 8, 96, 40], { atol: 1e-3, rtol: 0 });
    // The same input made by stretching a 192 x 288 image: x scales by 3, y by 2.
    const [s] = decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], imageSize: [192, 288] });
    expectTensorsClose(s!.box, [144, 64, 288, 128], { atol: 1e-3, rtol: 0 });
    // Boxes reaching past the input are clipped to it.
    const wide = rawOutput([[1, 2, 1, [logit(0.9), logit(0.5), logit(0.5), 0, Math.log(2), 0, 0]]]); // cx 80, w 128
    expectTensorsClose(decodeYoloV2(wide, { anchors: ANCHORS, inputSize: [96, 96] })[0]!.box, [16, 32, 96, 64], { atol: 1e-3, rtol: 0 });
    tf.dispose([image, lb.image, raw, wide]);
  });

  it('recovers encoded labels from the raw numbers that produce them (inverse activation)', () => {
    const imageSize: [number, number] = [96, 96];
    const options = { grid: 3, anchors: ANCHORS, classes: 2, imageSize, sizeEncoding: 'logAnchor' as const };
    const labels = randomLabels(7, 6, imageSize, 2, 10, 60);
    const { targets, assignments } = encodeTargets(labels, options);
    // Targets -> raw: to = ±10, tx = logit(bx), th/tw as they are, class logits ±10.
    const raw = tf.tidy(() => {
      const [pc, bx, by, bh, bw, c] = tf.split(targets, [1, 1, 1, 1, 1, 2], -1);
      const safeLogit = (p: tf.Tensor) => tf.log(tf.div(tf.clipByValue(p, 1e-6, 1 - 1e-6), tf.sub(1, tf.clipByValue(p, 1e-6, 1 - 1e-6))));
      return tf.concat([tf.sub(tf.mul(pc!, 20), 10), safeLogit(bx!), safeLogit(by!), bh!, bw!, tf.mul(c!, 10)], -1);
    });
    const dets = decodeYoloV2(raw, { anchors: ANCHORS, inputSize: imageSize, iouThreshold: 1, scoreThreshold: 0.5 });
    expect(dets.length).toBe(assignments.length);
    for (const a of assignments) {
      const label = labels[a.index]!;
      const clipped = (label.box as number[]).map((v) => Math.min(Math.max(v, 0), 96));
      const match = dets.find((d) => d.class === label.class && d.box.every((v, k) => Math.abs(v - clipped[k]!) < 0.05));
      expect(match, `label ${a.index}`).toBeDefined();
    }
    tf.dispose([targets, raw]);
  });

  it('rejects bad output shapes and options with typed errors', () => {
    const raw = rawOutput([MAIN]);
    expect(() => decodeYoloV2(raw, { anchors: ANCHORS } as never)).toThrow(InvalidArgumentError); // no inputSize or letterbox
    expect(() => decodeYoloV2(raw, { anchors: [[1, 1], [2, 1], [3, 3]], inputSize: [96, 96] })).toThrow(ShapeMismatchError); // 14 % 3
    expect(() => decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], classes: 3 })).toThrow(ShapeMismatchError);
    expect(() => decodeYoloV2(raw, { anchors: [], inputSize: [96, 96] })).toThrow(InvalidArgumentError);
    expect(() => decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], iouThreshold: 2 })).toThrow(InvalidArgumentError);
    expect(() => decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], maxDetections: -1 })).toThrow(InvalidArgumentError);
    expect(() => decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], layout: 'v5' as 'course' })).toThrow(InvalidArgumentError);
    expect(() => decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], labels: 'a' as never })).toThrow(InvalidArgumentError);
    const narrow = tf.zeros([3, 3, 2 * 5]);
    expect(() => decodeYoloV2(narrow, { anchors: ANCHORS, inputSize: [96, 96] })).toThrow(ShapeMismatchError);
    const flat = tf.zeros([3, 14]);
    expect(() => decodeYoloV2(flat, { anchors: ANCHORS, inputSize: [96, 96] })).toThrow(InvalidArgumentError);
    tf.dispose([raw, narrow, flat]);
  });

  it('does not leak tensors, sync or async', async () => {
    const raw = rawOutput([MAIN]);
    const sync = await expectNoLeaks(() => decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96] }));
    const async = await expectNoLeaks(() => decodeYoloV2Async(raw, { anchors: ANCHORS, inputSize: [96, 96] }));
    expect(async).toEqual(sync);
    await expectNoLeaks(() => expect(() => decodeYoloV2(raw, { anchors: ANCHORS, inputSize: [96, 96], classes: 5 })).toThrow());
    raw.dispose();
  });
});
