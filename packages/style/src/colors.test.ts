import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { luminanceTransfer, matchColors, symmetricPower } from './colors.js';

beforeAll(async () => {
  await ready();
});

const yiq = (r: number, g: number, b: number) => [0.299 * r + 0.587 * g + 0.114 * b, 0.595716 * r - 0.274453 * g - 0.321263 * b, 0.211456 * r - 0.522591 * g + 0.311135 * b];

function statsOf(data: Float32Array | Int32Array | Uint8Array): { mean: number[]; cov: number[][] } {
  const n = data.length / 3;
  const mean = [0, 1, 2].map((c) => Array.from({ length: n }, (_, i) => data[3 * i + c]!).reduce((a, b) => a + b, 0) / n);
  const cov = [0, 1, 2].map((a) => [0, 1, 2].map((b) => Array.from({ length: n }, (_, i) => (data[3 * i + a]! - mean[a]!) * (data[3 * i + b]! - mean[b]!)).reduce((x, y) => x + y, 0) / n));
  return { mean, cov };
}

describe('keeping the content colors', () => {
  it('luminanceTransfer: the result keeps its luminance Y and takes the content chroma IQ (plain-loop YIQ)', () => {
    const result = tf.randomUniform([4, 5, 3], 60, 200, 'float32', 1) as tf.Tensor3D;
    const content = tf.randomUniform([4, 5, 3], 60, 200, 'float32', 2) as tf.Tensor3D;
    const out = luminanceTransfer(result, content);
    const [r, c, o] = [result.dataSync(), content.dataSync(), out.dataSync()];
    for (let p = 0; p < 20; p++) {
      const [yr] = yiq(r[3 * p]!, r[3 * p + 1]!, r[3 * p + 2]!);
      const [, ic, qc] = yiq(c[3 * p]!, c[3 * p + 1]!, c[3 * p + 2]!);
      const [yo, io, qo] = yiq(o[3 * p]!, o[3 * p + 1]!, o[3 * p + 2]!);
      // (no clipping happens for these mid-range colors)
      expect(yo).toBeCloseTo(yr!, 2);
      expect(io).toBeCloseTo(ic!, 2);
      expect(qo).toBeCloseTo(qc!, 2);
    }
    tf.dispose([result, content, out]);
  });

  it('matchColors: the recolored style has the content mean and covariance', async () => {
    // A bluish "style" and a reddish "content" with different spreads.
    const style = tf.tidy(() => tf.add(tf.mul(tf.randomUniform([20, 20, 3], 0, 1, 'float32', 3), tf.tensor1d([40, 60, 80])), tf.tensor1d([30, 50, 120]))) as tf.Tensor3D;
    const content = tf.tidy(() => tf.add(tf.mul(tf.randomUniform([16, 24, 3], 0, 1, 'float32', 4), tf.tensor1d([90, 30, 20])), tf.tensor1d([120, 60, 40]))) as tf.Tensor3D;
    const out = await matchColors(style, content);
    const want = statsOf(content.dataSync() as Float32Array);
    const got = statsOf(out.dataSync() as Float32Array);
    for (let a = 0; a < 3; a++) {
      expect(got.mean[a]).toBeCloseTo(want.mean[a]!, 1);
      for (let b = 0; b < 3; b++) expect(Math.abs(got.cov[a]![b]! - want.cov[a]![b]!)).toBeLessThan(0.02 * want.cov[a]![a]! + 1);
    }
    await expectNoLeaks(async () => (await matchColors(style, content)).dispose());
    tf.dispose([style, content, out]);
  });

  it('symmetricPower: (M^½)² = M and M^½·M^−½ = I', () => {
    const m = [
      [4, 1, 0.5],
      [1, 3, 0.2],
      [0.5, 0.2, 2],
    ];
    const h = symmetricPower(m, 0.5);
    const ih = symmetricPower(m, -0.5);
    const mul = (a: number[][], b: number[][]) => a.map((r) => [0, 1, 2].map((j) => r[0]! * b[0]![j]! + r[1]! * b[1]![j]! + r[2]! * b[2]![j]!));
    mul(h, h).forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(m[i]![j]!, 8)));
    mul(h, ih).forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 8)));
  });

  it('typed errors', async () => {
    const a = tf.zeros([4, 4, 3]) as tf.Tensor3D;
    const b = tf.zeros([4, 5, 3]) as tf.Tensor3D;
    const gray = tf.zeros([4, 4, 1]) as tf.Tensor3D;
    expect(() => luminanceTransfer(a, b)).toThrow(InvalidArgumentError);
    expect(() => luminanceTransfer(gray, gray)).toThrow(/RGB/);
    await expect(matchColors(gray, a)).rejects.toThrow(InvalidArgumentError);
    tf.dispose([a, b, gray]);
  });
});
