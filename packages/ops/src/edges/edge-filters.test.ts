import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/errors.js';
import { convForward } from '../reference/convolution.js';
import { ndarray } from '../reference/ndarray.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { detectEdges, EDGE_FILTER_NAMES, EDGE_FILTERS, edgeFilter, toGrayscale, type EdgeOperator } from './edge-filters.js';

/** Plain-loop edge magnitude: BT.601 gray, border pixels repeated, 3×3 correlation(s), |g| or √(g_x² + g_y²). */
function referenceEdges(gray: number[], h: number, w: number, operator: EdgeOperator): number[] {
  const padded = ndarray([1, h + 2, w + 2, 1]);
  for (let y = 0; y < h + 2; y++)
    for (let x = 0; x < w + 2; x++) padded.data[y * (w + 2) + x] = gray[Math.min(Math.max(y - 1, 0), h - 1) * w + Math.min(Math.max(x - 1, 0), w - 1)]!;
  const response = (name: keyof typeof EDGE_FILTERS) => convForward(padded, ndarray([3, 3, 1, 1], EDGE_FILTERS[name].flat())).Z.data;
  if (operator === 'vertical' || operator === 'horizontal') return Array.from(response(operator), Math.abs);
  const gx = response(`${operator}X`);
  const gy = response(`${operator}Y`);
  return Array.from(gx, (v, i) => Math.hypot(v, gy[i]!));
}

describeEachBackend('edge detection', () => {
  it("the course's vertical-edge example: 6x6 bright|dark image -> 4x4 with 30s in the middle", () => {
    const img = ndarray([1, 6, 6, 1], Array.from({ length: 36 }, (_, i) => (i % 6 < 3 ? 10 : 0)));
    const ref = convForward(img, ndarray([3, 3, 1, 1], EDGE_FILTERS.vertical.flat()));
    expect(Array.from(ref.Z.data)).toEqual([0, 30, 30, 0, 0, 30, 30, 0, 0, 30, 30, 0, 0, 30, 30, 0]);
    const y = tf.conv2d(tf.tensor4d(Float32Array.from(img.data), [1, 6, 6, 1]), edgeFilter('vertical'), 1, 'valid');
    expectTensorsClose(y, tf.tensor4d(Float32Array.from(ref.Z.data), [1, 4, 4, 1]));
    // detectEdges keeps the size and finds the same edge, with no edge at the image's own border
    const edges = detectEdges(tf.tensor2d(Array.from(img.data), [6, 6]), { operator: 'vertical', normalize: false });
    expect(edges.shape).toEqual([6, 6, 1]);
    expect(Array.from(edges.dataSync())).toEqual(new Array(6).fill([0, 0, 30, 30, 0, 0]).flat());
    const horizontal = detectEdges(tf.transpose(tf.tensor2d(Array.from(img.data), [6, 6])) as tf.Tensor2D, { operator: 'horizontal' });
    expect(Array.from(horizontal.dataSync())).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    tf.dispose([y, edges, horizontal]);
  });

  it.each(['sobel', 'scharr', 'vertical', 'horizontal'] as const)('detectEdges(%s) on an RGB int32 image vs a plain-loop reference, normalized to [0, 1]', (operator) => {
    const h = 7;
    const w = 8;
    const rgb = Array.from({ length: h * w * 3 }, (_, i) => (i * 37) % 256);
    const image = tf.tensor3d(rgb, [h, w, 3], 'int32');
    const gray = Array.from({ length: h * w }, (_, p) => 0.299 * rgb[p * 3]! + 0.587 * rgb[p * 3 + 1]! + 0.114 * rgb[p * 3 + 2]!);
    const mag = referenceEdges(gray, h, w, operator);
    const max = Math.max(...mag);
    const edges = detectEdges(image, { operator });
    expect(edges.shape).toEqual([h, w, 1]);
    expect(edges.dtype).toBe('float32');
    expectTensorsClose(edges, tf.tensor3d(Float32Array.from(mag, (v) => v / max), [h, w, 1]), { rtol: 1e-3, atol: 1e-4 });
    expect(edges.max().dataSync()[0]).toBeCloseTo(1, 6);
    const raw = detectEdges(image, { operator, normalize: false });
    expectTensorsClose(raw, tf.tensor3d(Float32Array.from(mag), [h, w, 1]), { rtol: 1e-3, atol: 1e-2 });
    tf.dispose([image, edges, raw]);
  });

  it('grayscale (BT.601) from 1, 3 or 4 channels; float images; flat images have no edges', () => {
    const px = tf.tensor3d([100, 50, 200, 255], [1, 1, 4], 'int32');
    expect(toGrayscale(px).dataSync()[0]).toBeCloseTo(0.299 * 100 + 0.587 * 50 + 0.114 * 200, 3);
    expect(toGrayscale(tf.zeros([2, 3]) as tf.Tensor2D).shape).toEqual([2, 3, 1]);
    expect(toGrayscale(tf.ones([2, 2, 1]) as tf.Tensor3D).dataSync()[0]).toBe(1);
    const flat = detectEdges(tf.fill([5, 4, 3], 200, 'int32') as tf.Tensor3D);
    expect(Array.from(flat.dataSync())).toEqual(new Array(20).fill(0));
    // float images in [0, 1] give the same normalized edges as the same image in 0-255
    const img = tf.tensor3d(Array.from({ length: 5 * 5 * 3 }, (_, i) => (i * 53) % 256), [5, 5, 3], 'float32');
    expectTensorsClose(detectEdges(tf.div(img, 255) as tf.Tensor3D), detectEdges(img));
    const one = detectEdges(tf.ones([1, 1]) as tf.Tensor2D);
    expect(one.shape).toEqual([1, 1, 1]);
  });

  it('does not leak', async () => {
    const img = tf.ones([5, 5, 3]) as tf.Tensor3D;
    await expectNoLeaks(() => {
      for (const operator of ['sobel', 'scharr', 'vertical', 'horizontal'] as const) detectEdges(img, { operator }).dispose();
      detectEdges(img, { normalize: false }).dispose();
      for (const name of EDGE_FILTER_NAMES) edgeFilter(name).dispose();
      toGrayscale(img).dispose();
    });
    img.dispose();
  });

  it('bad input: typed errors naming the argument', () => {
    const img = tf.ones([5, 5, 3]) as tf.Tensor3D;
    const bad = (fn: () => unknown, message: RegExp) => {
      expect(fn).toThrow(InvalidArgumentError);
      expect(fn).toThrow(message);
    };
    bad(() => detectEdges(img, { operator: 'canny' as never }), /'options.operator'.*'sobel'/);
    bad(() => detectEdges(img, { normalize: 'yes' as never }), /'options.normalize'/);
    bad(() => detectEdges(img, 3 as never), /'options'/);
    bad(() => detectEdges(tf.ones([5, 5, 2]) as tf.Tensor3D), /'image'.*1, 3 or 4 channels/);
    bad(() => detectEdges(tf.ones([5]) as never), /'image'.*rank-2 or 3/);
    bad(() => detectEdges(tf.ones([1, 5, 5, 3]) as never), /'image'.*rank-2 or 3/);
    bad(() => detectEdges(tf.ones([0, 5]) as tf.Tensor2D), /'image'.*at least 1×1/);
    bad(() => toGrayscale(tf.ones([2, 2, 3], 'bool') as never), /'image'.*float32 or int32/);
    bad(() => edgeFilter('laplace' as never), /'name'.*'sobelX'/);
    img.dispose();
  });
});
