import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { InvalidArgumentError } from '../errors/errors.js';
import { softNmsReference } from '../reference/boxes.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import type { Box } from './box-types.js';
import { softNms, softNmsAsync } from './soft-nms.js';
import { randomBoxes, randomClasses, randomScores } from './test-boxes.js';

const N = 300;
const boxes = randomBoxes(N, 7);
const scores = randomScores(N, 8);
const classes = randomClasses(N, 9, 4);

function expectSameDetections(got: { index: number; score: number }[], ref: { index: number; score: number }[], rtol = 1e-12): void {
  expect(got.map((d) => d.index)).toEqual(ref.map((d) => d.index));
  expectTensorsClose(got.map((d) => d.score), ref.map((d) => d.score), { rtol, atol: 1e-15 });
}

describe('softNms on arrays', () => {
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
  });

  it('hand-checked: scores decay instead of boxes vanishing', () => {
    const b: Box[] = [[0, 0, 2, 2], [1, 1, 3, 3], [0, 0, 2, 2], [10, 10, 11, 11]]; // IoU(0, 1) = 1/7, box 2 duplicates box 0
    const s = [0.9, 0.8, 0.7, 0.6];
    const k = Math.exp(-(1 / 49) / 0.5);
    const gaussian = softNms({ boxes: b, scores: s });
    expect(gaussian.map((d) => d.index)).toEqual([0, 1, 3, 2]);
    expectTensorsClose(gaussian.map((d) => d.score), [0.9, 0.8 * k, 0.6, 0.7 * Math.exp(-1 / 0.5) * k], { rtol: 1e-14, atol: 0 });
    // Linear (N_t = 0.3 by default): IoU 1/7 < N_t leaves box 1 alone; the duplicate decays to 0 and is dropped.
    const linear = softNms({ boxes: b, scores: s, method: 'linear' });
    expect(linear).toEqual([
      { index: 0, box: [0, 0, 2, 2], score: 0.9, class: 0 },
      { index: 1, box: [1, 1, 3, 3], score: 0.8, class: 0 },
      { index: 3, box: [10, 10, 11, 11], score: 0.6, class: 0 },
    ]);
    expectTensorsClose(softNms({ boxes: b, scores: s, method: 'linear', iouThreshold: 0.1 }).map((d) => d.score), [0.9, 0.8 * (6 / 7), 0.6], { rtol: 1e-14, atol: 0 });
    // Classes: a duplicate of another class keeps its score.
    expect(softNms({ boxes: b, scores: s, classes: [0, 0, 1, 0] }).find((d) => d.index === 2)!.score).toBe(0.7);
    expect(softNms({ boxes: b, scores: s, maxDetections: 2 }).map((d) => d.index)).toEqual([0, 1]);
    expect(softNms({ boxes: [], scores: [] })).toEqual([]);
    expect(softNms({ boxes: [{ x1: 0, y1: 0, x2: 1, y2: 1 }], scores: [0.5] })).toEqual([{ index: 0, box: { x1: 0, y1: 0, x2: 1, y2: 1 }, score: 0.5, class: 0 }]);
  });

  it('equals the reference on random boxes (linear and gaussian, classes, ties)', () => {
    for (const method of ['linear', 'gaussian'] as const)
      for (const [iouThreshold, sigma, scoreThreshold] of [[0.3, 0.5, 0.001], [0.5, 0.2, 0.1], [0, 2, 0]] as const)
        for (const classAware of [true, false]) {
          const got = softNms({ boxes, scores, classes, method, sigma, iouThreshold, scoreThreshold, classAware, maxDetections: Infinity });
          const ref = softNmsReference(boxes, scores, { method, sigma, iouThreshold, scoreThreshold, classes: classAware ? classes : undefined });
          expectSameDetections(got, ref);
          got.forEach((d) => expect(d.class).toBe(classes[d.index]));
        }
    expectSameDetections(softNms({ boxes, scores, classes, maxDetections: 40 }), softNmsReference(boxes, scores, { method: 'gaussian', sigma: 0.5, iouThreshold: 0.3, scoreThreshold: 0.001, classes, maxDetections: 40 }));
  });

  it('gaussian equals tf.image.nonMaxSuppressionWithScoreAsync with σ_tf = σ / 2 (boxes without duplicates)', async () => {
    const keep = boxes.map((b, i) => i).filter((i) => !boxes.slice(0, i).some((p) => p.every((v, k) => v === boxes[i]![k])));
    const b = keep.map((i) => boxes[i]!);
    const s = keep.map((i) => scores[i]!);
    const tb = tf.tensor2d(b.map(([x1, y1, x2, y2]) => [y1, x1, y2, x2]));
    const ts = tf.tensor1d(s);
    for (const sigma of [0.5, 1.5]) {
      const res = await tf.image.nonMaxSuppressionWithScoreAsync(tb, ts, 60, 1, 0.05 - 1e-9, sigma / 2);
      const ours = softNms({ boxes: b, scores: s, sigma, scoreThreshold: 0.05, maxDetections: 60, classAware: false });
      expect(ours.map((d) => d.index)).toEqual(Array.from(res.selectedIndices!.dataSync()));
      expectTensorsClose(ours.map((d) => d.score), res.selectedScores!, { rtol: 1e-6 });
      tf.dispose([res.selectedIndices!, res.selectedScores!]);
    }
    tf.dispose([tb, ts]);
  });

  it('creates no tensors', async () => {
    await expectNoLeaks(async () => {
      softNms({ boxes: boxes.slice(0, 20), scores: scores.slice(0, 20) });
      await softNmsAsync({ boxes: boxes.slice(0, 20), scores: scores.slice(0, 20), method: 'linear' });
    });
  });

  it('bad input: InvalidArgumentError naming the argument', async () => {
    const ok = { boxes: [[0, 0, 1, 1], [0, 0, 2, 2]], scores: [0.5, 0.4] };
    const cases: [() => unknown, RegExp][] = [
      [() => softNms({ ...ok, method: 'hard' as never }), /'options\.method'/],
      [() => softNms({ ...ok, sigma: 0 }), /'options\.sigma'/],
      [() => softNms({ ...ok, sigma: -1 }), /'options\.sigma'/],
      [() => softNms({ ...ok, iouThreshold: 2 }), /'options\.iouThreshold'/],
      [() => softNms({ ...ok, scores: [0.5] }), /'options\.scores'/],
      [() => softNms({ ...ok, boxes: [[0, 0, 1, 1], [2, 0, 1, 1]] }), /'options\.boxes\[1\]'/],
      [() => softNms({ ...ok, format: 'xyhw' as never }), /'options\.format'/],
    ];
    for (const [fn, message] of cases) {
      expect(fn).toThrow(InvalidArgumentError);
      expect(fn).toThrow(message);
    }
    await expect(softNmsAsync({ ...ok, sigma: Number.NaN })).rejects.toThrow(/'options\.sigma'/);
  });
});

