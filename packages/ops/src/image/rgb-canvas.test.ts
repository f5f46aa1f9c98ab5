import { describe, expect, it } from 'vitest';
import { GLYPH_HEIGHT, rasterizeText } from './bitmap-font.js';
import { rgbCanvas } from './rgb-canvas.js';

describe('rgbCanvas', () => {
  it('starts white, sets pixels row-major (rounding fractions), ignores pixels outside', () => {
    const c = rgbCanvas(4, 3);
    expect(c.pixels.length).toBe(36);
    expect(c.pixels.every((v) => v === 255)).toBe(true);
    c.set(2, 1, [1, 2, 3]);
    expect(Array.from(c.pixels.slice(3 * (1 * 4 + 2), 3 * (1 * 4 + 2) + 3))).toEqual([1, 2, 3]);
    c.set(0.4, 2.2, [7, 8, 9]);
    expect(Array.from(c.pixels.slice(3 * 8, 3 * 8 + 3))).toEqual([7, 8, 9]);
    const before = Array.from(c.pixels);
    for (const [x, y] of [[-1, 0], [4, 0], [0, 3], [0, -1]] as const) c.set(x, y, [0, 0, 0]);
    expect(Array.from(c.pixels)).toEqual(before);
  });

  it('writes text where rasterizeText puts it, black by default', () => {
    const c = rgbCanvas(40, GLYPH_HEIGHT + 4);
    c.text('A1', 2.4, 1.6);
    const expected = new Set<number>();
    rasterizeText('A1', 2, 2, 1, (x, y) => expected.add(y * 40 + x));
    expect(expected.size).toBeGreaterThan(0);
    for (let i = 0; i < 40 * (GLYPH_HEIGHT + 4); i++) expect(c.pixels[3 * i]).toBe(expected.has(i) ? 0 : 255);
  });
});
