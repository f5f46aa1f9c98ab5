import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { InvalidArgumentError } from '../errors/errors.js';
import { convertBoxReference, giouReference, iouReference } from '../reference/boxes.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { BOX_FORMATS, type Box } from './box-types.js';
import { giou, iou, pairwiseGiou, pairwiseIou } from './iou.js';
import { randomBoxes } from './test-boxes.js';

const A = randomBoxes(300, 2);
const B = randomBoxes(200, 3);
const matrix = (f: (a: Box, b: Box) => number, a: Box[], b: Box[]) => a.map((p) => b.map((q) => f(p, q)));

describe('iou and giou of plain boxes', () => {
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
  });

  it("the course's test cases", () => {
    expect(iou([2, 1, 4, 3], [1, 2, 3, 4])).toBeCloseTo(0.14285714285714285, 15); // intersecting: 1 / 7
    expect(iou([1, 2, 3, 4], [5, 6, 7, 8])).toBe(0); // disjoint
    expect(iou([1, 1, 2, 2], [2, 2, 3, 3])).toBe(0); // touching at a vertex
    expect(iou([1, 1, 3, 3], [2, 3, 3, 4])).toBe(0); // touching along an edge
  });

  it('hand-checked IoU and GIoU, degenerate boxes without NaN', () => {
    expect(iou([0, 0, 2, 2], [0, 0, 2, 2])).toBe(1);
    expect(giou([0, 0, 2, 2], [0, 0, 2, 2])).toBe(1);
    expect(giou([0, 0, 1, 1], [2, 0, 3, 1])).toBeCloseTo(-1 / 3, 15); // union 2, enclosing 3: 0 − 1/3
    expect(giou([0, 0, 1, 1], [1, 1, 2, 2])).toBeCloseTo(-0.5, 15); // union 2, enclosing 4
    expect(giou([0, 0, 1, 1], [99, 99, 100, 100])).toBeLessThan(-0.999); // far apart: towards −1
    expect(giou([0, 0, 2, 2], [1, 1, 3, 3])).toBeCloseTo(1 / 7 - 2 / 9, 15); // enclosing 9, union 7
    expect(iou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0); // empty union
    expect(giou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0); // empty enclosing box
    expect(giou([0, 0, 0, 0], [2, 2, 2, 2])).toBe(-1); // two points: nothing shared, all of C empty
    expect(iou([1, 1, 1, 1], [0, 0, 2, 2])).toBe(0); // a point inside a box
    expect(giou([0, 0, 0, 2], [0, 0, 0, 4])).toBe(0); // collinear lines: empty C
  });

  it('formats and object forms give the same numbers', () => {
    for (const format of BOX_FORMATS) {
      const a = convertBoxReference([0, 0, 2, 2], 'xyxy', format);
      const b = convertBoxReference([1, 1, 3, 3], 'xyxy', format);
      expect(iou(a, b, { format })).toBeCloseTo(1 / 7, 15);
      expect(giou(a, b, { format })).toBeCloseTo(1 / 7 - 2 / 9, 15);
    }
    expect(iou({ x1: 0, y1: 0, x2: 2, y2: 2 }, { x1: 1, y1: 1, x2: 3, y2: 3 })).toBeCloseTo(1 / 7, 15);
    expect(pairwiseIou([{ cx: 1, cy: 1, w: 2, h: 2 }], [[2, 2, 2, 2]], { format: 'cxcywh' })[0]![0]).toBeCloseTo(1 / 7, 15);
  });

  it('pairwise matrices equal the reference on random boxes (duplicates, zero-area, ties)', () => {
    expect(pairwiseIou(A, B)).toEqual(matrix(iouReference, A, B));
    expect(pairwiseGiou(A, B)).toEqual(matrix(giouReference, A, B));
    const cA = A.map((b) => convertBoxReference(b, 'xyxy', 'cxcywh'));
    const cB = B.map((b) => convertBoxReference(b, 'xyxy', 'cxcywh'));
    expectTensorsClose(pairwiseGiou(cA, cB, { format: 'cxcywh' }), matrix(giouReference, A, B), { rtol: 1e-12, atol: 1e-12 });
    expect(pairwiseIou([], B)).toEqual([]);
    expect(pairwiseIou(A.slice(0, 2), [])).toEqual([[], []]);
    for (let i = 0; i < 50; i++) expect(iou(A[i]!, B[i]!)).toBe(iouReference(A[i]!, B[i]!));
  });

  it('creates no tensors', async () => {
    await expectNoLeaks(() => {
      iou(A[0]!, B[0]!);
      giou(A[0]!, B[0]!, { format: 'xyxy' });
      pairwiseIou(A.slice(0, 3), B.slice(0, 3));
      pairwiseGiou(A.slice(0, 3), B.slice(0, 3));
    });
  });

  it('bad input: InvalidArgumentError naming the argument', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => iou([0, 0, 1], [0, 0, 1, 1]), /'a'/],
      [() => iou([0, 0, 1, 1], [0, 0, Number.NaN, 1]), /'b'.*finite/],
      [() => giou([2, 0, 1, 1], [0, 0, 1, 1]), /'a'.*x2 >= x1/],
      [() => iou([0, 0, 1, 1], [0, 0, 1, 1], { format: 'yolo' as never }), /'options\.format'/],
      [() => iou([0, 0, 1, 1], [0, 0, 1, 1], 'xywh' as never), /'options'/],
      [() => pairwiseIou([[0, 0, 1, 1]], [[0, 0, 1, 1], [0, 0, -1, 1]], { format: 'xywh' }), /'b\[1\]'.*w >= 0/],
      [() => pairwiseGiou([[0, 0, 1, Infinity]], [[0, 0, 1, 1]]), /'a\[0\]'/],
      [() => pairwiseIou('a' as never, []), /'a'/],
    ];
    for (const [fn, message] of cases) {
      expect(fn).toThrow(InvalidArgumentError);
      expect(fn).toThrow(message);
    }
  });
});