describeEachBackend('softNms on tensors', () => {
  it('tensors give the same detections as arrays, sync and async', async () => {
    const tb = tf.tensor2d(boxes);
    const ts = tf.tensor1d(scores);
    const tc = tf.tensor1d(classes, 'int32');
    for (const method of ['linear', 'gaussian'] as const) {
      const fromArrays = softNms({ boxes, scores, classes, method });
      expect(fromArrays.length).toBe(100); // default maxDetections
      expect(softNms({ boxes: tb, scores: ts, classes: tc, method })).toEqual(fromArrays);
      expect(await softNmsAsync({ boxes: tb, scores: ts, classes: tc, method })).toEqual(fromArrays);
    }
    tf.dispose([tb, ts, tc]);
  });

  it('leaves no tensors behind', async () => {
    const tb = tf.tensor2d(boxes.slice(0, 30));
    const ts = tf.tensor1d(scores.slice(0, 30));
    await expectNoLeaks(async () => {
      softNms({ boxes: tb, scores: ts });
      await softNmsAsync({ boxes: tb, scores: ts });
    });
    tf.dispose([tb, ts]);
  });

  it('bad tensors: InvalidArgumentError naming the argument', () => {
    const tb = tf.tensor2d([[0, 0, 1, 1], [0, 0, 2, Infinity]]);
    const ts = tf.tensor1d([0.5, 0.4]);
    const ti = tf.tensor1d([1, 0], 'int32');
    expect(() => softNms({ boxes: tb, scores: ts })).toThrow(/'options\.boxes\[1\]'/);
    expect(() => softNms({ boxes: tb, scores: ti as tf.Tensor1D })).toThrow(/'options\.scores'.*float32/);
    tf.dispose([tb, ts, ti]);
  });
});
