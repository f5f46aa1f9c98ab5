import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { expectNoLeaks, expectTensorsClose } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { FACE_MEAN_RGB, centredSquarePadding, faceLandmarkInput, faceRecognitionInput } from './preprocess.js';

/**
 * The preprocessing written as plain loops: centred zero padding (round(diff/2) after, the rest before),
 * tf.image.resizeBilinear's arithmetic (alignCorners false, halfPixelCenters false), gray -> RGB,
 * (x − mean) / divisor.
 */
function plainInput(data: ArrayLike<number>, h: number, w: number, c: number, size: number, divisor: number): Float32Array {
  const side = Math.max(h, w);
  const diff = side - Math.min(h, w);
  const after = Math.round(diff * 0.5);
  const before = diff - after;
  const offY = h < w ? before : 0;
  const offX = w < h ? before : 0;
  const padded = (y: number, x: number, ch: number): number => {
    const iy = y - offY;
    const ix = x - offX;
    if (iy < 0 || ix < 0 || iy >= h || ix >= w) return 0;
    return data[(iy * w + ix) * c + (c === 1 ? 0 : ch)]!;
  };
  const out = new Float32Array(size * size * 3);
  const ratio = side / size;
  for (let r = 0; r < size; r++) {
    const sy = side === size ? r : ratio * r;
    const y0 = Math.floor(sy);
    const y1 = Math.min(side - 1, Math.ceil(sy));
    const fy = sy - y0;
    for (let col = 0; col < size; col++) {
      const sx = side === size ? col : ratio * col;
      const x0 = Math.floor(sx);
      const x1 = Math.min(side - 1, Math.ceil(sx));
      const fx = sx - x0;
      for (let ch = 0; ch < 3; ch++) {
        const top = padded(y0, x0, ch) + (padded(y0, x1, ch) - padded(y0, x0, ch)) * fx;
        const bottom = padded(y1, x0, ch) + (padded(y1, x1, ch) - padded(y1, x0, ch)) * fx;
        const v = top + (bottom - top) * fy;
        out[(r * size + col) * 3 + ch] = (v - FACE_MEAN_RGB[ch]!) / divisor;
      }
    }
  }
  return out;
}

