import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeFaceGrid, decodeFaces } from './decode.js';
import { faceInputGeometry } from './preprocess.js';
import { TINY_FACE_DETECTOR_ANCHORS } from './tiny-face-detector.js';

const logit = (p: number) => Math.log(p / (1 - p));
const DEPTH = 25;

/** A raw [cells, cells, 25] grid of very negative objectness, with `set` entries placed. */
function grid(cells: number, set: { row: number; col: number; anchor: number; t: [number, number, number, number, number] }[]): Float32Array {
  const g = new Float32Array(cells * cells * DEPTH);
  for (let i = 4; i < g.length; i += 5) g[i] = -20;
  for (const { row, col, anchor, t } of set) g.set(t, (row * cells + col) * DEPTH + anchor * 5);
  return g;
}

describe('decodeFaceGrid', () => {
  beforeAll(async () => {
    await ready();
  });

  it('decodes a hand-made output: σ offsets in cells, anchors × e^t, image pixels', () => {
    // inputSize 64 -> 2 × 2 cells; a square 100 × 100 image (no padding to undo).
    const geometry = faceInputGeometry(100, 100, 64);
    const values = grid(2, [{ row: 1, col: 0, anchor: 2, t: [0, logit(0.25), Math.log(0.5), 0, logit(0.9)] }]);
    const faces = decodeFaceGrid(values, geometry);
    expect(faces).toHaveLength(1);
    const [pw, ph] = TINY_FACE_DETECTOR_ANCHORS[2]!;
    // centre x = (0 + 0.5) / 2, y = (1 + 0.25) / 2; width = pw · 0.5 / 2, height = ph / 2 (fractions of 100 px).
    const cx = 25;
    const cy = 62.5;
    const w = (pw * 0.5 * 100) / 2;
    const h = (ph * 100) / 2;
    expect(faces[0]!.format).toBe('xyxy');
    expect(faces[0]!.score).toBeCloseTo(0.9, 6);
    const expected = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
    faces[0]!.box.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
  });

  it('undoes the zero padding of a non-square image (c = inputSize / scaled side)', () => {
    // 200 wide × 100 high at 64: the image fills 64 × 32 of the input, the bottom half is padding.
    const geometry = faceInputGeometry(100, 200, 64);
    expect(geometry.scaledHeight).toBe(32);
    const values = grid(2, [{ row: 0, col: 1, anchor: 0, t: [0, 0, 0, 0, 3] }]);
    const [face] = decodeFaceGrid(values, geometry);
    const [pw, ph] = TINY_FACE_DETECTOR_ANCHORS[0]!;
    // x: fractions of the width, c_x = 1; y: c_y = 64 / 32 = 2.
    const cx = 0.75 * 200;
    const cy = 0.25 * 2 * 100;
    const w = (pw / 2) * 200;
    const h = (ph / 2) * 2 * 100;
    [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2].forEach((v, i) => expect(face!.box[i]).toBeCloseTo(v, 3));
  });

  it('keeps scores strictly above the threshold, sorts by score and suppresses overlaps at IoU 0.4', () => {
    const geometry = faceInputGeometry(64, 64, 64);
    const values = grid(2, [
      { row: 0, col: 0, anchor: 1, t: [0, 0, 0, 0, logit(0.7)] },
      { row: 0, col: 0, anchor: 3, t: [0, 0, 0.4, 0.4, logit(0.8)] }, // the same centre: suppresses the 0.7 box
      { row: 1, col: 1, anchor: 0, t: [0, 0, 0, 0, logit(0.95)] },
      { row: 1, col: 0, anchor: 0, t: [0, 0, 0, 0, 0] }, // σ(0) = 0.5: not > 0.5
    ]);
    const faces = decodeFaceGrid(values, geometry);
    // anchors 1 (6.04 × 7.08 cells) and 3 (4.27·e^0.4 × 5.18·e^0.4 = 6.37 × 7.73) share a centre: IoU > 0.4.
    expect(faces.map((f) => Number(f.score.toFixed(2)))).toEqual([0.95, 0.8]);
    expect(decodeFaceGrid(values, geometry, { scoreThreshold: 0.49 }).map((f) => Number(f.score.toFixed(2)))).toEqual([0.95, 0.8, 0.5]);
    expect(decodeFaceGrid(values, geometry, { iouThreshold: 1 })).toHaveLength(3);
    expect(decodeFaceGrid(values, geometry, { maxDetections: 1 })).toHaveLength(1);
  });

  it('clips to the image on request', () => {
    const geometry = faceInputGeometry(64, 64, 64);
    const values = grid(2, [{ row: 0, col: 0, anchor: 4, t: [0, 0, 0, 0, 2] }]); // 9 × 10.7 cells: far larger than the image
    const [raw] = decodeFaceGrid(values, geometry);
    expect(raw!.box[0]).toBeLessThan(0);
    const [clipped] = decodeFaceGrid(values, geometry, { clip: true });
    expect(clipped!.box).toEqual([0, 0, 64, 64]);
  });

  it('decodes tensors without leaking and checks their shape', async () => {
    const geometry = faceInputGeometry(64, 64, 64);
    const values = grid(2, [{ row: 1, col: 1, anchor: 0, t: [0, 0, 0, 0, 3] }]);
    const out = tf.tensor4d(values, [1, 2, 2, 25]);
    const faces = await expectNoLeaks(() => decodeFaces(out, geometry));
    expect(faces).toEqual(decodeFaceGrid(values, geometry));
    await expect(decodeFaces(out, faceInputGeometry(64, 64, 96))).rejects.toBeInstanceOf(ShapeMismatchError);
    const wrong = tf.zeros([1, 2, 2, 24]);
    await expect(decodeFaces(wrong, geometry)).rejects.toThrow(/\[1, 2, 2, 25\]/);
    expect(() => decodeFaceGrid(new Float32Array(10), geometry)).toThrow(ShapeMismatchError);
    tf.dispose([out, wrong]);
  });

  it('rejects bad options with typed errors', () => {
    const geometry = faceInputGeometry(64, 64, 64);
    const values = grid(2, []);
    expect(() => decodeFaceGrid(values, geometry, { scoreThreshold: 1.5 })).toThrow(/options.scoreThreshold/);
    expect(() => decodeFaceGrid(values, geometry, { iouThreshold: -0.1 })).toThrow(/options.iouThreshold/);
    expect(() => decodeFaceGrid(values, geometry, { maxDetections: 0 })).toThrow(InvalidArgumentError);
    expect(() => decodeFaceGrid(values, geometry, { clip: 'yes' as unknown as boolean })).toThrow(InvalidArgumentError);
  });
});
