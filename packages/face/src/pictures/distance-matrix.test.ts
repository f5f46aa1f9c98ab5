import * as tf from '@tensorflow/tfjs-core';
import { GLYPH_HEIGHT, InvalidArgumentError, ShapeMismatchError, ready, textWidth } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { distanceColor, renderDistanceMatrix } from './distance-matrix.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

const pixel = (p: { width: number; pixels: Uint8Array }, x: number, y: number) => Array.from(p.pixels.slice(3 * (y * p.width + x), 3 * (y * p.width + x) + 3));

describe('renderDistanceMatrix', () => {
  it('colors each cell by its distance, green below the threshold and red above', () => {
    const m = [new Float32Array([0.1, 0.9]), new Float32Array([0.7, 0.3])];
    const pic = renderDistanceMatrix(m, { threshold: 0.6, cellSize: 40, rowLabels: ['ann', 'bob'], colLabels: ['q1', 'q2'] });
    expect(pic.pixels.length).toBe(pic.width * pic.height * 3);
    // Cell (i, j) spans [left + 40j, left + 40j + 40) × [top + 40i, ...); sample a pixel near a cell corner
    // (inside the frame, away from the centered text) and compare with distanceColor.
    // Layout: row labels (widest + 8 px), then the cells; one label row (glyph height + 4) above them.
    const left = textWidth('bob') + 8;
    const top = GLYPH_HEIGHT + 4;
    const at = (i: number, j: number) => pixel(pic, left + 40 * j + 5, top + 40 * i + 5);
    expect(at(0, 0)).toEqual([...distanceColor(Math.fround(0.1), 0.6)]);
    expect(at(0, 1)).toEqual([...distanceColor(Math.fround(0.9), 0.6)]);
    expect(at(1, 0)).toEqual([...distanceColor(Math.fround(0.7), 0.6)]);
    expect(at(1, 1)).toEqual([...distanceColor(Math.fround(0.3), 0.6)]);
    const [r0, g0] = at(0, 0);
    expect(g0!).toBeGreaterThan(r0!); // a match is green
    const [r1, g1] = at(0, 1);
    expect(r1!).toBeGreaterThan(g1!); // a non-match is red
    // Best match per row is framed in black when it is a match: row 0's best is column 0.
    expect(pixel(pic, left + 1, top + 1)).toEqual([0, 0, 0]);
    expect(pixel(pic, left + 40, top + 1)).toEqual([160, 160, 160]); // a 1-px gray frame elsewhere
    expect(pixel(pic, left + 40 + 1, top + 1)).toEqual([...distanceColor(Math.fround(0.9), 0.6)]);
  });

  it('draws thumbnails beside and above the cells, without leaking tensors', async () => {
    const red = tf.tidy(() => tf.mul(tf.fill([30, 20, 3], 255), tf.tensor1d([1, 0, 0]))) as tf.Tensor3D;
    const gray = tf.fill([10, 10, 1], 100) as tf.Tensor3D;
    await expectNoLeaks(() => {
      const pic = renderDistanceMatrix([[0.2]], { cellSize: 32, rowImages: [red], colImages: [gray], rowLabels: ['a'], colLabels: ['b'] });
      // The row thumbnail sits right of the row labels: its center is pure red.
      const rowLabelW = 8 + 5; // 'a' is one 5-px glyph wide + 8
      expect(pixel(pic, rowLabelW + 16, pic.height - 21 - 32 + 16)).toEqual([255, 0, 0]);
      // The column thumbnail (gray 100) sits above the cell.
      const left = rowLabelW + 32 + 4;
      expect(pixel(pic, left + 16, 13 + 16)).toEqual([100, 100, 100]);
    });
    tf.dispose([red, gray]);
  });

  it('excludeSelf frames the nearest other face, not the zero diagonal; the legend is never cut', () => {
    const m = [[0, 0.3, 0.9], [0.3, 0, 0.5], [0.9, 0.5, 0]];
    const pic = renderDistanceMatrix(m, { excludeSelf: true, cellSize: 24, rowLabels: ['a', 'b', 'c'], colLabels: ['a', 'b', 'c'] });
    // Narrow cells: the picture is as wide as the legend.
    expect(pic.width).toBeGreaterThan(8 + 3 + 4 + 3 * 24 + 8);
    const left = textWidth('a') + 8;
    const top = GLYPH_HEIGHT + 4;
    const corner = (i: number, j: number) => pixel(pic, left + 24 * j + 1, top + 24 * i + 1);
    expect(corner(0, 1)).toEqual([0, 0, 0]); // a's nearest other: b
    expect(corner(0, 0)).not.toEqual([0, 0, 0]);
    expect(corner(2, 1)).toEqual([0, 0, 0]); // c's nearest other: b (0.5 <= 0.6)
    expect(() => renderDistanceMatrix([[0, 1]], { excludeSelf: true })).toThrow(ShapeMismatchError);
  });

  it('distanceColor: strong green at 0, pale at the threshold, strong red at twice it', () => {
    expect(distanceColor(0, 0.5)).toEqual([26, 152, 80]);
    expect(distanceColor(0.5, 0.5)).toEqual([217, 240, 211]);
    expect(distanceColor(1, 0.5)).toEqual([178, 24, 43]);
    expect(distanceColor(5, 0.5)).toEqual([178, 24, 43]);
  });

  it('refuses bad input with typed errors', () => {
    expect(() => renderDistanceMatrix([])).toThrow(InvalidArgumentError);
    expect(() => renderDistanceMatrix([[0.1, 0.2], [0.3]])).toThrow(InvalidArgumentError);
    expect(() => renderDistanceMatrix([[-1]])).toThrow(InvalidArgumentError);
    expect(() => renderDistanceMatrix([[0.1]], { rowLabels: ['a', 'b'] })).toThrow(ShapeMismatchError);
    expect(() => renderDistanceMatrix([[0.1]], { threshold: 0 })).toThrow(/positive/);
    expect(() => renderDistanceMatrix([[0.1]], { rowImages: [tf.zeros([2, 2]) as never] })).toThrow(InvalidArgumentError);
  });
});
