import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, ready } from '@cnn/ops';
import { expectNoLeaks, expectTensorsClose } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { activateYoloOutput } from './activate-output.js';
import { decodeTargets } from './decode-targets.js';
import { encodeTargets, type YoloLabel } from './encode-targets.js';
import type { SizeEncoding } from './grid-spec.js';
import { randomLabels } from './test-support/random-labels.js';

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe('decodeTargets', () => {
  it("decodes the course's sun/moon/star targets back to the boxes, in cell order", () => {
    const labels: YoloLabel[] = [
      { box: [120, 20, 200, 80], class: 0 },
      { box: [10, 210, 70, 290], class: 1 },
      { box: [230, 130, 260, 190], class: 2 },
    ];
    const options = { grid: 3, classes: 3, imageSize: [300, 300] as [number, number] };
    const { targets } = encodeTargets(labels, options);
    const decoded = decodeTargets(targets, options);
    // Cell order: sun (0, 1), star (1, 2), moon (2, 0).
    expect(decoded.map((d) => [d.row, d.col, d.class, d.score, d.format])).toEqual([
      [0, 1, 0, 1, 'xyxy'],
      [1, 2, 2, 1, 'xyxy'],
      [2, 0, 1, 1, 'xyxy'],
    ]);
    expectTensorsClose(decoded.map((d) => d.box), [[120, 20, 200, 80], [230, 130, 260, 190], [10, 210, 70, 290]], { atol: 1e-4, rtol: 0 });
    const normalized = decodeTargets(targets, { ...options, format: 'cxcywh', normalized: true });
    expectTensorsClose(normalized[0]!.box, [160 / 300, 50 / 300, 80 / 300, 60 / 300], { atol: 1e-6, rtol: 0 });
    expect(normalized[0]!.normalized).toBe(true);
    targets.dispose();
  });

  for (const [encoding, anchors] of [
    ['image', undefined],
    ['cell', undefined],
    ['image', [[0.5, 0.5], [1.5, 0.8], [0.8, 1.5]]],
    ['logAnchor', [[0.5, 0.5], [1.5, 0.8], [0.8, 1.5]]],
  ] as [SizeEncoding, [number, number][] | undefined][]) {
    it(`round-trips random boxes (${encoding}, ${anchors ? `${anchors.length} anchors` : 'no anchors'}): every kept label comes back`, () => {
      const imageSize: [number, number] = [240, 320];
      const options = { grid: [6, 8] as [number, number], anchors, classes: 4, imageSize, sizeEncoding: encoding };
      for (let seed = 1; seed <= 5; seed++) {
        const labels = randomLabels(seed, 30, imageSize, 4);
        const { targets, assignments, dropped } = encodeTargets(labels, options);
        expect(assignments.length + dropped.length).toBe(30);
        const decoded = decodeTargets(targets, options);
        expect(decoded.length).toBe(assignments.length);
        const byCell = new Map(decoded.map((d) => [`${d.row},${d.col},${d.anchor}`, d]));
        for (const a of assignments) {
          const d = byCell.get(`${a.row},${a.col},${a.anchor}`)!;
          expect(d.class).toBe(labels[a.index]!.class);
          expectTensorsClose(d.box, labels[a.index]!.box as number[], { atol: 2e-3, rtol: 1e-5 }); // float32 targets
        }
        targets.dispose();
      }
    });
  }

  it('keeps cells by objectness threshold and scores them pc x class probability', () => {
    // 1 x 2 grid, no anchors, 2 classes; image 100 x 200 (cells 100 x 100).
    const t = tf.tensor4d([[[[0.4, 0.5, 0.5, 0.2, 0.1, 0.3, 0.7]], [[0.8, 0.25, 0.75, 0.5, 0.5, 0.6, 0.4]]]]);
    const options = { grid: [1, 2] as [number, number], classes: 2, imageSize: [100, 200] as [number, number] };
    const kept = decodeTargets(t, options);
    expect(kept.length).toBe(1);
    expect(kept[0]!.col).toBe(1);
    expect(kept[0]!.class).toBe(0);
    expect(kept[0]!.score).toBeCloseTo(0.8 * 0.6, 6);
    // cx = (1 + 0.25) * 100 = 125, cy = 75, h = 0.5 * 100, w = 0.5 * 200
    expectTensorsClose(kept[0]!.box, [75, 50, 175, 100], { atol: 1e-4, rtol: 0 });
    expect(decodeTargets(t, { ...options, objectnessThreshold: 0.3 }).length).toBe(2);
    t.dispose();
  });

  it('decodes activated predictions as targets (logAnchor: size = anchor x exp(t))', () => {
    // One cell, one anchor [2, 1] cells, 2 classes, image 64 x 64 with a 2 x 2 grid (cells 32 px).
    const raw = tf.tensor4d([[[[2, 0, 0, Math.log(1.5), Math.log(0.5), 0, Math.log(3)]], [[-9, 0, 0, 0, 0, 0, 0]]], [[[-9, 0, 0, 0, 0, 0, 0]], [[-9, 0, 0, 0, 0, 0, 0]]]]);
    const activated = activateYoloOutput(raw, { sizeEncoding: 'logAnchor' });
    const [d] = decodeTargets(activated, { grid: 2, anchors: [[2, 1]], classes: 2, imageSize: [64, 64], sizeEncoding: 'logAnchor' });
    expect(d!.objectness).toBeCloseTo(sigmoid(2), 6);
    expect(d!.class).toBe(1);
    expect(d!.classProbability).toBeCloseTo(0.75, 6);
    // cx = cy = 0.5 * 32 = 16; w = 2 * 0.5 * 32 = 32; h = 1 * 1.5 * 32 = 48
    expectTensorsClose(d!.box, [0, -8, 32, 40], { atol: 1e-4, rtol: 0 });
    tf.dispose([raw, activated]);
  });

  it('rejects a tensor that does not fit the options, and bad options', () => {
    const t = tf.zeros([3, 3, 1, 8]) as tf.Tensor4D;
    const options = { grid: 3, classes: 3, imageSize: [300, 300] as [number, number] };
    expect(() => decodeTargets(t, { ...options, classes: 2 })).toThrow(ShapeMismatchError);
    expect(() => decodeTargets(t, { ...options, grid: 4 })).toThrow(ShapeMismatchError);
    expect(() => decodeTargets(t, { ...options, anchors: [[1, 1], [2, 2]] })).toThrow(ShapeMismatchError);
    const flat = tf.reshape(t, [3, 3, 8]);
    expect(() => decodeTargets(flat as unknown as tf.Tensor4D, options)).toThrow(InvalidArgumentError);
    flat.dispose();
    expect(() => decodeTargets(t, { ...options, objectnessThreshold: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => decodeTargets(t, { ...options, format: 'yxyx' as 'xyxy' })).toThrow(InvalidArgumentError);
    expect(() => decodeTargets([[1]] as unknown as tf.Tensor4D, options)).toThrow(InvalidArgumentError);
    t.dispose();
  });

  it('does not leak tensors', async () => {
    const options = { grid: 3, classes: 3, imageSize: [300, 300] as [number, number] };
    const { targets } = encodeTargets([{ box: [0, 0, 50, 50], class: 1 }], options);
    const decoded = await expectNoLeaks(() => decodeTargets(targets, options));
    expect(decoded.length).toBe(1);
    targets.dispose();
  });
});

describe('activateYoloOutput', () => {
  const raw = [0.3, -1.2, 2.0, 0.7, -0.4, 1.0, -2.0, 0.5];

  it('maps raw numbers to target space as a plain-loop reference does (both encodings and layouts)', () => {
    const softmax = (v: number[]) => {
      const e = v.map((x) => Math.exp(x));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((x) => x / s);
    };
    const t = tf.tensor2d([raw]);
    const probs = softmax(raw.slice(5));
    const course = activateYoloOutput(t, { sizeEncoding: 'image' });
    expectTensorsClose(course, [[sigmoid(0.3), sigmoid(-1.2), sigmoid(2.0), 0.49, 0.16, ...probs]], { rtol: 1e-5, atol: 1e-6 });
    const v2 = activateYoloOutput(t, { sizeEncoding: 'logAnchor' });
    expectTensorsClose(v2, [[sigmoid(0.3), sigmoid(-1.2), sigmoid(2.0), 0.7, -0.4, ...probs]], { rtol: 1e-5, atol: 1e-6 });
    // Darknet order [tx, ty, tw, th, to, ...]: to = -0.4, tx = 0.3, ty = -1.2, th = 0.7, tw = 2.0.
    const darknet = activateYoloOutput(t, { sizeEncoding: 'logAnchor', layout: 'darknet' });
    expectTensorsClose(darknet, [[sigmoid(-0.4), sigmoid(0.3), sigmoid(-1.2), 0.7, 2.0, ...probs]], { rtol: 1e-5, atol: 1e-6 });
    tf.dispose([t, course, v2, darknet]);
  });

  it('checks its input and does not leak', async () => {
    const t = tf.tensor2d([raw]);
    const narrow = tf.zeros([2, 5]);
    const ints = tf.zeros([2, 8], 'int32');
    expect(() => activateYoloOutput(narrow, {})).toThrow(InvalidArgumentError);
    expect(() => activateYoloOutput(t, { layout: 'yolov5' as 'course' })).toThrow(InvalidArgumentError);
    expect(() => activateYoloOutput(t, { sizeEncoding: 'sqrt' as 'image' })).toThrow(InvalidArgumentError);
    expect(() => activateYoloOutput(ints, {})).toThrow(InvalidArgumentError);
    tf.dispose([narrow, ints]);
    const out = await expectNoLeaks(() => activateYoloOutput(t), { allowReturned: true });
    tf.dispose([t, out]);
  });
});
