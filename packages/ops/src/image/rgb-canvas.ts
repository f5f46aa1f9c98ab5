/**
 * A white RGB picture to draw on, for the packages' picture renderers (plots, matrices): `set` one pixel
 * (coordinates outside the picture are ignored; fractional ones are rounded), `text` in the built-in bitmap
 * font. `pixels` is row-major, 3 bytes per pixel, ready for `tf.tensor3d(pixels, [height, width, 3], 'int32')`.
 */
import { rasterizeText } from './bitmap-font.js';

type Color = readonly [number, number, number];

export interface RgbCanvas {
  width: number;
  height: number;
  pixels: Uint8Array;
  set(x: number, y: number, color: Color): void;
  /** Text with its top-left corner at (x, y) (rounded), `scale` times the 5×9 glyphs (default black, scale 1). */
  text(text: string, x: number, y: number, color?: Color, scale?: number): void;
}

export function rgbCanvas(width: number, height: number): RgbCanvas {
  const pixels = new Uint8Array(width * height * 3).fill(255);
  const set = (x: number, y: number, c: Color) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const o = 3 * (Math.round(y) * width + Math.round(x));
    pixels[o] = c[0];
    pixels[o + 1] = c[1];
    pixels[o + 2] = c[2];
  };
  const text = (t: string, x: number, y: number, c: Color = [0, 0, 0], scale = 1) => rasterizeText(t, Math.round(x), Math.round(y), scale, (a, b) => set(a, b, c));
  return { width, height, pixels, set, text };
}
