import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { InvalidArgumentError } from '../errors/errors.js';
import { convertRef, giouRef, iouRef, nmsRef, softNmsRef, type RefBox } from '../reference/boxes.js';
import { randomValues } from '../test-support/random.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { BOX_FORMATS, convertBoxes, type Box } from './box-format.js';
import { giouLoss, iouLoss } from './box-losses.js';
import { giou, iou, pairwiseIou, pairwiseIouTensor } from './iou.js';
import { nonMaxSuppression, softNms } from './nms.js';

/** n random xyxy boxes in a 100x100 image, clustered so that many overlap. */
function randomBoxes(n: number, seed: number): Box[] {
  const v = randomValues(n * 4, seed, 0, 1);
  return Array.from({ length: n }, (_, i) => {
    const cx = 20 + 60 * v[i * 4]!;
    const cy = 20 + 60 * v[i * 4 + 1]!;
    const w = 5 + 30 * v[i * 4 + 2]!;
    const h = 5 + 30 * v[i * 4 + 3]!;
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
  });
}

beforeAll(async () => {
  await ready();
});

describe('IoU and GIoU', () => {
  it('hand-checked cases', () => {
    expect(iou([0, 0, 2, 2], [1, 1, 3, 3])).toBeCloseTo(1 / 7, 12); // the course's example shape: 1 / (4 + 4 − 1)
    expect(iou([0, 0, 2, 2], [0, 0, 2, 2])).toBe(1);
    expect(iou([0, 0, 1, 1], [2, 2, 3, 3])).toBe(0);
    expect(iou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0); // empty boxes: 0, not NaN
    expect(giou([0, 0, 1, 1], [2, 0, 3, 1])).toBeCloseTo(-1 / 3, 12); // disjoint: enclosing 3, union 2
    expect(giou([0, 0, 2, 2], [0, 0, 2, 2])).toBe(1);
    expect(iou([1, 1, 2, 2], [2, 2, 2, 2], 'cxcywh')).toBeCloseTo(iou([0, 0, 2, 2], [1, 1, 3, 3]), 12);
  });

  it('match the reference on random boxes, pairwise and as tensors', () => {
    const a = randomBoxes(40, 1);
    const b = randomBoxes(30, 2);
    const m = pairwiseIou(a, b);
    const g = pairwiseIou(a, b, { generalized: true });
    for (let i = 0; i < a.length; i++)
      for (let j = 0; j < b.length; j++) {
        expect(m[i]![j]).toBeCloseTo(iouRef(a[i]!, b[j]!), 12);
        expect(g[i]![j]).toBeCloseTo(giouRef(a[i]!, b[j]!), 12);
      }
  });

  it('round-trips every format pair and converts pixels <-> normalized', () => {
    const boxes = randomBoxes(20, 3);
    for (const from of BOX_FORMATS)
      for (const to of BOX_FORMATS) {
        const src = boxes.map((b) => convertRef(b, 'xyxy', from));
        const out = convertBoxes(src, { from, to });
        out.forEach((b, i) => b.forEach((v, k) => expect(v).toBeCloseTo(convertRef(boxes[i]!, 'xyxy', to)[k]!, 9)));
        convertBoxes(out, { from: to, to: from }).forEach((b, i) => b.forEach((v, k) => expect(v).toBeCloseTo(src[i]![k]!, 9)));
      }
    const norm = convertBoxes([[10, 20, 50, 80]], { from: 'xyxy', to: 'cxcywh', imageSize: [100, 200], normalize: 'toNormalized' });
    norm[0]!.forEach((v, k) => expect(v).toBeCloseTo([0.15, 0.5, 0.2, 0.6][k]!, 12));
    expect(convertBoxes(norm, { from: 'cxcywh', to: 'xyxy', imageSize: [100, 200], normalize: 'toPixels' })[0]!.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([10, 20, 50, 80]);
  });

  it('bad input: typed errors naming the argument', () => {
    expect(() => iou([0, 0, 1], [0, 0, 1, 1])).toThrow(InvalidArgumentError);
    expect(() => iou([0, 0, Number.NaN, 1], [0, 0, 1, 1])).toThrow(/'a'/);
    expect(() => iou([2, 0, 1, 1], [0, 0, 1, 1])).toThrow(/x2 >= x1/);
    expect(() => pairwiseIou([[0, 0, 1, 1]], [[0, 0, -1, 1]], { format: 'xywh' })).toThrow(/b\[0\]/);
    expect(() => convertBoxes([[0, 0, 1, 1]], { from: 'xyxy', to: 'yolo' as never })).toThrow(/options.to/);
    expect(() => convertBoxes([[0, 0, 1, 1]], { from: 'xyxy', to: 'xywh', normalize: 'toPixels' })).toThrow(/options.imageSize/);
  });
});

describe('NMS and Soft-NMS', () => {
  it('class-aware greedy NMS equals the reference (same indices) on random boxes', () => {
    const boxes = randomBoxes(300, 4);
    const scores = Array.from(randomValues(300, 5, 0, 1));
    scores[7] = scores[8]!; // a tie
    const classes = Array.from(randomValues(300, 6, 0, 4), (v) => Math.floor(v));
    for (const t of [0.3, 0.5, 0.7]) {
      const got = nonMaxSuppression({ boxes, scores, classes, iouThreshold: t, scoreThreshold: 0.1, maxDetections: 1000 });
      expect(got.map((d) => d.index)).toEqual(nmsRef(boxes, scores, t, 0.1, classes));
      const agnostic = nonMaxSuppression({ boxes, scores, classes, iouThreshold: t, classAware: false, maxDetections: 1000 });
      expect(agnostic.map((d) => d.index)).toEqual(nmsRef(boxes, scores, t, 0));
    }
  });

  it('single-class NMS equals tf.image.nonMaxSuppression', async () => {
    const boxes = randomBoxes(200, 7);
    const scores = Array.from(randomValues(200, 8, 0.01, 1));
    // tfjs takes [y1, x1, y2, x2].
    const tBoxes = tf.tensor2d(boxes.map(([x1, y1, x2, y2]) => [y1, x1, y2, x2]));
    const tScores = tf.tensor1d(scores);
    const idx = await tf.image.nonMaxSuppressionAsync(tBoxes, tScores, 50, 0.45, 0);
    expect(nonMaxSuppression({ boxes, scores, iouThreshold: 0.45, maxDetections: 50 }).map((d) => d.index)).toEqual(Array.from(idx.dataSync()));
    tf.dispose([tBoxes, tScores, idx]);
  });

  it('Soft-NMS (linear and Gaussian) equals the reference; Gaussian equals tfjs soft-NMS with σ_tf = σ/2', async () => {
    const boxes = randomBoxes(120, 9);
    const scores = Array.from(randomValues(120, 10, 0.05, 1));
    for (const method of ['linear', 'gaussian'] as const) {
      const got = softNms({ boxes, scores, method, sigma: 0.5, iouThreshold: 0.3, scoreThreshold: 0.01, maxDetections: 1000, classAware: false });
      const ref = softNmsRef(boxes, scores, { method, sigma: 0.5, iouThreshold: 0.3, scoreThreshold: 0.01 });
      expect(got.map((d) => d.index)).toEqual(ref.map((d) => d.index));
      got.forEach((d, i) => expect(d.score).toBeCloseTo(ref[i]!.score, 9));
    }
    const tBoxes = tf.tensor2d(boxes.map(([x1, y1, x2, y2]) => [y1, x1, y2, x2]));
    const tScores = tf.tensor1d(scores);
    const res = await tf.image.nonMaxSuppressionWithScoreAsync(tBoxes, tScores, 30, 1, 0.01, 0.25);
    const ours = softNms({ boxes, scores, method: 'gaussian', sigma: 0.5, iouThreshold: 1, scoreThreshold: 0.01, maxDetections: 30, classAware: false });
    expect(ours.map((d) => d.index)).toEqual(Array.from(res.selectedIndices!.dataSync()));
    expectTensorsClose(ours.map((d) => d.score), Array.from(res.selectedScores!.dataSync()), { rtol: 1e-5 });
    tf.dispose([tBoxes, tScores, res.selectedIndices!, res.selectedScores!]);
  });

  it('results are plain objects in the input format; bad input is a typed error', () => {
    const out = nonMaxSuppression({ boxes: [[10, 10, 4, 4], [11, 11, 4, 4], [50, 50, 4, 4]], scores: [0.9, 0.8, 0.7], format: 'cxcywh', iouThreshold: 0.3 }); // IoU of the first two = 9/23
    expect(out).toEqual([
      { index: 0, box: [10, 10, 4, 4], score: 0.9, class: 0 },
      { index: 2, box: [50, 50, 4, 4], score: 0.7, class: 0 },
    ]);
    expect(() => nonMaxSuppression({ boxes: [[0, 0, 1, 1]], scores: [0.5, 0.2] })).toThrow(/options.scores/);
    expect(() => nonMaxSuppression({ boxes: [[0, 0, 1, 1]], scores: [Number.NaN] })).toThrow(/options.scores\[0\]/);
    expect(() => nonMaxSuppression({ boxes: [[0, 0, 1, 1]], scores: [0.5], iouThreshold: 1.5 })).toThrow(/options.iouThreshold/);
    expect(() => nonMaxSuppression({ boxes: [[0, 0, 1, 1]], scores: [0.5], classes: [0.5] })).toThrow(/options.classes/);
    expect(() => softNms({ boxes: [[0, 0, 1, 1]], scores: [0.5], method: 'hard' as never })).toThrow(/options.method/);
  });
});

describeEachBackend('box tensors and losses', () => {
  it('pairwiseIouTensor matches the reference', () => {
    const a = randomBoxes(12, 11);
    const b = randomBoxes(9, 12);
    const ta = tf.tensor2d(a);
    const tb = tf.tensor2d(b);
    expectTensorsClose(pairwiseIouTensor(ta, tb), a.map((p) => b.map((q) => iouRef(p as RefBox, q as RefBox))) as number[][], { rtol: 1e-4, atol: 1e-5 });
    expectTensorsClose(pairwiseIouTensor(ta, tb, { generalized: true }), a.map((p) => b.map((q) => giouRef(p as RefBox, q as RefBox))) as number[][], { rtol: 1e-4, atol: 1e-5 });
    expectTensorsClose(convertBoxes(ta, { from: 'xyxy', to: 'cxcywh' }), a.map((p) => convertRef(p, 'xyxy', 'cxcywh')) as number[][]);
    tf.dispose([ta, tb]);
  });

  it('IoU/GIoU losses: values vs the reference, finite gradients for disjoint and identical boxes, GIoU pulls disjoint boxes together', () => {
    const pred = tf.tensor2d([[0, 0, 1, 1], [0, 0, 2, 2], [5, 5, 6, 6]]);
    const target = tf.tensor2d([[2, 0, 3, 1], [0, 0, 2, 2], [5.5, 5.5, 6.5, 6.5]]);
    const refIou = [0, 1, iouRef([5, 5, 6, 6], [5.5, 5.5, 6.5, 6.5])];
    const refGiou = [giouRef([0, 0, 1, 1], [2, 0, 3, 1]), 1, giouRef([5, 5, 6, 6], [5.5, 5.5, 6.5, 6.5])];
    expectTensorsClose(iouLoss(pred, target, { reduction: 'none' }), refIou.map((v) => 1 - v), { rtol: 1e-4, atol: 1e-5 });
    expectTensorsClose(giouLoss(pred, target, { reduction: 'none' }), refGiou.map((v) => 1 - v), { rtol: 1e-4, atol: 1e-5 });
    expectTensorsClose(giouLoss(pred, target, { reduction: 'sum' }), [refGiou.reduce((s, v) => s + 1 - v, 0)], { rtol: 1e-4, atol: 1e-5 });
    const g = tf.grad((p: tf.Tensor) => giouLoss(p as tf.Tensor2D, target))(pred);
    const gv = g.dataSync();
    expect(Array.from(gv).every(Number.isFinite)).toBe(true);
    expect(gv[2]!).toBeLessThan(0); // moving the disjoint box's right edge toward the target lowers the loss
    const gi = tf.grad((p: tf.Tensor) => iouLoss(p as tf.Tensor2D, target))(pred);
    expect(Array.from(gi.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([pred, target, g, gi]);
  });

  it('does not leak; bad tensors are typed errors', async () => {
    const a = tf.tensor2d([[0, 0, 1, 1]]);
    await expectNoLeaks(() => {
      pairwiseIouTensor(a, a).dispose();
      convertBoxes(a, { from: 'xyxy', to: 'xywh' }).dispose();
      iouLoss(a, a).dispose();
      giouLoss(a, a, { format: 'cxcywh' }).dispose();
      nonMaxSuppression({ boxes: [[0, 0, 1, 1]], scores: [1] });
      softNms({ boxes: [[0, 0, 1, 1]], scores: [1] });
    });
    expect(() => iouLoss(tf.zeros([2, 3]) as tf.Tensor2D, a)).toThrow(/'pred'/);
    expect(() => giouLoss(a, tf.zeros([2, 4]) as tf.Tensor2D)).toThrow(/'target'/);
    expect(() => iouLoss(a, a, { reduction: 'avg' as never })).toThrow(/options.reduction/);
    a.dispose();
  });
});
