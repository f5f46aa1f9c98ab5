import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { expectNoLeaks, expectTensorsClose } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { faceInputGeometry, preprocessFaceImage } from './preprocess.js';

const MEAN = [117.001, 114.697, 97.404];

/**
 * face-api's input by plain loops: the image top-left in a max(h, w) zero square, bilinear resize
 * (alignCorners false, halfPixelCenters false: src = dst · in / out), then (x − mean) / divisor.
 */
function plainPreprocess(pixels: number[], h: number, w: number, size: number, divisor: number): Float64Array {
  const side = Math.max(h, w);
  const at = (y: number, x: number, c: number) => (y < h && x < w ? pixels[(y * w + x) * 3 + c]! : 0);
  const out = new Float64Array(size * size * 3);
  const scale = side / size;
  for (let oy = 0; oy < size; oy++) {
    const sy = oy * scale;
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, side - 1);
    const fy = sy - y0;
    for (let ox = 0; ox < size; ox++) {
      const sx = ox * scale;
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, side - 1);
      const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const top = at(y0, x0, c) + (at(y0, x1, c) - at(y0, x0, c)) * fx;
        const bottom = at(y1, x0, c) + (at(y1, x1, c) - at(y1, x0, c)) * fx;
        const v = side === size ? at(oy, ox, c) : top + (bottom - top) * fy;
        out[(oy * size + ox) * 3 + c] = (v - MEAN[c]!) / divisor;
      }
    }
  }
  return out;
}

function randomPixels(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % 256;
  });
}

describe('preprocessFaceImage', () => {
  beforeAll(async () => {
    await ready();
  });

  for (const [h, w, size, divisor] of [
    [20, 45, 32, 256], // wide: zero rows at the bottom, upscale
    [45, 20, 32, 256], // tall: zero columns at the right
    [70, 50, 32, 255], // downscale, the fork's divisor
    [64, 64, 64, 256], // already the input size: no resize
  ] as const) {
    it(`matches a plain-loop computation for a ${h}x${w} image at ${size} (/${divisor})`, async () => {
      const pixels = randomPixels(h * w * 3, h * 1000 + w);
      const image = tf.tensor3d(pixels, [h, w, 3], 'int32');
      const { input, geometry } = await expectNoLeaks(() => preprocessFaceImage(image, { inputSize: size, divisor }), { allowReturned: true });
      expect(input.shape).toEqual([1, size, size, 3]);
      expect(input.dtype).toBe('float32');
      expectTensorsClose(input, plainPreprocess(pixels, h, w, size, divisor), { rtol: 1e-5, atol: 1e-5 });
      expect(geometry).toEqual(faceInputGeometry(h, w, size));
      tf.dispose([image, input]);
    });
  }

  it("rounds the scaled image size as face-api's computeReshapedDimensions", () => {
    // faces.jpg: 710 × 473 at 416 -> 416 × round(277.11) = 277.
    expect(faceInputGeometry(473, 710, 416)).toEqual({ inputSize: 416, imageWidth: 710, imageHeight: 473, scaledWidth: 416, scaledHeight: 277 });
    expect(faceInputGeometry(1537, 1920, 320)).toMatchObject({ scaledWidth: 320, scaledHeight: 256 });
    expect(faceInputGeometry(3, 1, 32)).toMatchObject({ scaledWidth: 11, scaledHeight: 32 });
  });

  it('takes float32 images the same as int32 ones', () => {
    const pixels = randomPixels(10 * 12 * 3, 3);
    const a = preprocessFaceImage(tf.tensor3d(pixels, [10, 12, 3], 'int32'), { inputSize: 32 });
    const b = preprocessFaceImage(tf.tensor3d(pixels, [10, 12, 3], 'float32'), { inputSize: 32 });
    expectTensorsClose(a.input, b.input, { rtol: 0, atol: 0 });
    tf.dispose([a.input, b.input]);
  });

  it('rejects bad images and options with typed errors, before creating tensors', async () => {
    const rgb = tf.zeros([8, 8, 3], 'int32') as tf.Tensor3D;
    const rgba = tf.zeros([8, 8, 4], 'int32') as tf.Tensor3D;
    const gray = tf.zeros([8, 8], 'int32');
    const bool = tf.zeros([8, 8, 3], 'bool') as tf.Tensor3D;
    const empty = tf.zeros([0, 8, 3], 'int32') as tf.Tensor3D;
    await expectNoLeaks(() => {
      expect(() => preprocessFaceImage(rgba)).toThrow(/alpha/);
      expect(() => preprocessFaceImage(gray as unknown as tf.Tensor3D)).toThrow(InvalidArgumentError);
      expect(() => preprocessFaceImage(bool)).toThrow(InvalidArgumentError);
      expect(() => preprocessFaceImage(empty)).toThrow(InvalidArgumentError);
      expect(() => preprocessFaceImage('face.jpg' as unknown as tf.Tensor3D)).toThrow(/'image'/);
      expect(() => preprocessFaceImage(rgb, { inputSize: 400 })).toThrow(/options.inputSize.*multiple of 32/);
      expect(() => preprocessFaceImage(rgb, { divisor: 0 })).toThrow(/options.divisor/);
    });
    tf.dispose([rgb, rgba, gray, bool, empty]);
    expect(() => preprocessFaceImage(rgb)).toThrow(/disposed/);
  });
});
