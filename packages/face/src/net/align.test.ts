import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, mulberry32, ready, type Box } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFaceApiModule } from '../../../yolo/src/face/test-support/face-api-node.mjs';
import { LANDMARKS_68, alignedFaceBox, alignedFaceCrops, clipFaceBox, cropFaces, landmarkCentre, type LandmarkPoint } from './align.js';

/** 68 points with all of the left eye at `l`, the right eye at `r`, the mouth at `m`, the rest anywhere. */
function landmarks(l: LandmarkPoint, r: LandmarkPoint, m: LandmarkPoint): LandmarkPoint[] {
  return Array.from({ length: 68 }, (_, i) => (i >= 36 && i < 42 ? l : i >= 42 && i < 48 ? r : i >= 48 ? m : { x: 1000 + i, y: -i }));
}

interface FaceApiAlign {
  Point: new (x: number, y: number) => unknown;
  FaceLandmarks68: new (points: unknown[], dims: { width: number; height: number }) => { align(d: null, o: { useDlibAlignment: boolean }): { x: number; y: number; width: number; height: number } };
  Box: new (r: { x: number; y: number; width: number; height: number }) => { clipAtImageBorders(w: number, h: number): { x: number; y: number; width: number; height: number } };
}

describe('alignment and crops', () => {
  beforeAll(async () => {
    await ready({ backend: 'wasm' });
  });

  it("uses face-api's FaceLandmarks68 index ranges", () => {
    expect(LANDMARKS_68.leftEye).toEqual([36, 42]);
    expect(LANDMARKS_68.rightEye).toEqual([42, 48]);
    expect(LANDMARKS_68.mouth).toEqual([48, 68]);
    expect(landmarkCentre(landmarks({ x: 1, y: 2 }, { x: 3, y: 4 }, { x: 5, y: 6 }), LANDMARKS_68.mouth)).toEqual({ x: 5, y: 6 });
  });

  it('computes the dlib box by hand: size = floor(dist / 0.45), x = floor(cx − size/2), y = floor(cy − 0.43 size)', () => {
    // Eyes (30, 40), (70, 40), mouth (50, 80): eye-to-mouth √(20² + 40²) = 44.7214, size = floor(99.381) = 99;
    // centre (50, 53.3333): x = floor(50 − 49.5) = 0, y = floor(53.3333 − 42.57) = 10.
    expect(alignedFaceBox(landmarks({ x: 30, y: 40 }, { x: 70, y: 40 }, { x: 50, y: 80 }))).toEqual([0, 10, 99, 109]);
    // Shifted by (100.5, 200.25): centre (150.5, 253.5833), x = floor(150.5 − 49.5) = 101, y = floor(211.0133) = 211.
    expect(alignedFaceBox({ positions: landmarks({ x: 130.5, y: 240.25 }, { x: 170.5, y: 240.25 }, { x: 150.5, y: 280.25 }) })).toEqual([101, 211, 200, 310]);
    // Clamped at the top-left: centre (10, 10), size 99 -> x = max(0, −39.5) = 0, y = 0.
    expect(alignedFaceBox(landmarks({ x: -10, y: -3.3333 }, { x: 30, y: -3.3333 }, { x: 10, y: 36.6667 }))[0]).toBe(0);
  });

  it("agrees with face-api's own FaceLandmarks68.align({ useDlibAlignment: true }) and Box.clipAtImageBorders", () => {
    const faceapi = loadFaceApiModule(tf) as unknown as FaceApiAlign;
    const next = mulberry32(42);
    const W = 4000;
    const H = 3000;
    for (let t = 0; t < 200; t++) {
      const cx = 100 + next() * 3000;
      const cy = 100 + next() * 2000;
      const s = 20 + next() * 300;
      const points = Array.from({ length: 68 }, () => ({ x: cx + (next() - 0.5) * s, y: cy + (next() - 0.5) * s }));
      const theirs = new faceapi.FaceLandmarks68(points.map((p) => new faceapi.Point(p.x / W, p.y / H)), { width: W, height: H }).align(null, { useDlibAlignment: true });
      const ours = alignedFaceBox(points);
      expect(ours, `trial ${t}`).toEqual([theirs.x, theirs.y, theirs.x + theirs.width, theirs.y + theirs.height]);

      const x1 = next() * 200 - 50;
      const y1 = next() * 200 - 50;
      const box: Box = [x1, y1, x1 + 1 + next() * 300, y1 + 1 + next() * 300];
      const clipped = new faceapi.Box({ x: box[0], y: box[1], width: box[2] - box[0], height: box[3] - box[1] }).clipAtImageBorders(320, 240);
      expect(clipFaceBox(box, 320, 240), `clip trial ${t}`).toEqual([clipped.x, clipped.y, clipped.x + clipped.width, clipped.y + clipped.height]);
    }
  });

  it('clips and floors like face-api, crops the right pixels, leaves no tensors behind', async () => {
    // x = max(−5.5, 0) = 0, y = 10.7, w = min(50.2 − 0, 100) = 50.2, h = min(300 − 10.7, 200 − 10.7) = 189.3; floored.
    expect(clipFaceBox([-5.5, 10.7, 50.2, 300], 100, 200)).toEqual([0, 10, 50, 199]);
    const image = tf.tidy(() => tf.reshape(tf.range(0, 6 * 5 * 3, 1, 'int32'), [6, 5, 3])) as tf.Tensor3D;
    const crops = await expectNoLeaks(() => cropFaces(image, [[1, 2, 3, 5], { box: [-1, -1, 10, 10] }]), { allowReturned: true });
    expect(crops[0]!.shape).toEqual([3, 2, 3]);
    expect(Array.from(crops[0]!.dataSync()).slice(0, 3)).toEqual([(2 * 5 + 1) * 3, (2 * 5 + 1) * 3 + 1, (2 * 5 + 1) * 3 + 2]);
    expect(crops[1]!.shape).toEqual([6, 5, 3]);
    tf.dispose(crops);
    const aligned = await expectNoLeaks(() => alignedFaceCrops(image, [landmarks({ x: 1, y: 1 }, { x: 3, y: 1 }, { x: 2, y: 3 })]), { allowReturned: true });
    // size = floor(2.236 / 0.45) = 4, centre (2, 1.667): x = 0, y = floor(−0.053 → 0) = 0 -> [0, 0, 4, 4].
    expect(aligned[0]!.shape).toEqual([4, 4, 3]);
    tf.dispose(aligned);
    image.dispose();
  });

  it('rejects bad landmarks, boxes and images with InvalidArgumentError', async () => {
    const image = tf.zeros([10, 10, 3], 'int32') as tf.Tensor3D;
    const rgba = tf.zeros([10, 10, 4], 'int32') as tf.Tensor3D;
    await expectNoLeaks(() => {
      expect(() => alignedFaceBox([])).toThrow(/68 landmarks/);
      expect(() => alignedFaceBox(landmarks({ x: Number.NaN, y: 0 }, { x: 1, y: 1 }, { x: 2, y: 2 }))).toThrow(/landmarks\[36\]/);
      expect(() => cropFaces(image, [[20, 20, 30, 30]])).toThrow(/boxes\[0\]/);
      expect(() => cropFaces(image, [[5, 5, 2, 2]])).toThrow(/x2 >= x1/);
      expect(() => cropFaces(image, 'all' as never)).toThrow(InvalidArgumentError);
      expect(() => cropFaces(rgba, [[0, 0, 2, 2]])).toThrow(/Drop the alpha channel/);
      expect(() => alignedFaceCrops(image, null as never)).toThrow(InvalidArgumentError);
      expect(() => alignedFaceCrops(image, [[]])).toThrow(/landmarks\[0\]/);
    });
    tf.dispose([image, rgba]);
  });
});
