import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@cnn/ops';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '@cnn/ops/testing';
import { expect, it } from 'vitest';
import { augmentation, colorShift, compose, randomCropZoom, randomFlip, randomRotation, rotationTransform } from './augment.js';
import { seededRandom } from './random.js';

const always = () => 0; // every "random() < p" test passes, every uniform draw takes its low end
const never = () => 0.999999;
const values = (t: tf.Tensor) => Array.from(t.dataSync());
/** A [b, h, w, c] batch with distinct values: value = 1000 b + 100 row + 10 col + channel. */
function indexed(b: number, h: number, w: number, c = 3): tf.Tensor4D {
  const data: number[] = [];
  for (let i = 0; i < b; i++) for (let r = 0; r < h; r++) for (let col = 0; col < w; col++) for (let k = 0; k < c; k++) data.push(1000 * i + 100 * r + 10 * col + k);
  return tf.tensor4d(data, [b, h, w, c]);
}

describeEachBackend('augmentation ops', () => {
  it('randomFlip moves pixels exactly, per image, and repeats by seed', async () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18], [1, 2, 3, 3]); // 2 rows x 3 cols
    await expectNoLeaks(() => {
      const h = randomFlip(x, { random: always });
      expect(values(h)).toEqual([7, 8, 9, 4, 5, 6, 1, 2, 3, 16, 17, 18, 13, 14, 15, 10, 11, 12]);
      const v = randomFlip(x, { mode: 'vertical', random: always });
      expect(values(v)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const both = randomFlip(x, { mode: 'horizontal_and_vertical', random: always });
      expect(values(both)).toEqual([16, 17, 18, 13, 14, 15, 10, 11, 12, 7, 8, 9, 4, 5, 6, 1, 2, 3]);
      const none = randomFlip(x, { random: never });
      expect(values(none)).toEqual(values(x));
      expect(none).not.toBe(x); // always a new tensor, so callers can dispose it
      tf.dispose([h, v, both, none]);
    });
    // 64 images, p = 0.5: each image is either untouched or mirrored, about half of each, the same by seed.
    const batch = indexed(64, 2, 2, 1);
    const out = randomFlip(batch, { random: 11 });
    const mirrored = tf.reverse(batch, 2);
    const flags = Array.from({ length: 64 }, (_, i) => {
      const o = values(tf.slice(out, [i], [1]));
      if (o.join() === values(tf.slice(mirrored, [i], [1])).join()) return 1;
      expect(o).toEqual(values(tf.slice(batch, [i], [1])));
      return 0;
    });
    const flipped = flags.reduce<number>((a, b) => a + b, 0);
    expect(flipped).toBeGreaterThan(16);
    expect(flipped).toBeLessThan(48);
    expect(values(randomFlip(batch, { random: 11 }))).toEqual(values(out));
    expect(values(randomFlip(batch, { random: 12 }))).not.toEqual(values(out));
    tf.dispose([x, batch, out, mirrored]);
  });

  it('randomCropZoom crops a window and resizes it back (a ramp stays a ramp with slope x scale)', async () => {
    // f(r, c) = 10 r + c on 9 x 9. Box corners are pixel centers, so scale 0.5 at the top-left covers rows and
    // columns 0..4 and output pixel (i, j) samples (i / 2, j / 2): f = 5 i + 0.5 j exactly.
    const ramp = tf.tensor4d(Array.from({ length: 81 }, (_, p) => 10 * Math.floor(p / 9) + (p % 9)), [1, 9, 9, 1]);
    const expected = Array.from({ length: 81 }, (_, p) => 5 * Math.floor(p / 9) + 0.5 * (p % 9));
    const topLeft = await expectNoLeaks(() => randomCropZoom(ramp, { scale: 0.5, random: always }), { allowReturned: true });
    expectTensorsClose(topLeft, tf.tensor4d(expected, [1, 9, 9, 1]), { atol: 1e-4 });
    const identity = randomCropZoom(ramp, { scale: [1, 1], random: 3 });
    expectTensorsClose(identity, ramp, { atol: 1e-4 });
    // Random positions and scales: still a ramp, slopes 10 s and s, offset inside the image.
    const many = tf.tile(ramp, [16, 1, 1, 1]) as tf.Tensor4D;
    const out = randomCropZoom(many, { scale: [0.4, 0.9], random: 5 });
    const data = values(out);
    const scales = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const at = (r: number, c: number) => data[i * 81 + r * 9 + c]!;
      const s = (at(0, 8) - at(0, 0)) / 8;
      expect(s).toBeGreaterThanOrEqual(0.4 - 1e-4);
      expect(s).toBeLessThanOrEqual(0.9 + 1e-4);
      expect((at(8, 0) - at(0, 0)) / 8).toBeCloseTo(10 * s, 3);
      expect(at(4, 5)).toBeCloseTo(at(0, 0) + 40 * s + 5 * s, 3);
      expect(at(0, 0)).toBeGreaterThanOrEqual(-1e-4);
      expect(at(8, 8)).toBeLessThanOrEqual(88 + 1e-4);
      scales.add(s.toFixed(3));
    }
    expect(scales.size).toBeGreaterThan(8); // a scale per image
    tf.dispose([ramp, topLeft, identity, many, out]);
  });

  it('randomRotation by 90 degrees equals rot90 (transpose + reverse) and keeps the center pixel for any angle', async () => {
    const x = indexed(2, 5, 5);
    const rot90 = tf.reverse(tf.transpose(x, [0, 2, 1, 3]), 1); // counter-clockwise, as numpy.rot90
    const ccw = await expectNoLeaks(() => randomRotation(x, { degrees: [90, 90], random: 1 }), { allowReturned: true });
    expectTensorsClose(ccw, rot90, { atol: 1e-3 });
    // A marker at the top-right corner moves to the top-left corner.
    expect(values(tf.slice(x, [0, 0, 4, 0], [1, 1, 1, 1]))).toEqual([40]);
    expect(values(tf.slice(ccw, [0, 0, 0, 0], [1, 1, 1, 1]))[0]).toBeCloseTo(40, 3);
    const cw = randomRotation(x, { degrees: [-90, -90] });
    expectTensorsClose(cw, tf.reverse(tf.transpose(x, [0, 2, 1, 3]), 2), { atol: 1e-3 });
    const half = randomRotation(x, { degrees: [180, 180] });
    expectTensorsClose(half, tf.reverse(x, [1, 2]), { atol: 1e-3 });
    const any = randomRotation(x, { degrees: 40, random: 2 });
    expectTensorsClose(tf.slice(any, [0, 2, 2, 0], [2, 1, 1, 3]), tf.slice(x, [0, 2, 2, 0], [2, 1, 1, 3]), { atol: 1e-3 });
    tf.dispose([x, rot90, ccw, cw, half, any]);
  });

  it('randomRotation fills the corners by fillMode', () => {
    const ones = tf.fill([1, 9, 9, 1], 200) as tf.Tensor4D;
    const constant = randomRotation(ones, { degrees: [45, 45], fillMode: 'constant', fillValue: 7 });
    const reflect = randomRotation(ones, { degrees: [45, 45], fillMode: 'reflect' });
    const nearest = randomRotation(ones, { degrees: [45, 45], fillMode: 'nearest' });
    expect(values(constant)[0]).toBe(7); // corner
    expect(values(constant)[40]).toBeCloseTo(200, 4); // center
    expect(values(reflect).every((v) => Math.abs(v - 200) < 1e-3)).toBe(true);
    expect(values(nearest).every((v) => Math.abs(v - 200) < 1e-3)).toBe(true);
    // The matrix is Keras' get_rotation_matrix: 90 degrees on 5 x 5 maps output (x, y) to input (4 - y, x).
    expect(rotationTransform(Math.PI / 2, 5, 5).map((v) => Math.round(v * 1e9) / 1e9 + 0)).toEqual([0, -1, 4, 1, 0, 0, 0, 0]);
    tf.dispose([ones, constant, reflect, nearest]);
  });

  it('colorShift applies brightness, contrast and saturation as written (hand-checked)', async () => {
    // One image, 2 pixels: (10, 20, 30) and (50, 60, 70). Channel means 30, 40, 50.
    const x = tf.tensor4d([10, 20, 30, 50, 60, 70], [1, 1, 2, 3]);
    const bright = await expectNoLeaks(() => colorShift(x, { brightness: [0.1, 0.1] }), { allowReturned: true });
    expectTensorsClose(bright, [35.5, 45.5, 55.5, 75.5, 85.5, 95.5]);
    const contrast = colorShift(x, { contrast: [2, 2] });
    expectTensorsClose(contrast, [0, 0, 10, 70, 80, 90]); // 30 + 2 (10 - 30) = -10 -> clipped to 0
    expectTensorsClose(colorShift(x, { contrast: [2, 2], clip: false }), [-10, 0, 10, 70, 80, 90]);
    const gray = colorShift(x, { saturation: [0, 0] });
    const g1 = 0.299 * 10 + 0.587 * 20 + 0.114 * 30;
    const g2 = 0.299 * 50 + 0.587 * 60 + 0.114 * 70;
    expectTensorsClose(gray, [g1, g1, g1, g2, g2, g2]);
    // Ranges draw one factor per image, repeatably.
    const batch = tf.tile(x, [8, 1, 1, 1]) as tf.Tensor4D;
    const a = colorShift(batch, { brightness: 0.2, contrast: 0.3, saturation: 0.5, random: 4 });
    expect(values(a)).toEqual(values(colorShift(batch, { brightness: 0.2, contrast: 0.3, saturation: 0.5, random: 4 })));
    const images = Array.from({ length: 8 }, (_, i) => values(a).slice(i * 6, i * 6 + 6).map((v) => v.toFixed(3)).join());
    expect(new Set(images).size).toBe(8);
    tf.dispose([x, bright, contrast, gray, batch, a]);
  });

  it('augmentation() is deterministic by seed, advances per call, and leaks nothing', async () => {
    const x = tf.tidy(() => tf.div(tf.tile(indexed(1, 6, 6), [3, 1, 1, 1]), 25)) as tf.Tensor4D;
    const config = { flip: 'horizontal' as const, cropZoom: { scale: [0.7, 1] as [number, number] }, rotation: 20, color: { brightness: 0.1, contrast: 0.2, saturation: 0.2 }, pca: true };
    const a = augmentation({ ...config, seed: 5 });
    const b = augmentation({ ...config, seed: 5 });
    const a1 = await expectNoLeaks(() => a(x), { allowReturned: true });
    const b1 = b(x);
    expect(values(a1)).toEqual(values(b1));
    const a2 = a(x);
    expect(values(a2)).not.toEqual(values(a1));
    const c1 = augmentation({ ...config, seed: 6 })(x);
    expect(values(c1)).not.toEqual(values(a1));
    // A generator passed in wins over the seed: the same stream gives the same batch.
    expect(values(a(x, seededRandom(1)))).toEqual(values(b(x, seededRandom(1))));
    expect(a1.shape).toEqual([3, 6, 6, 3]);
    expect(values(a1).every((v) => v >= 0 && v <= 255)).toBe(true);
    expect(x.isDisposed).toBe(false);
    // compose frees intermediates but not the input; an empty pipeline returns a copy.
    const copy = await expectNoLeaks(() => compose()(x), { allowReturned: true });
    expect(copy).not.toBe(x);
    expect(values(copy)).toEqual(values(x));
    tf.dispose([x, a1, b1, a2, c1, copy]);
  });

  it('rejects bad inputs with typed errors, never raw tfjs errors', () => {
    const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    expect(() => randomFlip(tf.zeros([4, 4, 3]) as unknown as tf.Tensor4D)).toThrow(InvalidArgumentError);
    expect(() => randomFlip(x, { mode: 'diagonal' as 'horizontal' })).toThrow(/options\.mode/);
    expect(() => colorShift(x, { saturation: 0.2 })).toThrow(/batch \[b, h, w, 3\]/);
    expect(() => randomRotation(x, { degrees: [10, -10] })).toThrow(/options\.degrees/);
    expect(() => randomRotation(x, { fillMode: 'mirror' as 'reflect' })).toThrow(/options\.fillMode/);
    expect(() => randomCropZoom(x, { scale: 0 })).toThrow(/options\.scale/);
    expect(() => colorShift(x, { contrast: 2 })).toThrow(/options\.contrast/);
    expect(() => randomFlip(x, { random: 'seed' as unknown as number })).toThrow(/options\.random/);
    x.dispose();
  });
});