describeEachBackend('iou and giou of tensors', () => {
  const a = A.slice(0, 60);
  const b = B.slice(0, 40);

  it('pairwise [N, M] matrices match the reference, in every format', () => {
    for (const format of BOX_FORMATS) {
      const ta = tf.tensor2d(a.map((x) => convertBoxReference(x, 'xyxy', format)));
      const tb = tf.tensor2d(b.map((x) => convertBoxReference(x, 'xyxy', format)));
      const m = pairwiseIou(ta, tb, { format });
      const g = pairwiseGiou(ta, tb, { format });
      expect(m.shape).toEqual([60, 40]);
      expectTensorsClose(m, matrix(iouReference, a, b), { rtol: 1e-4, atol: 1e-5 });
      expectTensorsClose(g, matrix(giouReference, a, b), { rtol: 1e-4, atol: 1e-5 });
      tf.dispose([ta, tb, m, g]);
    }
  });

  it('element-wise iou/giou broadcast over [..., 4]; degenerate boxes give 0, not NaN', () => {
    const ta = tf.tensor2d(a);
    const tb = tf.tensor2d(a.map((x, i) => b[i % b.length]!));
    expectTensorsClose(iou(ta, tb), a.map((x, i) => iouReference(x, b[i % b.length]!)), { rtol: 1e-4, atol: 1e-5 });
    const col = tf.tensor3d([a.slice(0, 5)]).reshape([5, 1, 4]);
    const row = tf.tensor3d([b.slice(0, 7)]); // [1, 7, 4]
    const g = giou(col, row);
    expect(g.shape).toEqual([5, 7]);
    expectTensorsClose(g, matrix(giouReference, a.slice(0, 5), b.slice(0, 7)), { rtol: 1e-4, atol: 1e-5 });
    const points = tf.tensor2d([[0, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]]);
    const others = tf.tensor2d([[0, 0, 0, 0], [2, 2, 2, 2], [0, 0, 2, 2]]);
    expectTensorsClose(iou(points, others), [0, 0, 0]);
    expectTensorsClose(giou(points, others), [0, -1, giouReference([1, 1, 1, 1], [0, 0, 2, 2])]);
    tf.dispose([ta, tb, col, row, g, points, others]);
  });

  it('gradients are finite and have the inputs’ shapes, broadcasting included', () => {
    const col = tf.tensor2d([[0, 0, 2, 2], [5, 5, 6, 6], [1, 1, 1, 1]]).reshape([3, 1, 4]);
    const row = tf.tensor2d([[0, 0, 2, 2], [1, 1, 3, 3]]).reshape([1, 2, 4]);
    const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(giou(p, q)))([col, row]);
    expect(grads[0]!.shape).toEqual([3, 1, 4]);
    expect(grads[1]!.shape).toEqual([1, 2, 4]);
    for (const gr of grads) expect(Array.from(gr.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([col, row, ...grads]);
  });

  it('no leaks', async () => {
    const ta = tf.tensor2d(a.slice(0, 4));
    const tb = tf.tensor2d(b.slice(0, 4));
    for (const fn of [iou, giou, pairwiseIou, pairwiseGiou] as ((x: tf.Tensor2D, y: tf.Tensor2D, o?: object) => tf.Tensor)[]) {
      const out = await expectNoLeaks(() => fn(ta, tb, { format: 'xywh' }), { allowReturned: true });
      out.dispose();
    }
    tf.dispose([ta, tb]);
  });

  it('bad tensors: InvalidArgumentError naming the argument', () => {
    const t3 = tf.zeros([2, 3]);
    const t4 = tf.zeros([2, 4]);
    const t34 = tf.zeros([3, 4]);
    const ints = tf.zeros([2, 4], 'int32');
    const rank3 = tf.zeros([1, 2, 4]);
    const cases: [() => unknown, RegExp][] = [
      [() => iou(t3, t4), /'a'.*\[\.\.\., 4\]/],
      [() => giou(t4, ints), /'b'.*float32/],
      [() => iou(t4, t34), /'b'.*broadcastable/],
      [() => pairwiseIou(t4 as tf.Tensor2D, t3 as tf.Tensor2D), /'b'.*\[N, 4\]/],
      [() => pairwiseGiou(rank3 as never, t4 as tf.Tensor2D), /'a'/],
      [() => pairwiseIou(t4 as tf.Tensor2D, [[0, 0, 1, 1]] as never), /'b'/],
      [() => iou(t4, t4, { format: 'ltrb' as never }), /'options\.format'/],
    ];
    for (const [fn, message] of cases) {
      expect(fn).toThrow(InvalidArgumentError);
      expect(fn).toThrow(message);
    }
    tf.dispose([t3, t4, t34, ints, rank3]);
  });
});
