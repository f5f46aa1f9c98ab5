import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '@cnn/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGENET_COLOR_PCA, computeColorPca, pcaColorAugment, pcaColorShift, symmetricEigen3 } from './color-pca.js';
import { makeTempDir, removeDir, writePng } from './test-support/image-folder-fixture.js';

describeEachBackend('pcaColorAugment', () => {
  it('adds 255 * sum_i a_i l_i p_i to every pixel of an image (hand-checked)', async () => {
    // ImageNet PCA, a = (1, -1, 0.5): red = 255 (-0.5675 * 0.2175 - 0.7192 * 0.0188 + 0.4009 * 0.5 * 0.0045)
    // = 255 * -0.136050185 = -34.6928; green -32.65808; blue -28.7959.
    // Second image a = (-0.2, 0.3, 2): (8.24941, 4.56792, 6.43891).
    const x = tf.fill([2, 2, 3, 3], 128) as tf.Tensor4D;
    const out = await expectNoLeaks(() => pcaColorAugment(x, { alphas: [[1, -1, 0.5], [-0.2, 0.3, 2]] }), { allowReturned: true });
    const first = [128 - 34.6928, 128 - 32.65808, 128 - 28.7959];
    const second = [128 + 8.24941, 128 + 4.56792, 128 + 6.43891];
    expectTensorsClose(out, [...Array(6).fill(first).flat(), ...Array(6).fill(second).flat()], { atol: 1e-3 });
    expect(pcaColorShift([1, -1, 0.5], IMAGENET_COLOR_PCA.eigenvalues, IMAGENET_COLOR_PCA.eigenvectors).map((v) => +v.toFixed(4))).toEqual([-34.6928, -32.6581, -28.7959]);
    tf.dispose([x, out]);
  });

  it('draws a ~ N(0, std) once per image, repeatably (recovered from the shifts)', () => {
    const n = 400;
    const x = tf.fill([n, 2, 2, 3], 128) as tf.Tensor4D;
    const out = pcaColorAugment(x, { random: 3, std: 0.1 });
    const data = out.dataSync();
    const { eigenvalues: l, eigenvectors: e } = IMAGENET_COLOR_PCA;
    const alphas: number[] = [];
    for (let i = 0; i < n; i++) {
      const base = i * 12;
      const shift = [0, 1, 2].map((c) => data[base + c]! - 128);
      for (let p = 1; p < 4; p++) for (let c = 0; c < 3; c++) expect(data[base + 3 * p + c]! - 128).toBeCloseTo(shift[c]!, 3); // one shift per image
      // a_i = (p_i . shift) / (255 l_i), the eigenvectors being (nearly) orthonormal.
      for (let k = 0; k < 3; k++) alphas.push([0, 1, 2].reduce((s, c) => s + e[c]![k]! * shift[c]!, 0) / (255 * l[k]!));
    }
    const mean = alphas.reduce((a, b) => a + b, 0) / alphas.length;
    const std = Math.sqrt(alphas.reduce((a, b) => a + (b - mean) ** 2, 0) / alphas.length);
    expect(Math.abs(mean)).toBeLessThan(0.012);
    expect(std).toBeGreaterThan(0.09);
    expect(std).toBeLessThan(0.11);
    expect(Array.from(pcaColorAugment(x, { random: 3 }).dataSync())).toEqual(Array.from(data));
    tf.dispose([x, out]);
  });

  it('rejects bad batches and options', () => {
    const gray = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    const rgb = tf.zeros([2, 2, 2, 3]) as tf.Tensor4D;
    expect(() => pcaColorAugment(gray)).toThrow(InvalidArgumentError);
    expect(() => pcaColorAugment(rgb, { alphas: [[1, 2, 3]] })).toThrow(/options\.alphas/);
    expect(() => pcaColorAugment(rgb, { eigenvalues: [1, 2] })).toThrow(/options\.eigenvalues/);
    expect(() => pcaColorAugment(rgb, { eigenvectors: [[1, 0, 0]] })).toThrow(/options\.eigenvectors/);
    tf.dispose([gray, rgb]);
  });
});

