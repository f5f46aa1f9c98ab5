import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { InvalidArgumentError } from '../errors/errors.js';
import { convertBoxReference, nmsReference } from '../reference/boxes.js';
import { describeEachBackend, expectNoLeaks } from '../testing/index.js';
import type { Box } from './box-types.js';
import { nonMaxSuppression, nonMaxSuppressionAsync } from './nms.js';
import { randomBoxes, randomClasses, randomScores } from './test-boxes.js';

const N = 400;
const boxes = randomBoxes(N, 4);
const scores = randomScores(N, 5);
const classes = randomClasses(N, 6, 5);
const indices = (d: { index: number }[]) => d.map((x) => x.index);

/** tfjs takes [y1, x1, y2, x2] and keeps score > threshold; ours keeps score >= threshold. */
async function tfjsNms(b: Box[], s: number[], max: number, iouThreshold: number, scoreThreshold: number): Promise<number[]> {
  const tb = tf.tensor2d(b.map(([x1, y1, x2, y2]) => [y1, x1, y2, x2]), [b.length, 4]);
  const ts = tf.tensor1d(s);
  const idx = await tf.image.nonMaxSuppressionAsync(tb, ts, max, iouThreshold, scoreThreshold - 1e-9);
  const out = Array.from(await idx.data());
  tf.dispose([tb, ts, idx]);
  return out;
}

