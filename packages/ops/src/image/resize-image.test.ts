import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/errors.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { resizeImage } from './resize-image.js';

describeEachBackend('resizeImage', () => {
  it('wraps tf.image resizing with its three sampling conventions', () => {
    const row = tf.tensor3d([0, 10, 20, 30], [1, 4, 1], 'int32');
    const run = (o: Parameters<typeof resizeImage>[2]) => {
      const r = resizeImage(row, [1, 2], o);
      const v = Array.from(r.dataSync());
      r.dispose();
      return v;
    };
    expectTensorsClose(run({}), [0, 20]); // tfjs default: top-left aligned
    expectTensorsClose(run({ halfPixelCenters: true }), [5, 25]); // OpenCV / PIL
    expectTensorsClose(run({ alignCorners: true }), [0, 30]); // corners meet
    row.dispose();
  });

  it('returns float32 for bilinear and keeps int32 exact for nearest, on every backend', () => {
    const img = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 2, 3], 'int32');
    const b = resizeImage(img, [4, 4]);
    expect(b.dtype).toBe('float32');
    expect(b.shape).toEqual([4, 4, 3]);
    const n = resizeImage(img, [4, 4], { method: 'nearest' });
    expect(n.dtype).toBe('int32');
    expect((n.arraySync() as number[][][])[3]![3]).toEqual([10, 11, 12]);
    const sq = resizeImage(img, 3);
    expect(sq.shape).toEqual([3, 3, 3]);
    tf.dispose([img, b, n, sq]);
  });

  it('resizes batches [N, H, W, C]', () => {
    const batch = tf.ones([2, 8, 6, 3]) as tf.Tensor4D;
    const r = resizeImage(batch, [4, 3]);
    expect(r.shape).toEqual([2, 4, 3, 3]);
    expectTensorsClose(r, tf.ones([2, 4, 3, 3]));
    tf.dispose([batch, r]);
  });

  it('rejects bad arguments with InvalidArgumentError', () => {
    const img = tf.zeros([4, 4, 3]) as tf.Tensor3D;
    expect(() => resizeImage(tf.zeros([4, 4]) as never, [2, 2])).toThrow(/'image'.*rank-3 or 4/);
    expect(() => resizeImage(img, [0, 2])).toThrow(/'size\[0\]'/);
    expect(() => resizeImage(img, [2.5, 2])).toThrow(InvalidArgumentError);
    expect(() => resizeImage(img, [2, 2], { method: 'bicubic' as never })).toThrow(/'options.method'/);
    expect(() => resizeImage(img, [2, 2], { alignCorners: true, halfPixelCenters: true })).toThrow(/at most one of alignCorners and halfPixelCenters/);
    img.dispose();
  });

  it('does not leak', async () => {
    const img = tf.zeros([5, 5, 3], 'int32') as tf.Tensor3D;
    await expectNoLeaks(() => {
      resizeImage(img, [3, 3]).dispose();
      resizeImage(img, [7, 7], { method: 'nearest', halfPixelCenters: true }).dispose();
      expect(() => resizeImage(img, [0, 1])).toThrow();
    });
    img.dispose();
  });
});