describe('symmetricEigen3 (Jacobi)', () => {
  it('diagonalizes: A v = l v, orthonormal vectors, values largest first', () => {
    const a = [
      [4, 1, -2],
      [1, 2, 0.5],
      [-2, 0.5, 3],
    ];
    const { eigenvalues, eigenvectors } = symmetricEigen3(a);
    expect(eigenvalues[0]).toBeGreaterThanOrEqual(eigenvalues[1]);
    expect(eigenvalues[1]).toBeGreaterThanOrEqual(eigenvalues[2]);
    expect(eigenvalues.reduce((s, v) => s + v, 0)).toBeCloseTo(9, 10); // trace
    for (let k = 0; k < 3; k++) {
      const v = [0, 1, 2].map((c) => eigenvectors[c]![k]!);
      for (let r = 0; r < 3; r++) expect(a[r]!.reduce((s, x, c) => s + x * v[c]!, 0)).toBeCloseTo(eigenvalues[k]! * v[r]!, 10);
      for (let j = 0; j < 3; j++) expect([0, 1, 2].reduce((s, c) => s + v[c]! * eigenvectors[c]![j]!, 0)).toBeCloseTo(k === j ? 1 : 0, 10);
    }
    expect(symmetricEigen3([[2, 0, 0], [0, 5, 0], [0, 0, 1]]).eigenvalues).toEqual([5, 2, 1]);
  });
});

describe('computeColorPca', () => {
  let dir: string;
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
    dir = await makeTempDir();
    // Half black, half white pixels: covariance 0.25 everywhere (0-1 scale), eigen (0.75, 0, 0), p1 = (1,1,1)/sqrt 3.
    await writePng(join(dir, 'bw.png'), { height: 2, width: 2, pixel: (r) => (r === 0 ? 0 : 255) });
    await writePng(join(dir, 'gray.png'), { height: 3, width: 5, channels: 1, pixel: (r, c) => 40 * c });
  });
  afterAll(() => removeDir(dir));

  it('gets the covariance eigen decomposition of black/white pixels (hand-checked), from tensors and files', async () => {
    const bw = tf.tensor3d([0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255], [2, 2, 3]);
    const fromTensor = await expectNoLeaks(() => computeColorPca(bw));
    expect(fromTensor.eigenvalues[0]).toBeCloseTo(0.75, 10);
    expect(fromTensor.eigenvalues[1]).toBeCloseTo(0, 10);
    expect(fromTensor.eigenvalues[2]).toBeCloseTo(0, 10);
    for (let c = 0; c < 3; c++) expect(fromTensor.eigenvectors[c]![0]).toBeCloseTo(1 / Math.sqrt(3), 10);
    expect(fromTensor.mean).toEqual([127.5, 127.5, 127.5]);
    expect(fromTensor.pixels).toBe(4);
    const fromFile = await expectNoLeaks(() => computeColorPca([{ path: join(dir, 'bw.png') }]));
    expect(fromFile).toEqual(fromTensor);
    expect(await computeColorPca([bw])).toEqual(fromTensor);
    // A gray image varies only along (1,1,1): all variance in the first component.
    const gray = await computeColorPca([join(dir, 'gray.png')]);
    expect(gray.eigenvalues[1]).toBeCloseTo(0, 10);
    expect(gray.eigenvalues[0]).toBeCloseTo((3 * (2 * 80 ** 2 + 2 * 40 ** 2) / 5) / 255 ** 2, 8); // 3 var(40c), c = 0..4: 3 * 3200 / 255^2
    bw.dispose();
  });

  it('rejects sources that are not RGB pixels', async () => {
    await expect(computeColorPca(tf.zeros([2, 2]))).rejects.toThrow(InvalidArgumentError);
    await expect(computeColorPca([])).rejects.toThrow(/source/);
    await expect(computeColorPca([join(dir, 'missing.png')])).rejects.toThrow(/missing\.png/);
  });
});
