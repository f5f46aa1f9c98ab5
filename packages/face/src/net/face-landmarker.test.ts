import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFaceApiWeights } from './face-api-weights.js';
import { FACE_LANDMARK_MODEL, faceLandmark68Net } from './face-landmark-net.js';
import { FaceLandmarker, createFaceLandmarker, landmarksFromNetOutput, type FaceLandmarks } from './face-landmarker.js';
import { landmarkForward, landmarkPostProcess, normalize, toBatchTensor } from './test-support/face-api-forward.js';

const maxPointDiff = (a: FaceLandmarks['positions'], b: FaceLandmarks['positions'], dx = 0, dy = 0): number =>
  Math.max(...a.map((p, i) => Math.hypot(p.x - b[i]!.x - dx, p.y - b[i]!.y - dy)));

describe('FaceLandmarker', () => {
  let landmarker: FaceLandmarker;
  let image: tf.Tensor3D;
  beforeAll(async () => {
    await ready({ backend: 'wasm' });
    landmarker = await createFaceLandmarker();
    image = tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([200, 300, 3], 0, 256, 'float32', 8)), 'int32')) as tf.Tensor3D;
  });
  afterAll(() => {
    landmarker?.dispose();
    image?.dispose();
  });

  it("maps net output to pixels exactly as face-api's postProcess (portrait, landscape, square crops)", () => {
    const out = Float32Array.from({ length: 136 }, (_, i) => 0.1 + ((i * 37) % 80) / 100);
    for (const [w, h] of [[70, 90], [90, 61], [112, 112], [33, 200]] as const) {
      const ours = landmarksFromNetOutput(out, w, h, 12, 7);
      const ref = landmarkPostProcess(out, w, h, 12, 7);
      expect(maxPointDiff(ours, ref), `${w}×${h}`).toBeLessThan(1e-9);
    }
    // By hand: a 50 × 100 crop is scaled by 1.12 to 56 × 112 and padded 28 px left and right, so the square's
    // centre (0.5, 0.5) is the crop's centre (25, 50) and its left edge x = 0 is 28 / 1.12 = 25 px left of the crop.
    const centre = new Float32Array(136).fill(0.5);
    const c = landmarksFromNetOutput(centre, 50, 100)[0]!;
    expect(c.x).toBeCloseTo(25, 10);
    expect(c.y).toBeCloseTo(50, 10);
    const left = new Float32Array(136).fill(0);
    expect(landmarksFromNetOutput(left, 50, 100)[0]!.x).toBeCloseTo(-25, 10);
    expect(() => landmarksFromNetOutput(new Float32Array(10), 5, 5)).toThrow(InvalidArgumentError);
  });

  it("on crops gives face-api's forward + postProcess; with image + boxes, the same points shifted by the crop's corner", async () => {
    const weights = await readFaceApiWeights(FACE_LANDMARK_MODEL);
    const crop = tf.slice(image, [20, 40, 0], [90, 70, 3]) as tf.Tensor3D;
    const [fromCrop] = await expectNoLeaks(() => landmarker.detect(crop));
    expect(fromCrop!.positions).toHaveLength(68);
    expect(fromCrop!.box).toEqual([0, 0, 70, 90]);
    const refOut = tf.tidy(() => landmarkForward(weights, tf.div(normalize(toBatchTensor([crop], 112, true), [122.782, 117.001, 104.298]), 255) as tf.Tensor4D));
    const ref = landmarkPostProcess(refOut.dataSync() as Float32Array, 70, 90);
    expect(maxPointDiff(fromCrop!.positions, ref)).toBeLessThan(1e-3);
    tf.dispose([refOut, ...Object.values(weights)]);

    // Box [40.6, 20.2, 110.9, 110.3] clips to x 40, y 20, w floor(70.3) = 70, h floor(90.1) = 90: the same crop.
    const [inImage] = await expectNoLeaks(() => landmarker.detect(image, [{ box: [40.6, 20.2, 110.9, 110.3] }]));
    expect(inImage!.box).toEqual([40, 20, 110, 110]);
    expect(maxPointDiff(inImage!.positions, fromCrop!.positions, 40, 20)).toBeLessThan(1e-4);
    crop.dispose();
  });

  it('batches: a list, a [N, H, W, C] batch and any batchSize give the same points', async () => {
    const a = tf.slice(image, [0, 0, 0], [80, 60, 3]) as tf.Tensor3D;
    const b = tf.slice(image, [100, 150, 0], [80, 60, 3]) as tf.Tensor3D;
    const single = [...(await landmarker.detect(a)), ...(await landmarker.detect(b))];
    const list = await expectNoLeaks(() => landmarker.detect([a, b], { batchSize: 1 }));
    const stacked = tf.stack([a, b]) as tf.Tensor4D;
    const batch = await expectNoLeaks(() => landmarker.detect(stacked));
    const boxes = await expectNoLeaks(() => landmarker.detect(image, [[0, 0, 60, 80], [150, 100, 210, 180]], { batchSize: 2 }));
    for (let i = 0; i < 2; i++) {
      expect(maxPointDiff(list[i]!.positions, single[i]!.positions)).toBeLessThan(1e-4);
      expect(maxPointDiff(batch[i]!.positions, single[i]!.positions)).toBeLessThan(1e-4);
    }
    expect(maxPointDiff(boxes[1]!.positions, single[1]!.positions, 150, 100)).toBeLessThan(1e-4);
    expect(await landmarker.detect(image, [])).toEqual([]);
    tf.dispose([a, b, stacked]);
  });

  it('rejects bad input with InvalidArgumentError, leaking nothing, and refuses work after dispose()', async () => {
    const rgba = tf.zeros([8, 8, 4], 'int32') as tf.Tensor3D;
    await expectNoLeaks(async () => {
      await expect(landmarker.detect(rgba)).rejects.toThrow(/Drop the alpha channel/);
      await expect(landmarker.detect(rgba, [[0, 0, 4, 4]])).rejects.toThrow(/'image'/);
      await expect(landmarker.detect(image, [[0, 0, 4]] as never)).rejects.toThrow(/boxes\[0\]/);
      await expect(landmarker.detect(image, [[500, 500, 600, 600]])).rejects.toThrow(/overlapping the 300×200 image/);
      await expect(landmarker.detect(image, [[0, 0, 4, 4]], { batchSize: 0 })).rejects.toThrow(/options.batchSize/);
      await expect(landmarker.detect(image, { divisor: 0 })).rejects.toThrow(/options.divisor/);
      await expect(landmarker.detect(null as never)).rejects.toThrow(InvalidArgumentError);
    });
    rgba.dispose();
    const own = new FaceLandmarker(faceLandmark68Net());
    own.dispose();
    expect(own.isDisposed).toBe(true);
    await expect(own.detect(image)).rejects.toThrow(/a disposed one/);
    expect(() => new FaceLandmarker('model' as never)).toThrow(InvalidArgumentError);
    await expect(createFaceLandmarker({ defaults: { divisor: Number.NaN } })).rejects.toThrow(/options.divisor/);
  });
});
