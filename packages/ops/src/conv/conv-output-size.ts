/**
 * The course's shape math: n_out = ⌊(n + p_before + p_after − d(f−1) − 1)/s⌋ + 1 (with d = 1:
 * ⌊(n + 2p − f)/s⌋ + 1), and TensorFlow's 'same' padding, which puts the odd pixel at the bottom/right.
 */
import { InvalidArgumentError, ShapeMismatchError } from '../errors/errors.js';
import { assertInteger, assertOneOf, describeValue, toPair } from '../errors/validate.js';

/** 'valid' (no padding), 'same' (TF), a symmetric p, or explicit [[top, bottom], [left, right]]. */
export type Padding2D = 'valid' | 'same' | number | [[number, number], [number, number]];

export interface ConvShapeOptions {
  strides?: number | [number, number];
  padding?: Padding2D;
  dilations?: number | [number, number];
}

/**
 * TF 'same' padding for one dimension, [before, after]: the output keeps ⌈n/s⌉ and
 * total = max((⌈n/s⌉ − 1)·s + d(f−1) + 1 − n, 0), before = ⌊total/2⌋, after = the rest (the odd pixel goes
 * bottom/right). With s = 1 and odd f this is the course's p = (f − 1)/2 on both sides.
 */
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
  return outputLength(n, f, stride, dilation, before, after, () => new InvalidArgumentError(
    'f',
    `a filter no larger than the padded input (${n + before + after})`,
    `${f}${dilation > 1 ? ` with dilation ${dilation} (effective ${dilation * (f - 1) + 1})` : ''}`,
    "Use a smaller filter, more padding, or padding 'same'.",
  ));
}

/**
 * ⌊(n + p_before + p_after − d(f−1) − 1)/s⌋ + 1, or the error `tooLarge()` when the dilated filter
 * (effective size d(f−1)+1) does not fit in the padded input. Shared by the ops so each names its own argument.
 */
export function outputLength(n: number, f: number, s: number, d: number, before: number, after: number, tooLarge: () => Error): number {
  const effective = d * (f - 1) + 1;
  if (n + before + after < effective) throw tooLarge();
  return Math.floor((n + before + after - effective) / s) + 1;
}

/** The error for a (dilated) filter or window larger than the padded input, naming `argument`. */
export function filterTooLargeError(
  argument: string,
  [h, w]: readonly [number, number],
  [fh, fw]: readonly [number, number],
  [[t, b], [l, r]]: readonly [readonly [number, number], readonly [number, number]],
  [dh, dw]: readonly [number, number] = [1, 1],
  what = 'filter',
): ShapeMismatchError {
  const eh = dh * (fh - 1) + 1;
  const ew = dw * (fw - 1) + 1;
  const dilated = eh !== fh || ew !== fw ? ` (${eh}×${ew} with dilations [${dh}, ${dw}])` : '';
  return new ShapeMismatchError(
    argument,
    `the ${fh}×${fw} ${what}${dilated} is larger than the padded input ${h + t + b}×${w + l + r} (input ${h}×${w}, padding [[${t}, ${b}], [${l}, ${r}]]). Use a smaller ${what}, more padding, or padding 'same'.`,
  );
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
  if (!Array.isArray(inputShape) || (inputShape.length !== 3 && inputShape.length !== 4)) {
    throw new InvalidArgumentError('inputShape', '[n_H, n_W, n_C] or [m, n_H, n_W, n_C]', Array.isArray(inputShape) ? `[${inputShape.join(', ')}]` : describeValue(inputShape));
  }
  if (!Array.isArray(filterShape) || filterShape.length !== 4) {
    throw new InvalidArgumentError('filterShape', '[f_h, f_w, n_C_prev, n_C]', Array.isArray(filterShape) ? `[${filterShape.join(', ')}]` : describeValue(filterShape));
  }
  inputShape.forEach((d, i) => assertInteger(d, `inputShape[${i}]`));
  filterShape.forEach((d, i) => assertInteger(d, `filterShape[${i}]`));
  const [h, w, c] = inputShape.slice(-3) as [number, number, number];
  const [fh, fw, fc, co] = filterShape as [number, number, number, number];
  if (fc !== c) throw new InvalidArgumentError('filterShape[2]', `${c} (the input's channels)`, String(fc));
  const strides = toPair(options.strides ?? 1, 'options.strides');
  const dilations = toPair(options.dilations ?? 1, 'options.dilations');
  const pads = resolvePadding2D(options.padding ?? 'valid', [h, w], [fh, fw], strides, dilations, 'options.padding');
  const tooLarge = () => filterTooLargeError('filterShape', [h, w], [fh, fw], pads, dilations);
  const out = [
    outputLength(h, fh, strides[0], dilations[0], pads[0][0], pads[0][1], tooLarge),
    outputLength(w, fw, strides[1], dilations[1], pads[1][0], pads[1][1], tooLarge),
    co,
  ];
  return inputShape.length === 4 ? [inputShape[0]!, ...out] : out;
}

/** Output shape of pooling (f×f window, stride s; default s = f): channels unchanged. */
export function poolOutputShape(
  inputShape: readonly number[],
  poolSize: number | [number, number],
  options: { strides?: number | [number, number]; padding?: 'valid' | 'same' } = {},
): number[] {
  if (!Array.isArray(inputShape) || (inputShape.length !== 3 && inputShape.length !== 4)) {
    throw new InvalidArgumentError('inputShape', '[n_H, n_W, n_C] or [m, n_H, n_W, n_C]', Array.isArray(inputShape) ? `[${inputShape.join(', ')}]` : describeValue(inputShape));
  }
  inputShape.forEach((d, i) => assertInteger(d, `inputShape[${i}]`));
  const [h, w, c] = inputShape.slice(-3) as [number, number, number];
  const size = toPair(poolSize, 'poolSize');
  const strides = toPair(options.strides ?? poolSize, 'options.strides');
  const padding = options.padding ?? 'valid';
  assertOneOf(padding, 'options.padding', ['valid', 'same'] as const);
  const pads = resolvePadding2D(padding, [h, w], size, strides);
  const tooLarge = () => filterTooLargeError('poolSize', [h, w], size, pads, [1, 1], 'window');
  const out = [outputLength(h, size[0], strides[0], 1, ...pads[0], tooLarge), outputLength(w, size[1], strides[1], 1, ...pads[1], tooLarge), c];
  return inputShape.length === 4 ? [inputShape[0]!, ...out] : out;
}