describe('face net preprocessing', () => {
  beforeAll(async () => {
    await ready({ backend: 'wasm' });
  });

  it("pads like face-api's padToSquare(isCenter = true): round(diff/2) after, the remainder before", () => {
    expect(centredSquarePadding(150, 150)).toEqual({ axis: null, before: 0, after: 0 });
    expect(centredSquarePadding(178, 122)).toEqual({ axis: 'width', before: 28, after: 28 });
    expect(centredSquarePadding(61, 90)).toEqual({ axis: 'height', before: 14, after: 15 });
    expect(centredSquarePadding(40, 37)).toEqual({ axis: 'width', before: 1, after: 2 });
  });

  const cases: [string, number, number, number, 'int32' | 'float32'][] = [
    ['square 150×150 RGB (no resize)', 150, 150, 3, 'int32'],
    ['portrait 178×122 RGB', 178, 122, 3, 'int32'],
    ['landscape 61×90 RGB, odd padding', 61, 90, 3, 'float32'],
    ['gray 40×37', 40, 37, 1, 'int32'],
    ['large 301×260', 301, 260, 3, 'float32'],
  ];

  it.each(cases)('faceRecognitionInput matches a plain-loop implementation: %s', async (_name, h, w, c, dtype) => {
    const face = tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([h, w, c], 0, 256, 'float32', h * w)), dtype)) as tf.Tensor3D;
    const expected = plainInput(face.dataSync(), h, w, c, 150, 256);
    const x = await expectNoLeaks(() => faceRecognitionInput(face), { allowReturned: true });
    expect(x.shape).toEqual([1, 150, 150, 3]);
    expect(x.dtype).toBe('float32');
    expectTensorsClose(x.dataSync(), expected, { atol: 1e-4, rtol: 1e-4 });
    const lm = faceLandmarkInput(face);
    expect(lm.shape).toEqual([1, 112, 112, 3]);
    expectTensorsClose(lm.dataSync(), plainInput(face.dataSync(), h, w, c, 112, 255), { atol: 1e-4, rtol: 1e-4 });
    tf.dispose([face, x, lm]);
  });

  it('takes a list of faces of different sizes and a [N, H, W, C] batch, in order', () => {
    const a = tf.randomUniform([30, 20, 3], 0, 255, 'float32', 1) as tf.Tensor3D;
    const b = tf.randomUniform([20, 30, 3], 0, 255, 'float32', 2) as tf.Tensor3D;
    const both = faceRecognitionInput([a, b]);
    expect(both.shape).toEqual([2, 150, 150, 3]);
    expectTensorsClose(tf.slice(both, [0], [1]).dataSync(), plainInput(a.dataSync(), 30, 20, 3, 150, 256), { atol: 1e-4, rtol: 1e-4 });
    expectTensorsClose(tf.slice(both, [1], [1]).dataSync(), plainInput(b.dataSync(), 20, 30, 3, 150, 256), { atol: 1e-4, rtol: 1e-4 });
    const stacked = tf.stack([a, a]) as tf.Tensor4D;
    const fromBatch = faceRecognitionInput(stacked);
    const fromList = faceRecognitionInput([a, a]);
    expectTensorsClose(fromBatch, fromList, { atol: 0, rtol: 0 });
    const divided = faceRecognitionInput(a, { divisor: 255 });
    expectTensorsClose(divided.dataSync(), plainInput(a.dataSync(), 30, 20, 3, 150, 255), { atol: 1e-4, rtol: 1e-4 });
    tf.dispose([a, b, both, stacked, fromBatch, fromList, divided]);
  });

  it('rejects what is not a face image with InvalidArgumentError (how to fix it), creating no tensors', async () => {
    const rgba = tf.zeros([4, 4, 4], 'int32');
    const flat = tf.zeros([4, 4]);
    const bool = tf.zeros([4, 4, 3], 'bool');
    const empty = tf.zeros([0, 4, 3]);
    const disposed = tf.zeros([4, 4, 3]);
    disposed.dispose();
    const ok = tf.zeros([4, 4, 3]);
    const emptyBatch = tf.zeros([0, 4, 4, 3]);
    await expectNoLeaks(() => {
      expect(() => faceRecognitionInput(rgba as tf.Tensor3D)).toThrow(/Drop the alpha channel/);
      expect(() => faceRecognitionInput(flat as unknown as tf.Tensor3D)).toThrow(/tf.expandDims\(image, -1\)/);
      expect(() => faceRecognitionInput(bool as tf.Tensor3D)).toThrow(/Cast it first/);
      expect(() => faceRecognitionInput(empty as tf.Tensor3D)).toThrow(InvalidArgumentError);
      expect(() => faceRecognitionInput(disposed as tf.Tensor3D)).toThrow(/disposed tensor/);
      expect(() => faceRecognitionInput([])).toThrow(/at least one face image/);
      expect(() => faceRecognitionInput([ok as tf.Tensor3D, rgba as tf.Tensor3D])).toThrow(/'faces\[1\]'/);
      expect(() => faceRecognitionInput('face.png' as never)).toThrow(InvalidArgumentError);
      expect(() => faceRecognitionInput(emptyBatch as tf.Tensor4D)).toThrow(/a batch of face images/);
      expect(() => faceRecognitionInput(ok as tf.Tensor3D, { divisor: 0 })).toThrow(/options.divisor/);
      expect(() => faceRecognitionInput(ok as tf.Tensor3D, { divisor: Number.NaN })).toThrow(InvalidArgumentError);
      expect(() => faceLandmarkInput(ok as tf.Tensor3D, null as never)).toThrow(/options/);
    });
    tf.dispose([rgba, flat, bool, empty, ok, emptyBatch]);
  });
});