describe('nonMaxSuppression on arrays', () => {
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
  });

  it("hand-checked: the course's steps, >= comparisons, classes", () => {
    const b: Box[] = [[0, 0, 2, 1], [0, 0, 1, 1], [10, 10, 11, 11], [0, 0, 2, 1]];
    // IoU(box0, box1) = 1/2 exactly: suppressed at 0.5 (IoU >= threshold), kept just above it.
    expect(indices(nonMaxSuppression({ boxes: b.slice(0, 3), scores: [0.9, 0.8, 0.5], iouThreshold: 0.5 }))).toEqual([0, 2]);
    expect(indices(nonMaxSuppression({ boxes: b.slice(0, 3), scores: [0.9, 0.8, 0.5], iouThreshold: 0.51 }))).toEqual([0, 1, 2]);
    // Scores equal to the threshold are kept; below are dropped before anything else.
    expect(indices(nonMaxSuppression({ boxes: b.slice(0, 3), scores: [0.9, 0.8, 0.5], iouThreshold: 0.6, scoreThreshold: 0.8 }))).toEqual([0, 1]);
    // Other classes never suppress; class-agnostic does.
    expect(indices(nonMaxSuppression({ boxes: b, scores: [0.9, 0.8, 0.5, 0.7], classes: [0, 1, 0, 1], iouThreshold: 0.5 }))).toEqual([0, 1, 2]);
    expect(indices(nonMaxSuppression({ boxes: b, scores: [0.9, 0.8, 0.5, 0.7], classes: [0, 1, 0, 1], iouThreshold: 0.5, classAware: false }))).toEqual([0, 2]);
    // Equal scores: the lower index wins. iouThreshold 1 only removes exact duplicates; 0 keeps one box per class.
    expect(indices(nonMaxSuppression({ boxes: b, scores: [0.5, 0.5, 0.5, 0.5], iouThreshold: 1 }))).toEqual([0, 1, 2]);
    expect(indices(nonMaxSuppression({ boxes: b, scores: [0.5, 0.6, 0.5, 0.5], classes: [0, 0, 1, 1], iouThreshold: 0 }))).toEqual([1, 2]);
    expect(indices(nonMaxSuppression({ boxes: b, scores: [0.9, 0.8, 0.5, 0.7], iouThreshold: 0.9, maxDetections: 2 }))).toEqual([0, 1]);
    expect(nonMaxSuppression({ boxes: b, scores: [0.9, 0.8, 0.5, 0.7], maxDetections: 0 })).toEqual([]);
    expect(nonMaxSuppression({ boxes: [], scores: [] })).toEqual([]);
  });

  it('detections are plain objects sorted by score, boxes as given (format and form)', () => {
    const out = nonMaxSuppression({ boxes: [[10, 10, 4, 4], [11, 11, 4, 4], [50, 50, 4, 4]], scores: [0.8, 0.9, 0.7], format: 'cxcywh', iouThreshold: 0.3 }); // IoU of the first two: 9/23
    expect(out).toEqual([
      { index: 1, box: [11, 11, 4, 4], score: 0.9, class: 0 },
      { index: 2, box: [50, 50, 4, 4], score: 0.7, class: 0 },
    ]);
    const objects = nonMaxSuppression({ boxes: [{ x: 0, y: 0, w: 2, h: 2 }, { x: 1, y: 1, w: 2, h: 2 }], scores: Float32Array.of(0.5, 0.75), classes: [3, 3], format: 'xywh' });
    expect(objects).toEqual([
      { index: 1, box: { x: 1, y: 1, w: 2, h: 2 }, score: 0.75, class: 3 },
      { index: 0, box: { x: 0, y: 0, w: 2, h: 2 }, score: 0.5, class: 3 },
    ]);
  });

  it('equals the reference (same indices) on random boxes: classes, ties, thresholds, limits', () => {
    for (const iouThreshold of [0, 0.3, 0.5, 0.7, 1])
      for (const scoreThreshold of [0, 0.5])
        for (const classAware of [true, false]) {
          const got = nonMaxSuppression({ boxes, scores, classes, iouThreshold, scoreThreshold, classAware, maxDetections: Infinity });
          const ref = nmsReference(boxes, scores, { iouThreshold, scoreThreshold, classes: classAware ? classes : undefined });
          expect(indices(got)).toEqual(ref);
          got.forEach((d) => {
            expect(d.score).toBe(scores[d.index]);
            expect(d.class).toBe(classes[d.index]);
            expect(d.box).toEqual(boxes[d.index]);
          });
        }
    expect(indices(nonMaxSuppression({ boxes, scores, classes, maxDetections: 25 }))).toEqual(nmsReference(boxes, scores, { iouThreshold: 0.5, scoreThreshold: 0, classes, maxDetections: 25 }));
    const cxcywh = boxes.map((b) => convertBoxReference(b, 'xyxy', 'cxcywh'));
    expect(indices(nonMaxSuppression({ boxes: cxcywh, scores, classes, format: 'cxcywh', maxDetections: Infinity }))).toEqual(nmsReference(boxes, scores, { iouThreshold: 0.5, classes }));
  });

  it('equals tf.image.nonMaxSuppressionAsync, per class', async () => {
    for (const [iouThreshold, scoreThreshold] of [[0.5, 0], [0.3, 0.25], [0.7, 0.5], [1, 0]] as const) {
      const single = await tfjsNms(boxes, scores, 50, iouThreshold, scoreThreshold);
      expect(indices(nonMaxSuppression({ boxes, scores, iouThreshold, scoreThreshold, maxDetections: 50 }))).toEqual(single);
      const perClass: number[] = [];
      for (let c = 0; c < 5; c++) {
        const mine = classes.flatMap((k, i) => (k === c ? [i] : []));
        const kept = await tfjsNms(mine.map((i) => boxes[i]!), mine.map((i) => scores[i]!), N, iouThreshold, scoreThreshold);
        perClass.push(...kept.map((k) => mine[k]!));
      }
      perClass.sort((i, j) => scores[j]! - scores[i]! || i - j);
      expect(indices(nonMaxSuppression({ boxes, scores, classes, iouThreshold, scoreThreshold, maxDetections: Infinity }))).toEqual(perClass);
    }
  });

  it('creates no tensors', async () => {
    await expectNoLeaks(async () => {
      nonMaxSuppression({ boxes: boxes.slice(0, 20), scores: scores.slice(0, 20) });
      await nonMaxSuppressionAsync({ boxes: boxes.slice(0, 20), scores: scores.slice(0, 20) });
    });
  });

  it('bad input: InvalidArgumentError naming the argument', async () => {
    const ok = { boxes: [[0, 0, 1, 1], [0, 0, 2, 2]], scores: [0.5, 0.4] };
    const cases: [() => unknown, RegExp][] = [
      [() => nonMaxSuppression(null as never), /'options'/],
      [() => nonMaxSuppression({ ...ok, scores: [0.5] }), /'options\.scores'.*2 scores.*received 1/],
      [() => nonMaxSuppression({ ...ok, scores: [0.5, Number.NaN] }), /'options\.scores\[1\]'/],
      [() => nonMaxSuppression({ ...ok, scores: 0.5 as never }), /'options\.scores'/],
      [() => nonMaxSuppression({ ...ok, boxes: [[0, 0, 1, 1], [0, 0, Infinity, 2]] }), /'options\.boxes\[1\]'.*finite/],
      [() => nonMaxSuppression({ ...ok, boxes: [[0, 0, 1, 1], [3, 0, 2, 2]] }), /'options\.boxes\[1\]'.*x2 >= x1/],
      [() => nonMaxSuppression({ ...ok, boxes: [[0, 0, 1, 1], [0, 0, 2]] }), /'options\.boxes\[1\]'/],
      [() => nonMaxSuppression({ ...ok, boxes: 'boxes' as never }), /'options\.boxes'/],
      [() => nonMaxSuppression({ ...ok, iouThreshold: 1.5 }), /'options\.iouThreshold'.*\[0, 1\]/],
      [() => nonMaxSuppression({ ...ok, iouThreshold: -0.1 }), /'options\.iouThreshold'/],
      [() => nonMaxSuppression({ ...ok, iouThreshold: Number.NaN }), /'options\.iouThreshold'/],
      [() => nonMaxSuppression({ ...ok, scoreThreshold: Number.NaN }), /'options\.scoreThreshold'/],
      [() => nonMaxSuppression({ ...ok, maxDetections: 1.5 }), /'options\.maxDetections'/],
      [() => nonMaxSuppression({ ...ok, maxDetections: -1 }), /'options\.maxDetections'/],
      [() => nonMaxSuppression({ ...ok, classes: [0, 0.5] }), /'options\.classes\[1\]'/],
      [() => nonMaxSuppression({ ...ok, classes: [0] }), /'options\.classes'/],
      [() => nonMaxSuppression({ ...ok, classAware: 'yes' as never }), /'options\.classAware'/],
      [() => nonMaxSuppression({ ...ok, format: 'yolo' as never }), /'options\.format'/],
      [() => nonMaxSuppression({ ...ok, format: 'xywh', boxes: [[0, 0, 1, 1], [0, 0, -2, 2]] }), /'options\.boxes\[1\]'.*w >= 0/],
    ];
    for (const [fn, message] of cases) {
      expect(fn).toThrow(InvalidArgumentError);
      expect(fn).toThrow(message);
    }
    await expect(nonMaxSuppressionAsync({ ...ok, iouThreshold: 2 })).rejects.toThrow(/'options\.iouThreshold'/);
  });
});

