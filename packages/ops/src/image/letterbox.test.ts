import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { letterbox } from './letterbox.js';

describeEachBackend('letterbox', () => {
  it('fits a 100x50 (w x h) image into 64x64: scale 0.64, 16 gray rows above and below', () => {
    const img = tf.fill([50, 100, 3], 200, 'int32') as tf.Tensor3D;
    const { image, transform } = letterbox(img, [64, 64]);
    expect(image.shape).toEqual([64, 64, 3]);
    expect(image.dtype).toBe('float32');
    expect(transform).toEqual({ scale: 0.64, padX: 0, padY: 16, srcSize: [50, 100], dstSize: [64, 64] });
    const px = image.arraySync() as number[][][];
    // rows 0-15 and 48-63 are padding (114), rows 16-47 are the picture (32 = round(50 * 0.64))
    for (const y of [0, 15, 48, 63]) expect(px[y]![10]).toEqual([114, 114, 114]);
    for (const y of [16, 32, 47]) for (const x of [0, 63]) expectTensorsClose(px[y]![x]!, [200, 200, 200]);
    tf.dispose([img, image]);
  });

  it('splits odd padding as Ultralytics (the smaller half first) and rounds sizes half to even', () => {
    // 10x7 (w x h) into 20x20: scale 2, content 20x14, 6 rows of padding split 3 / 3
    const a = letterbox(tf.zeros([7, 10, 1]) as tf.Tensor3D, [20, 20]);
    expect([a.transform.padX, a.transform.padY]).toEqual([0, 3]);
    // 10x5 into 9x9: scale 0.9, content 9x round(4.5) = 4 (half to even, Python's round), pads 2 / 3
    const b = letterbox(tf.ones([5, 10, 1]) as tf.Tensor3D, [9, 9], { fill: 0 });
    expect(b.transform.padY).toBe(2);
    const col = (b.image.arraySync() as number[][][]).map((r) => r[4]![0]!);
    expect(col.map((v) => (v > 0.5 ? 1 : 0))).toEqual([0, 0, 1, 1, 1, 1, 0, 0, 0]);
    tf.dispose([a.image, b.image]);
  });

  it('keeps pixels exact when no resize is needed, and honours fill, scaleUp and center', () => {
    const img = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 2, 3], 'int32');
    const same = letterbox(img, [3, 2], { fill: 0 });
    expect(Array.from(same.image.dataSync())).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0]);
    const small = letterbox(img, [8, 8], { scaleUp: false });
    expect(small.transform.scale).toBe(1);
    expect([small.transform.padX, small.transform.padY]).toEqual([3, 3]);
    const corner = letterbox(img, [8, 8], { center: false, fill: 7 });
    expect([corner.transform.padX, corner.transform.padY]).toEqual([0, 0]);
    expect((corner.image.arraySync() as number[][][])[7]![7]).toEqual([7, 7, 7]);
    tf.dispose([img, same.image, small.image, corner.image]);
  });

  it('rejects bad arguments', () => {
    const img = tf.zeros([4, 4, 3]) as tf.Tensor3D;
    expect(() => letterbox(img, [0, 64])).toThrow(/'size\[0\]'/);
    expect(() => letterbox(tf.zeros([1, 4, 4, 3]) as never, [8, 8])).toThrow(/'image'.*rank-3/);
    expect(() => letterbox(img, [8, 8], { fill: Number.NaN })).toThrow(/'options.fill'/);
    expect(() => letterbox(img, [8, 8], { method: 'area' as never })).toThrow(/'options.method'/);
    expect(() => letterbox(img, [8, 8], { scaleUp: 'no' as never })).toThrow(/'options.scaleUp'/);
    expect(() => letterbox(tf.zeros([0, 4, 3]) as tf.Tensor3D, [8, 8])).toThrow(/at least 1x1/);
    img.dispose();
  });

  it('does not leak', async () => {
    const img = tf.fill([20, 30, 3], 10, 'int32') as tf.Tensor3D;
    await expectNoLeaks(() => {
      letterbox(img, [32, 32]).image.dispose();
      letterbox(img, [20, 30]).image.dispose();
      letterbox(img, 16, { method: 'nearest' }).image.dispose();
      expect(() => letterbox(img, [8, 8], { fill: Number.NaN })).toThrow();
    });
    img.dispose();
  });
});
