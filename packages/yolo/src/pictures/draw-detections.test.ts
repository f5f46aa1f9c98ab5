import * as tf from '@tensorflow/tfjs-core';
import { drawBoxes, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { drawDetections } from './draw-detections.js';

const same = (a: tf.Tensor, b: tf.Tensor) => expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));

describe('drawDetections', () => {
  let image: tf.Tensor3D;
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
    image = tf.fill([64, 80, 3], 30, 'int32') as tf.Tensor3D;
  });

  it('draws boxes and "label score" tags like drawBoxes', () => {
    const found = [{ box: [10, 20, 40, 50], format: 'xyxy' as const, score: 0.87, class: 1, label: 'dog' }];
    const out = drawDetections(image, found);
    const ref = drawBoxes(image, [{ box: [10, 20, 40, 50], score: 0.87, class: 1, label: 'dog' }]);
    same(out, ref);
    // The class color (palette entry 1) on the box's left edge, and the image elsewhere.
    expect(Array.from(out.dataSync().subarray((35 * 80 + 10) * 3, (35 * 80 + 10) * 3 + 3))).toEqual([255, 157, 151]);
    expect(Array.from(out.dataSync().subarray((5 * 80 + 70) * 3, (5 * 80 + 70) * 3 + 3))).toEqual([30, 30, 30]);
    tf.dispose([out, ref]);
  });

  it('names classes from options.labels before the detection label', () => {
    const out = drawDetections(image, [{ box: [10, 20, 40, 50], score: 0.5, class: 0, label: 'person' }], { labels: ['raccoon'] });
    const ref = drawBoxes(image, [{ box: [10, 20, 40, 50], score: 0.5, class: 0, label: 'raccoon' }]);
    same(out, ref);
    tf.dispose([out, ref]);
  });

  it('converts each detection’s format, and normalized boxes', () => {
    const ref = drawDetections(image, [{ box: [10, 20, 40, 50], score: 0.5, class: 2 }]);
    const c = drawDetections(image, [{ box: [25, 35, 30, 30], format: 'cxcywh', score: 0.5, class: 2 }]);
    const n = drawDetections(image, [{ box: [10 / 80, 20 / 64, 40 / 80, 50 / 64], normalized: true, score: 0.5, class: 2 }]);
    same(c, ref);
    same(n, ref);
    tf.dispose([ref, c, n]);
  });

  it('drops detections under scoreThreshold; faces without a class draw too', () => {
    const kept = { box: [10, 20, 40, 50], score: 0.9 };
    const out = drawDetections(image, [kept, { box: [50, 5, 70, 30], score: 0.1 }], { scoreThreshold: 0.25 });
    const ref = drawDetections(image, [kept]);
    same(out, ref);
    tf.dispose([out, ref]);
  });

  it('leaks no tensors and checks its input', async () => {
    const out = await expectNoLeaks(() => drawDetections(image, [{ box: [1, 1, 9, 9], score: 1, class: 0 }]), { allowReturned: true });
    out.dispose();
    expect(() => drawDetections(image, [{ box: [1, 2, 3] }])).toThrow(/detections\[0\]\.box/);
    expect(() => drawDetections(image, [{ box: [1, 2, 3, 4], format: 'yxyx' as never }])).toThrow(/detections\[0\]\.format/);
    expect(() => drawDetections(image, {} as never)).toThrow(/detections/);
  });
});
