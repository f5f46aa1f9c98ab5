/**
 * The value range of an image tensor. One rule shared by encodeImage and drawBoxes, so an image that
 * encodes correctly also gets boxes in the right brightness.
 */
import { assertOneOf } from '../errors/validate.js';

/** '0-255': 8-bit levels (int or float). '0-1': normalized floats. */
export type PixelRange = '0-255' | '0-1';

/**
 * The range to use: the explicit one, else 0-255 for int32, else (float32) 0-1 when every value is ≤ 1
 * and 0-255 otherwise. Pass `range` explicitly for floats whose maximum could land on either side (a nearly
 * black 0-255 image, or a 0-1 image that overshoots 1 after a model).
 */
export function resolvePixelRange(values: ArrayLike<number>, dtype: string, range: unknown, argument = 'options.range'): PixelRange {
  if (range !== undefined) {
    assertOneOf(range, argument, ['0-255', '0-1'] as const);
    return range;
  }
  if (dtype !== 'float32') return '0-255';
  for (let i = 0; i < values.length; i++) if (values[i]! > 1) return '0-255';
  return '0-1';
}
