/**
 * Argument checks shared by every public function. They throw `InvalidArgumentError` with the argument's
 * name, what was expected and what came, so users never see a raw tfjs shape error.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from './errors.js';

/** A short description of any value for error messages. */
export function describeValue(value: unknown): string {
  if (value instanceof tf.Tensor) {
    return value.isDisposed ? 'a disposed tensor' : `a ${value.dtype} tensor of shape [${value.shape.join(', ')}]`;
  }
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as Uint8Array).length}`;
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return typeof value;
}

/** Asserts `value` is a live tfjs tensor, optionally of a given rank and dtype. */
export function assertTensor(
  value: unknown,
  argument: string,
  opts: { rank?: number | readonly number[]; dtype?: tf.DataType | readonly tf.DataType[] } = {},
): asserts value is tf.Tensor {
  const ranks = opts.rank === undefined ? undefined : ([] as number[]).concat(opts.rank as number | number[]);
  const expected = [
    ranks ? `a rank-${ranks.join(' or ')} tensor` : 'a tensor',
    opts.dtype ? `of dtype ${([] as string[]).concat(opts.dtype as string | string[]).join(' or ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  if (!(value instanceof tf.Tensor) || value.isDisposed) {
    throw new InvalidArgumentError(argument, expected, describeValue(value));
  }
  if (ranks && !ranks.includes(value.rank)) {
    throw new InvalidArgumentError(argument, expected, describeValue(value));
  }
  if (opts.dtype && !([] as string[]).concat(opts.dtype as string | string[]).includes(value.dtype)) {
    throw new InvalidArgumentError(argument, expected, describeValue(value));
  }
}

/** Asserts an integer ≥ `min` (default 1). */
export function assertInteger(value: unknown, argument: string, min = 1): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(argument, `an integer >= ${min}`, describeValue(value));
  }
}

/** Asserts a finite number, optionally within [min, max]. */
export function assertFiniteNumber(
  value: unknown,
  argument: string,
  range: { min?: number; max?: number } = {},
): asserts value is number {
  const bounds =
    range.min !== undefined && range.max !== undefined
      ? ` in [${range.min}, ${range.max}]`
      : range.min !== undefined
        ? ` >= ${range.min}`
        : range.max !== undefined
          ? ` <= ${range.max}`
          : '';
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (range.min !== undefined && value < range.min) ||
    (range.max !== undefined && value > range.max)
  ) {
    throw new InvalidArgumentError(argument, `a finite number${bounds}`, describeValue(value));
  }
}

/** Normalizes a number or [h, w] pair of positive integers (strides, dilations, kernel sizes). */
export function toPair(value: unknown, argument: string, min = 1): [number, number] {
  if (typeof value === 'number') {
    assertInteger(value, argument, min);
    return [value, value];
  }
  if (Array.isArray(value) && value.length === 2) {
    assertInteger(value[0], `${argument}[0]`, min);
    assertInteger(value[1], `${argument}[1]`, min);
    return [value[0], value[1]];
  }
  throw new InvalidArgumentError(argument, `an integer >= ${min} or a pair [h, w] of them`, describeValue(value));
}

/** Asserts `value` is one of `allowed`. */
export function assertOneOf<T extends string>(value: unknown, argument: string, allowed: readonly T[]): asserts value is T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(argument, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, describeValue(value));
  }
}
