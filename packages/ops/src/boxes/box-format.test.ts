import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { InvalidArgumentError } from '../errors/errors.js';
import { convertBoxReference } from '../reference/boxes.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { boxFromObject, boxToObject, convertBox, convertBoxes } from './box-format.js';
import { BOX_FORMATS, type Box } from './box-types.js';
import { randomBoxes } from './test-boxes.js';

const boxes = randomBoxes(300, 1);
const inFormat = (format: (typeof BOX_FORMATS)[number]) => boxes.map((b) => convertBoxReference(b, 'xyxy', format));
const IMAGE: [number, number] = [48, 80]; // [h, w], not square so x and y scales differ

describe('convertBoxes on arrays', () => {
  beforeAll(async () => {
    await ready({ backend: 'cpu' }); // for tf.memory() in the leak test
  });

  it('hand-checked conversions (torchvision.ops.box_convert names)', () => {
    expect(convertBoxes([[10, 20, 50, 80]], { from: 'xyxy', to: 'xywh' })).toEqual([[10, 20, 40, 60]]);
    expect(convertBoxes([[10, 20, 50, 80]], { from: 'xyxy', to: 'cxcywh' })).toEqual([[30, 50, 40, 60]]);
    expect(convertBoxes([[30, 50, 40, 60]], { from: 'cxcywh', to: 'xywh' })).toEqual([[10, 20, 40, 60]]);
    // YOLO label (normalized cxcywh) on a 100x200 (h x w) image -> pixel corners.
    expect(convertBoxes([[0.5, 0.5, 0.25, 0.5]], { from: 'cxcywh', to: 'xyxy', imageSize: [100, 200], normalize: 'toPixels' })).toEqual([[75, 25, 125, 75]]);
    expect(convertBoxes([[75, 25, 125, 75]], { from: 'xyxy', to: 'cxcywh', imageSize: [100, 200], normalize: 'toNormalized' })).toEqual([[0.5, 0.5, 0.25, 0.5]]);
    expect(convertBoxes([], { from: 'xyxy', to: 'xywh' })).toEqual([]);
    expect(convertBox([0, 0, 0, 0], { from: 'xyxy', to: 'cxcywh' })).toEqual([0, 0, 0, 0]); // zero-area boxes are fine
  });

  it('every format pair matches the reference and round-trips, with and without normalization', () => {
    for (const from of BOX_FORMATS)
      for (const to of BOX_FORMATS) {
        const src = inFormat(from);
        const out = convertBoxes(src, { from, to });
        expect(out).toEqual(src.map((b) => convertBoxReference(b, from, to)));
        expectTensorsClose(convertBoxes(out, { from: to, to: from }), src, { rtol: 1e-12, atol: 1e-12 });
        const norm = convertBoxes(src, { from, to, imageSize: IMAGE, normalize: 'toNormalized' });
        expect(norm).toEqual(src.map((b) => convertBoxReference(b, from, to, { imageSize: IMAGE, normalize: 'toNormalized' })));
        expectTensorsClose(convertBoxes(norm, { from: to, to: from, imageSize: IMAGE, normalize: 'toPixels' }), src, { rtol: 1e-12, atol: 1e-12 });
      }
  });

  it('object forms: keys spell the format, objects in -> objects out', () => {
    expect(convertBoxes([{ x1: 10, y1: 20, x2: 50, y2: 80 }], { from: 'xyxy', to: 'cxcywh' })).toEqual([{ cx: 30, cy: 50, w: 40, h: 60 }]);
    expect(convertBox({ x: 10, y: 20, w: 40, h: 60 }, { from: 'xywh', to: 'xyxy' })).toEqual({ x1: 10, y1: 20, x2: 50, y2: 80 });
    expect(boxToObject([1, 2, 3, 4], 'xywh')).toEqual({ x: 1, y: 2, w: 3, h: 4 });
    expect(boxFromObject({ cx: 5, cy: 5, w: 2, h: 4 }, 'cxcywh')).toEqual([5, 5, 2, 4]);
    for (const f of BOX_FORMATS) expect(boxFromObject(boxToObject(inFormat(f)[0]!, f), f)).toEqual(inFormat(f)[0]);
  });

  it('creates no tensors', async () => {
    await expectNoLeaks(() => {
      convertBoxes(boxes, { from: 'xyxy', to: 'cxcywh' });
      convertBox([1, 2, 3, 4], { from: 'xywh', to: 'xyxy' });
      boxFromObject(boxToObject([1, 2, 3, 4], 'xyxy'), 'xyxy');
    });
  });

  it('bad input: InvalidArgumentError naming the argument', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => convertBoxes([[0, 0, 1, 1]], { from: 'xyxy', to: 'yolo' as never }), /'options\.to'.*'xyxy', 'xywh', 'cxcywh'/],
      [() => convertBoxes([[0, 0, 1, 1]], { from: 'ltrb' as never, to: 'xywh' }), /'options\.from'/],
      [() => convertBoxes([[0, 0, 1, 1]], null as never), /'options'/],
      [() => convertBoxes([[0, 0, 1, 1]], { from: 'xyxy', to: 'xywh', normalize: 'toPixels' }), /'options\.imageSize'/],
      [() => convertBoxes([[0, 0, 1, 1]], { from: 'xyxy', to: 'xywh', normalize: 'toPixels', imageSize: [0, 10] }), /'options\.imageSize'/],
      [() => convertBoxes([[0, 0, 1, 1]], { from: 'xyxy', to: 'xywh', imageSize: [10, 10] }), /'options\.normalize'/],
      [() => convertBoxes([[0, 0, 1, 1]], { from: 'xyxy', to: 'xywh', normalize: 'pixels' as never, imageSize: [10, 10] }), /'options\.normalize'/],
      [() => convertBoxes([[0, 0, 1, 1], [0, 0, 1]], { from: 'xyxy', to: 'xywh' }), /'boxes\[1\]'.*4 numbers/],
      [() => convertBoxes([[0, 0, Number.NaN, 1]], { from: 'xyxy', to: 'xywh' }), /'boxes\[0\]'.*finite/],
      [() => convertBoxes([[0, 0, Infinity, 1]], { from: 'xyxy', to: 'xywh' }), /'boxes\[0\]'.*finite/],
      [() => convertBoxes([[5, 0, 1, 1]], { from: 'xyxy', to: 'xywh' }), /'boxes\[0\]'.*x2 >= x1/],
      [() => convertBoxes([[5, 5, -1, 1]], { from: 'cxcywh', to: 'xyxy' }), /'boxes\[0\]'.*w >= 0/],
      [() => convertBoxes([{ cx: 1, cy: 1, w: 1, h: 1 }] as never, { from: 'xyxy', to: 'xywh' }), /'boxes\[0\]'.*pass format: 'cxcywh'/],
      [() => convertBoxes('boxes' as never, { from: 'xyxy', to: 'xywh' }), /'boxes'/],
      [() => boxToObject([0, 0, 1], 'xyxy'), /'box'/],
      [() => boxToObject([0, 0, 1, 1], 'yolo' as never), /'format'/],
      [() => boxFromObject({ x: 1, y: 1, w: 1, h: 1 } as never, 'xyxy'), /'box'.*pass format: 'xywh'/],
    ];
    for (const [fn, message] of cases) {
      expect(fn).toThrow(InvalidArgumentError);
      expect(fn).toThrow(message);
    }
  });
});

