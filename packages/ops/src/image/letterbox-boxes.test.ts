import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import type { BoxFormat } from '../boxes/box-format.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { letterbox, type LetterboxTransform } from './letterbox.js';
import { letterboxBoxes, unletterboxBoxes } from './letterbox-boxes.js';

/** The transform of a 100x50 (w x h) image letterboxed into 64x64. */
const T: LetterboxTransform = { scale: 0.64, padX: 0, padY: 16, srcSize: [50, 100], dstSize: [64, 64] };
const XYXY = [[10, 5, 60, 45], [0, 0, 100, 50], [99, 49, 100, 50]];

describeEachBackend('letterboxBoxes / unletterboxBoxes', () => {
  it('is the transform letterbox() reports', () => {
    const img = tf.zeros([50, 100, 3]) as tf.Tensor3D;
    const { image, transform } = letterbox(img, [64, 64]);
    expect(transform).toEqual(T);
    tf.dispose([img, image]);
  });

  it('maps xyxy pixels forward and back: unletterboxBoxes(letterboxBoxes(b)) ≈ b', () => {
    const there = letterboxBoxes(XYXY, T);
    expectTensorsClose(there[0]!, [6.4, 19.2, 38.4, 44.8]);
    expectTensorsClose(there[1]!, [0, 16, 64, 48]);
    expectTensorsClose(unletterboxBoxes(there, T).flat(), XYXY.flat());
  });

  it('round-trips every format, in pixels and normalized', () => {
    const toFormat: Record<BoxFormat, (b: number[]) => number[]> = {
      xyxy: (b) => b,
      xywh: ([x1, y1, x2, y2]) => [x1!, y1!, x2! - x1!, y2! - y1!],
      cxcywh: ([x1, y1, x2, y2]) => [(x1! + x2!) / 2, (y1! + y2!) / 2, x2! - x1!, y2! - y1!],
    };
    for (const format of ['xyxy', 'xywh', 'cxcywh'] as const) {
      const pixels = XYXY.map(toFormat[format]);
      const there = letterboxBoxes(pixels, T, format);
      // the format is kept: compare with the xyxy result converted
      expectTensorsClose(there.flat(), letterboxBoxes(XYXY, T).map(toFormat[format]).flat(), { atol: 1e-9 });
      expectTensorsClose(unletterboxBoxes(there, T, format).flat(), pixels.flat());
      const norm = pixels.map(([a, b, c, d]) => [a! / 100, b! / 50, c! / 100, d! / 50]);
      const thereN = letterboxBoxes(norm, T, format, { normalized: true });
      expect(thereN.flat().every((v) => v >= 0 && v <= 1)).toBe(true);
      expectTensorsClose(unletterboxBoxes(thereN, T, format, { normalized: true }).flat(), norm.flat());
    }
  });

  it('maps normalized model output to original-image pixels, clipping to the image', () => {
    // a YOLO-style cxcywh box normalized to the 64x64 input, reaching into the padding
    const out = unletterboxBoxes([[0.5, 0.5, 1, 0.75]], T, 'cxcywh', { normalized: true, outputNormalized: false });
    // xyxy on the input: [0, 8, 64, 56] -> source [0, -12.5, 100, 62.5] -> clipped [0, 0, 100, 50] -> cxcywh
    expectTensorsClose(out[0]!, [50, 25, 100, 50]);
    const raw = unletterboxBoxes([[0, 8, 64, 56]], T, 'xyxy', { clip: false });
    expectTensorsClose(raw[0]!, [0, -12.5, 100, 62.5]);
  });

  it('gives the same numbers for [N, 4] tensors, without leaving the backend', () => {
    const boxes = tf.tensor2d(XYXY);
    const there = letterboxBoxes(boxes, T);
    expect(there).toBeInstanceOf(tf.Tensor);
    expectTensorsClose(there, letterboxBoxes(XYXY, T).flat());
    const back = unletterboxBoxes(there, T, 'xyxy');
    expectTensorsClose(back, boxes);
    const n = unletterboxBoxes(tf.tensor2d([[0.5, 0.5, 1, 0.75]]), T, 'cxcywh', { normalized: true, outputNormalized: false });
    expectTensorsClose(n, [[50, 25, 100, 50]]);
    const empty = unletterboxBoxes(tf.zeros([0, 4]) as tf.Tensor2D, T);
    expect(empty.shape).toEqual([0, 4]);
    tf.dispose([boxes, there, back, n, empty]);
  });

  it('rejects bad boxes, transforms and options', () => {
    expect(() => unletterboxBoxes([[1, 2, 3]], T)).toThrow(/'boxes\[0\]'/);
    expect(() => unletterboxBoxes([[5, 5, 1, 1]], T)).toThrow(/x2 >= x1/);
    expect(() => unletterboxBoxes('boxes' as never, T)).toThrow(/'boxes'/);
    expect(() => unletterboxBoxes(tf.zeros([2, 3]) as tf.Tensor2D, T)).toThrow(/'boxes'/);
    expect(() => unletterboxBoxes(XYXY, { scale: 0 } as never)).toThrow(/'transform'/);
    expect(() => letterboxBoxes(XYXY, T, 'yxyx' as never)).toThrow(/'format'/);
    expect(() => letterboxBoxes(XYXY, T, 'xyxy', { normalized: 1 as never })).toThrow(/'options.normalized'/);
  });

  it('does not leak', async () => {
    const boxes = tf.tensor2d(XYXY);
    const ints = tf.zeros([1, 4], 'int32') as tf.Tensor2D;
    await expectNoLeaks(() => {
      letterboxBoxes(boxes, T).dispose();
      unletterboxBoxes(boxes, T, 'cxcywh', { normalized: true, outputNormalized: false, clip: false }).dispose();
      letterboxBoxes(XYXY, T, 'xywh');
      unletterboxBoxes(XYXY, T);
      expect(() => unletterboxBoxes(ints, T)).toThrow(/'boxes'/);
    });
    tf.dispose([boxes, ints]);
  });
});
