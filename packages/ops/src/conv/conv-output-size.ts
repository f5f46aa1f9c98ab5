/**
 * The course's shape math: n_out = ⌊(n + p_before + p_after − d(f−1) − 1)/s⌋ + 1 (with d = 1:
 * ⌊(n + 2p − f)/s⌋ + 1), and TensorFlow's 'same' padding, which puts the odd pixel at the bottom/right.
 */
import { InvalidArgumentError } from '../errors/errors.js';
import { assertInteger, describeValue, toPair } from '../errors/validate.js';

/** 'valid' (no padding), 'same' (TF), a symmetric p, or explicit [[top, bottom], [left, right]]. */
export type Padding2D = 'valid' | 'same' | number | [[number, number], [number, number]];

export interface ConvShapeOptions {
  strides?: number | [number, number];
  padding?: Padding2D;
  dilations?: number | [number, number];
}

/** TF 'same' padding for one dimension: [before, after], after ≥ before. */
export function samePadding(n: number, f: number, stride = 1, dilation = 1): [number, number] {
  assertInteger(n, 'n');
  assertInteger(f, 'f');
  assertInteger(stride, 'stride');
  assertInteger(dilation, 'dilation');
  const out = Math.ceil(n / stride);
  const total = Math.max((out - 1) * stride + dilation * (f - 1) + 1 - n, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Output length of a convolution or pooling along one dimension. */
export function convOutputSize(
  n: number,
  f: number,
  options: { stride?: number; padding?: 'valid' | 'same' | number | [number, number]; dilation?: number } = {},
): number {
  const stride = options.stride ?? 1;
  const dilation = options.dilation ?? 1;
  assertInteger(n, 'n');
  assertInteger(f, 'f');
  assertInteger(stride, 'options.stride');
  assertInteger(dilation, 'options.dilation');
  const [before, after] = padPair(options.padding ?? 'valid', n, f, stride, dilation, 'options.padding');
  const effective = dilation * (f - 1) + 1;
  if (n + before + after < effective) {
    throw new InvalidArgumentError(
      'f',
      `a filter no larger than the padded input (${n + before + after})`,
      `${f}${dilation > 1 ? ` with dilation ${dilation} (effective ${effective})` : ''}`,
      'Use a smaller filter, more padding, or padding "same".',
    );
  }
  return Math.floor((n + before + after - effective) / stride) + 1;
}

function padPair(padding: unknown, n: number, f: number, s: number, d: number, argument: string): [number, number] {
  if (padding === 'valid') return [0, 0];
  if (padding === 'same') return samePadding(n, f, s, d);
  if (typeof padding === 'number' && Number.isInteger(padding) && padding >= 0) return [padding, padding];
  if (Array.isArray(padding) && padding.length === 2 && padding.every((p) => Number.isInteger(p) && p >= 0)) return [padding[0], padding[1]];
  throw new InvalidArgumentError(argument, "'valid', 'same', an integer p >= 0 or [before, after]", describeValue(padding));
}

/** Explicit per-side padding [[top, bottom], [left, right]] that `padding` means for this input and filter. */
export function resolvePadding2D(
  padding: Padding2D,
  [h, w]: [number, number],
  [fh, fw]: [number, number],
  [sh, sw]: [number, number] = [1, 1],
  [dh, dw]: [number, number] = [1, 1],
  argument = 'padding',
): [[number, number], [number, number]] {
  if (Array.isArray(padding)) {
    if (padding.length !== 2 || !Array.isArray(padding[0]) || !Array.isArray(padding[1])) {
      throw new InvalidArgumentError(argument, '[[top, bottom], [left, right]]', describeValue(padding));
    }
    return [padPair(padding[0], h, fh, sh, dh, argument), padPair(padding[1], w, fw, sw, dw, argument)];
  }
  return [padPair(padding, h, fh, sh, dh, argument), padPair(padding, w, fw, sw, dw, argument)];
}

/**
 * Output shape of a conv layer: input [n_H, n_W, n_C] or [m, n_H, n_W, n_C], filter [f_h, f_w, n_C, n_C_out].
 * The course's "output volume" exercise: 39×39×3 ∗ 10 filters 3×3 s=1 p=0 → 37×37×10.
 */
export function convOutputShape(inputShape: readonly number[], filterShape: readonly number[], options: ConvShapeOptions = {}): number[] {
  if (inputShape.length !== 3 && inputShape.length !== 4) {
    throw new InvalidArgumentError('inputShape', '[n_H, n_W, n_C] or [m, n_H, n_W, n_C]', `[${inputShape.join(', ')}]`);
  }
  if (filterShape.length !== 4) throw new InvalidArgumentError('filterShape', '[f_h, f_w, n_C_prev, n_C]', `[${filterShape.join(', ')}]`);
  const [h, w, c] = inputShape.slice(-3) as [number, number, number];
  const [fh, fw, fc, co] = filterShape as [number, number, number, number];
  if (fc !== c) throw new InvalidArgumentError('filterShape[2]', `${c} (the input's channels)`, String(fc));
  const [sh, sw] = toPair(options.strides ?? 1, 'options.strides');
  const [dh, dw] = toPair(options.dilations ?? 1, 'options.dilations');
  const [[t, b], [l, r]] = resolvePadding2D(options.padding ?? 'valid', [h, w], [fh, fw], [sh, sw], [dh, dw], 'options.padding');
  const out = [
    convOutputSize(h, fh, { stride: sh, dilation: dh, padding: [t, b] }),
    convOutputSize(w, fw, { stride: sw, dilation: dw, padding: [l, r] }),
    co,
  ];
  return inputShape.length === 4 ? [inputShape[0]!, ...out] : out;
}

/** Output shape of pooling: channels unchanged. */
export function poolOutputShape(
  inputShape: readonly number[],
  poolSize: number | [number, number],
  options: { strides?: number | [number, number]; padding?: 'valid' | 'same' } = {},
): number[] {
  const c = inputShape[inputShape.length - 1]!;
  const [ph, pw] = toPair(poolSize, 'poolSize');
  return convOutputShape(inputShape, [ph, pw, c, c], { strides: options.strides ?? poolSize, padding: options.padding ?? 'valid' });
}
