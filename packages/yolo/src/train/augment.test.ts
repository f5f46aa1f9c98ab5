import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentDetection, type AugmentOptions } from './augment.js';

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

const H = 64;
const W = 80;
/** A dark picture with one bright (white) square at [x1, y1, x2, y2] (pixel edges). */
function picture(box: [number, number, number, number]): tf.Tensor3D {
  const data = new Int32Array(H * W * 3).fill(20);
  for (let y = box[1]; y < box[3]; y++) for (let x = box[0]; x < box[2]; x++) data.fill(235, (y * W + x) * 3, (y * W + x) * 3 + 3);
  return tf.tensor3d(data, [H, W, 3], 'int32');
}

/** Tight box (pixel edges) of the pixels brighter than half way, or undefined when none is. */
function brightBox(image: tf.Tensor3D): [number, number, number, number] | undefined {
  const [h, w] = image.shape;
  const v = image.dataSync();
  let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      if ((v[i]! + v[i + 1]! + v[i + 2]!) / 3 > 127.5) {
        x1 = Math.min(x1, x);
        y1 = Math.min(y1, y);
        x2 = Math.max(x2, x + 1);
        y2 = Math.max(y2, y + 1);
      }
    }
  }
  return x1 === Infinity ? undefined : [x1, y1, x2, y2];
}

const square: [number, number, number, number] = [20, 12, 44, 40];
const noColor = { color: false } as const;

describe('augmentDetection moves boxes with the pixels', () => {
  const cases: [string, AugmentOptions][] = [
    ['flip only', { ...noColor, flip: 1, scale: [1, 1], translate: 0 }],
    ['zoom in (crop)', { ...noColor, flip: 0, scale: [1.3, 1.3], translate: 0 }],
    ['zoom out (pad)', { ...noColor, flip: 0, scale: [0.7, 0.7], translate: 0.1 }],
    ['zoom in, shifted and flipped', { ...noColor, flip: 1, scale: [1.4, 1.6], translate: 0.15 }],
    ['shift only', { ...noColor, flip: 0, scale: [1, 1], translate: 0.2 }],
    ['everything (padding dark)', { flip: 0.5, scale: [0.75, 1.25], translate: 0.1, fill: 0, color: { brightness: 0.1, contrast: 0.1, saturation: 0.2, hue: 0.02 } }],
  ];
  it.each(cases)('%s: the box is the tight box of the bright pixels (±1 px), over 6 seeds', async (_, options) => {
    const image = picture(square);
    for (let seed = 0; seed < 6; seed++) {
      const r = await expectNoLeaks(() => augmentDetection(image, [{ box: square, class: 2 }], { ...options, seed }), { allowReturned: true });
      expect(r.image.shape).toEqual([H, W, 3]);
      expect(r.image.dtype).toBe('float32');
      const truth = brightBox(r.image);
      if (r.boxes.length === 0) {
        // Dropped only when most of it left the picture.
        const visible = truth ? ((truth[2] - truth[0]) * (truth[3] - truth[1])) / ((square[2] - square[0]) * (square[3] - square[1]) * r.applied.scale ** 2) : 0;
        expect(visible, `seed ${seed}`).toBeLessThan(0.45);
      } else {
        expect(r.boxes).toHaveLength(1);
        expect(r.boxes[0]!.class).toBe(2);
        expect(truth, `seed ${seed}`).toBeDefined();
        r.boxes[0]!.box.forEach((v, k) => expect(Math.abs(v - truth![k]!), `seed ${seed} coordinate ${k}: ${r.boxes[0]!.box} vs ${truth}`).toBeLessThanOrEqual(1));
      }
      r.image.dispose();
    }
    image.dispose();
  });

  it('a flip mirrors the box exactly: x -> W - x', () => {
    const image = picture(square);
    const r = augmentDetection(image, [{ box: square, class: 0 }], { ...noColor, flip: 1, scale: [1, 1], translate: 0 });
    expect(r.boxes[0]!.box).toEqual([W - 44, 12, W - 20, 40]);
    expect(brightBox(r.image)).toEqual([W - 44, 12, W - 20, 40]);
    tf.dispose([image, r.image]);
  });

  it('zooming in clips boxes to the picture and drops a box mostly cut away', () => {
    const image = picture(square);
    const corner: [number, number, number, number] = [0, 0, 10, 10];
    // 2x zoom, the view's top-left drawn in [0, W/2] x [0, H/2]: the corner box keeps little or nothing.
    let dropped = 0;
    for (let seed = 0; seed < 8; seed++) {
      const r = augmentDetection(image, [{ box: square, class: 0 }, { box: corner, class: 1 }], { ...noColor, flip: 0, scale: [2, 2], translate: 0, seed });
      for (const b of r.boxes) {
        expect(b.box[0]).toBeGreaterThanOrEqual(0);
        expect(b.box[1]).toBeGreaterThanOrEqual(0);
        expect(b.box[2]).toBeLessThanOrEqual(W);
        expect(b.box[3]).toBeLessThanOrEqual(H);
      }
      if (!r.boxes.some((b) => b.class === 1)) dropped++;
      r.image.dispose();
    }
    expect(dropped).toBeGreaterThan(0);
    image.dispose();
  });

  it('color jitter moves no box and changes the colors', () => {
    const image = tf.tidy(() => tf.add(picture(square), tf.tensor1d([40, 0, -15], 'int32')) as tf.Tensor3D);
    const r = augmentDetection(image, [{ box: square, class: 0 }], { flip: 0, scale: [1, 1], translate: 0, color: { brightness: 0.3, contrast: 0.3, saturation: 0.5, hue: 0.1 }, seed: 3 });
    expect(r.boxes[0]!.box).toEqual(square);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(r.image, image))).dataSync()[0]!);
    expect(diff).toBeGreaterThan(5);
    const range = tf.tidy(() => [tf.min(r.image).dataSync()[0]!, tf.max(r.image).dataSync()[0]!]);
    expect(range[0]).toBeGreaterThanOrEqual(0);
    expect(range[1]).toBeLessThanOrEqual(255);
    tf.dispose([image, r.image]);
  });

  it('is deterministic by seed', () => {
    const image = picture(square);
    const a = augmentDetection(image, [{ box: square, class: 0 }], { seed: 11 });
    const b = augmentDetection(image, [{ box: square, class: 0 }], { seed: 11 });
    const c = augmentDetection(image, [{ box: square, class: 0 }], { seed: 12 });
    expect(b.boxes).toEqual(a.boxes);
    expect(Array.from(b.image.dataSync())).toEqual(Array.from(a.image.dataSync()));
    expect(c.applied).not.toEqual(a.applied);
    tf.dispose([image, a.image, b.image, c.image]);
  });

  it('rejects bad input with typed errors', () => {
    const image = picture(square);
    expect(() => augmentDetection(tf.zeros([4, 4]) as unknown as tf.Tensor3D, [])).toThrow(InvalidArgumentError);
    expect(() => augmentDetection(image, [{ box: [1, 2, 3] as unknown as [number, number, number, number], class: 0 }])).toThrow(/boxes\[0\]\.box/);
    expect(() => augmentDetection(image, [], { scale: [2, 1] })).toThrow(/options\.scale/);
    expect(() => augmentDetection(image, [], { flip: 2 })).toThrow(InvalidArgumentError);
    image.dispose();
  });
});
