import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { convForward } from '../reference/convolution.js';
import { ndarray } from '../reference/ndarray.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { detectEdges, EDGE_FILTERS, edgeFilter, toGrayscale } from './edge-filters.js';

describeEachBackend('edge detection', () => {
  it("the course's vertical-edge example: 6x6 bright|dark image -> 4x4 with 30s in the middle", () => {
    const img = ndarray([1, 6, 6, 1], Array.from({ length: 36 }, (_, i) => (i % 6 < 3 ? 10 : 0)));
    const ref = convForward(img, ndarray([3, 3, 1, 1], EDGE_FILTERS.vertical.flat()));
    expect(Array.from(ref.Z.data)).toEqual([0, 30, 30, 0, 0, 30, 30, 0, 0, 30, 30, 0, 0, 30, 30, 0]);
    const y = tf.conv2d(tf.tensor4d(Float32Array.from(img.data), [1, 6, 6, 1]), edgeFilter('vertical'), 1, 'valid');
    expectTensorsClose(y, tf.tensor4d(Float32Array.from(ref.Z.data), [1, 4, 4, 1]));
  });

  it('detectEdges: Sobel magnitude vs a plain-loop reference, normalized to [0, 1]', () => {
    const h = 7;
    const w = 8;
    const rgb = Array.from({ length: h * w * 3 }, (_, i) => ((i * 37) % 256));
    const image = tf.tensor3d(rgb, [h, w, 3], 'int32');
    const gray = rgb.filter((_, i) => i % 3 === 0).map((r, p) => 0.299 * r + 0.587 * rgb[p * 3 + 1]! + 0.114 * rgb[p * 3 + 2]!);
    const g = ndarray([1, h, w, 1], gray);
    const gx = convForward(g, ndarray([3, 3, 1, 1], EDGE_FILTERS.sobelX.flat()), undefined, { pad: 'same' }).Z.data;
    const gy = convForward(g, ndarray([3, 3, 1, 1], EDGE_FILTERS.sobelY.flat()), undefined, { pad: 'same' }).Z.data;
    const mag = gx.map((v, i) => Math.hypot(v, gy[i]!));
    const max = Math.max(...mag);
    const edges = detectEdges(image);
    expect(edges.shape).toEqual([h, w, 1]);
    expectTensorsClose(edges, tf.tensor3d(Float32Array.from(mag, (v) => v / max), [h, w, 1]), { rtol: 1e-3, atol: 1e-4 });
    expectTensorsClose(detectEdges(image, { operator: 'scharr', normalize: false }).max(), tf.scalar(detectEdges(image, { operator: 'scharr', normalize: false }).max().dataSync()[0]!));
    expect(toGrayscale(tf.zeros([2, 2, 4]) as tf.Tensor3D).shape).toEqual([2, 2, 1]);
  });

  it('does not leak; bad input is a typed error', async () => {
    const img = tf.ones([5, 5, 3]) as tf.Tensor3D;
    await expectNoLeaks(() => {
      detectEdges(img).dispose();
      detectEdges(img, { operator: 'vertical' }).dispose();
      edgeFilter('scharrY').dispose();
      toGrayscale(img).dispose();
    });
    expect(() => detectEdges(img, { operator: 'canny' as never })).toThrow(/options.operator/);
    expect(() => detectEdges(tf.ones([5, 5, 2]) as tf.Tensor3D)).toThrow(/1, 3 or 4 channels/);
    expect(() => detectEdges(tf.ones([5]) as never)).toThrow(/'image'/);
    img.dispose();
  });
});