describeEachBackend('nonMaxSuppression on tensors', () => {
  it('tensors give the same detections as arrays, sync and async', async () => {
    const tb = tf.tensor2d(boxes);
    const ts = tf.tensor1d(scores);
    const tc = tf.tensor1d(classes, 'int32');
    const fromArrays = nonMaxSuppression({ boxes, scores, classes, iouThreshold: 0.45, scoreThreshold: 0.25 });
    expect(fromArrays.length).toBeGreaterThan(20);
    expect(nonMaxSuppression({ boxes: tb, scores: ts, classes: tc, iouThreshold: 0.45, scoreThreshold: 0.25 })).toEqual(fromArrays);
    expect(await nonMaxSuppressionAsync({ boxes: tb, scores: ts, classes: tc, iouThreshold: 0.45, scoreThreshold: 0.25 })).toEqual(fromArrays);
    const tcFloat = tf.tensor1d(classes, 'float32');
    expect(await nonMaxSuppressionAsync({ boxes: tb, scores, classes: tcFloat, iouThreshold: 0.45, scoreThreshold: 0.25 })).toEqual(fromArrays);
    tf.dispose([tb, ts, tc, tcFloat]);
  });

  it('leaves no tensors behind and does not dispose its inputs', async () => {
    const tb = tf.tensor2d(boxes.slice(0, 30));
    const ts = tf.tensor1d(scores.slice(0, 30));
    await expectNoLeaks(async () => {
      nonMaxSuppression({ boxes: tb, scores: ts });
      await nonMaxSuppressionAsync({ boxes: tb, scores: ts });
    });
    expect(tb.isDisposed || ts.isDisposed).toBe(false);
    tf.dispose([tb, ts]);
  });

  it('bad tensors: InvalidArgumentError naming the argument', async () => {
    const tb = tf.tensor2d([[0, 0, 1, 1], [0, 0, 2, 2]]);
    const nan = tf.tensor2d([[0, 0, 1, 1], [0, 0, Number.NaN, 2]]);
    const inverted = tf.tensor2d([[0, 0, 1, 1], [0, 3, 2, 2]]);
    const t3 = tf.zeros([2, 3]);
    const ts = tf.tensor1d([0.5, 0.4]);
    const ts3 = tf.tensor1d([0.5, 0.4, 0.3]);
    const ts2d = tf.tensor2d([[0.5], [0.4]]);
    const tcFrac = tf.tensor1d([0, 0.5]);
    const cases: [() => unknown, RegExp][] = [
      [() => nonMaxSuppression({ boxes: t3 as tf.Tensor2D, scores: ts }), /'options\.boxes'.*\[N, 4\]/],
      [() => nonMaxSuppression({ boxes: tb, scores: ts3 as tf.Tensor1D }), /'options\.scores'.*\[2\]/],
      [() => nonMaxSuppression({ boxes: tb, scores: ts2d as never }), /'options\.scores'/],
      [() => nonMaxSuppression({ boxes: tb, scores: ts, classes: tcFrac as tf.Tensor1D }), /'options\.classes\[1\]'/],
      [() => nonMaxSuppression({ boxes: nan, scores: ts }), /'options\.boxes\[1\]'.*finite/],
      [() => nonMaxSuppression({ boxes: inverted, scores: ts }), /'options\.boxes\[1\]'.*y2 >= y1/],
    ];
    for (const [fn, message] of cases) {
      expect(fn).toThrow(InvalidArgumentError);
      expect(fn).toThrow(message);
    }
    await expect(nonMaxSuppressionAsync({ boxes: nan, scores: ts })).rejects.toThrow(/'options\.boxes\[1\]'/);
    tf.dispose([tb, nan, inverted, t3, ts, ts3, ts2d, tcFrac]);
  });
});
