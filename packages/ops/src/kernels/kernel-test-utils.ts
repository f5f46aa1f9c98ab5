/**
 * Test helpers for the wasm kernels: deterministic inputs, and running the same computation on tfjs-cpu
 * (the reference) and on wasm.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { ready } from '../backend/backend.js';

export type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
export type Shape4 = [number, number, number, number];

/** The explicit padding every sweep includes (asymmetric on purpose). */
export const EXPLICIT: Pad = [
  [0, 0],
  [1, 2],
  [0, 1],
  [0, 0],
];

/** Deterministic pseudo-random values in [-1, 1). */
export function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export const t4 = (shape: Shape4, seed: number): tf.Tensor4D => tf.tensor4d(rand(shape.reduce((a, b) => a * b, 1), seed), shape);

export const padLabel = (pad: Pad): string => (typeof pad === 'string' ? pad : 'explicit');

/** Output shape of the forward conv (to size dy). */
export function convOutShape(x: Shape4, f: Shape4, strides: [number, number], pad: Pad, depthwise = false, dilations: number | [number, number] = 1): Shape4 {
  return tf.backend_util.computeConv2DInfo(x, f, strides, dilations, pad, undefined, depthwise).outShape as Shape4;
}

/**
 * Runs `fn` on cpu and then on wasm with identical inputs and returns the max error relative to the largest
 * |cpu value| of each output (so values near zero do not blow the ratio up).
 */
export async function errorVsCpu(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const run = () => tf.tidy(() => ([] as tf.Tensor[]).concat(fn()).map((t) => t.dataSync().slice()));
  await ready({ backend: 'cpu' });
  const expected = run();
  await ready({ backend: 'wasm' });
  const actual = run();
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  expected.forEach((e, k) => {
    const a = actual[k]!;
    expect(a.length).toBe(e.length);
    let scale = 1e-6;
    for (const v of e) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i]! - e[i]!) / scale);
  });
  return worst;
}