describeEachBackend('convertBoxes on tensors', () => {
  it('every format pair matches the reference and round-trips', () => {
    for (const from of BOX_FORMATS)
      for (const to of BOX_FORMATS) {
        const src = inFormat(from);
        const t = tf.tensor2d(src);
        const out = convertBoxes(t, { from, to });
        expectTensorsClose(out, src.map((b) => convertBoxReference(b, from, to)));
        const back = convertBoxes(out, { from: to, to: from });
        expectTensorsClose(back, t);
        const norm = convertBoxes(t, { from, to, imageSize: IMAGE, normalize: 'toNormalized' });
        expectTensorsClose(norm, src.map((b) => convertBoxReference(b, from, to, { imageSize: IMAGE, normalize: 'toNormalized' })));
        tf.dispose([t, out, back, norm]);
      }
  });

  it('returns a new tensor (even for from === to), handles no boxes, leaks nothing', async () => {
    const t = tf.tensor2d(boxes.slice(0, 5));
    const same = await expectNoLeaks(() => convertBoxes(t, { from: 'xyxy', to: 'xyxy' }), { allowReturned: true });
    expect(same).not.toBe(t);
    same.dispose();
    expectTensorsClose(t, boxes.slice(0, 5) as number[][]); // input still alive
    const scaled = await expectNoLeaks(() => convertBoxes(t, { from: 'xyxy', to: 'cxcywh', imageSize: IMAGE, normalize: 'toNormalized' }), { allowReturned: true });
    scaled.dispose();
    const empty = tf.zeros([0, 4]) as tf.Tensor2D;
    const out = convertBoxes(empty, { from: 'cxcywh', to: 'xyxy' });
    expect(out.shape).toEqual([0, 4]);
    tf.dispose([t, empty, out]);
  });

  it('bad tensors: InvalidArgumentError naming the argument', () => {
    const wrongShape = tf.zeros([3, 5]) as tf.Tensor2D;
    const wrongRank = tf.zeros([4]) as unknown as tf.Tensor2D;
    const ints = tf.zeros([3, 4], 'int32') as tf.Tensor2D;
    for (const t of [wrongShape, wrongRank, ints]) {
      expect(() => convertBoxes(t, { from: 'xyxy', to: 'xywh' })).toThrow(InvalidArgumentError);
      expect(() => convertBoxes(t, { from: 'xyxy', to: 'xywh' })).toThrow(/'boxes'.*\[N, 4\]|'boxes'.*float32/);
    }
    tf.dispose([wrongShape, wrongRank, ints]);
  });
});

// Keeps the `Box` type import honest: conversions of tuples are tuples.
const _typed: Box[] = convertBoxes([[1, 2, 3, 4]], { from: 'xyxy', to: 'xywh' });
void _typed;
