import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { ndarray, type NDArray } from '@cnn/ops/reference';
import { expectNoLeaks, expectTensorsClose } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { fastStylize, padToMultiple } from './fast-stylize.js';
import { instanceNorm } from './layers.js';
import { conv2dTransposeReference, instanceNormReference, randomFastStyleVariables, transformNetReference } from './reference.js';
import { fastStyleLayout, fastStyleVariableName, transformNet, transformNetConfig } from './transform-net.js';

const FILTERS = [2, 3, 4] as const;

function randomNd(shape: number[], seed: number): NDArray {
  return ndarray(shape, tf.tidy(() => tf.randomUniform(shape, -1, 1, 'float32', seed).dataSync()));
}
const toTensor = (a: NDArray) => tf.tensor(Float32Array.from(a.data), a.shape);

/** Sets ml5-format variables into a transformNet by the documented id mapping (kernel id, shift id+1, scale id+2). */
function setVariables(net: tfl.LayersModel, vars: ReadonlyMap<string, NDArray>, residualBlocks: number): void {
  for (const slot of fastStyleLayout(residualBlocks)) {
    const t = (id: number) => toTensor(vars.get(fastStyleVariableName(id))!);
    const [k, shift, scale] = [t(slot.id), t(slot.id + 1), t(slot.id + 2)];
    net.getLayer(slot.conv).setWeights([k]);
    net.getLayer(slot.norm).setWeights([scale, shift]);
    tf.dispose([k, shift, scale]);
  }
}

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

describe('instance normalization', () => {
  it('matches the plain-loop formula (biased variance over H, W, per image and channel, ε = 1e-3)', () => {
    const x = randomNd([2, 3, 5, 4], 3);
    x.data.forEach((v, i) => (x.data[i] = v * 20 + (i % 4) * 7)); // channel offsets, larger spread
    const gamma = [0.5, 1.5, -1, 2];
    const beta = [0.1, -0.2, 3, 0];
    const got = tf.tidy(() => instanceNorm(toTensor(x) as tf.Tensor4D, tf.tensor1d(gamma), tf.tensor1d(beta), 1e-3).dataSync());
    expectTensorsClose(got, instanceNormReference(x, gamma, beta, 1e-3).data, { rtol: 1e-4, atol: 1e-4 });
  });
});

describe('transformNet', () => {
  it('has the ml5 layout: 48 variables at ids 0..47, conv-transposes at 39 and 42 with [h, w, out, in] kernels, 1 677 638 parameters (the ml5 files)', () => {
    const layout = fastStyleLayout();
    expect(layout.map((s) => s.id)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45]);
    expect(layout.filter((s) => s.transpose).map((s) => s.id)).toEqual([39, 42]);
    const net = transformNet();
    expect(net.getLayer('deconv1').getWeights()[0]!.shape).toEqual([3, 3, 64, 128]); // the ml5 manifest's Variable_39
    expect(net.getLayer('deconv2').getWeights()[0]!.shape).toEqual([3, 3, 32, 64]); // Variable_42
    expect(net.getLayer('conv_out').getWeights()[0]!.shape).toEqual([9, 9, 32, 3]); // Variable_45
    expect(net.trainableWeights).toHaveLength(48);
    expect(transformNetConfig(net)).toEqual({ filters: [32, 64, 128], residualBlocks: 5 });
    expect(net.countParams()).toBe(1_677_638);
    net.dispose();
  });

  it('conv-transpose with "same" padding matches the definition of TF conv2d_transpose (scatter through W[h][w][out][in])', () => {
    const x = randomNd([1, 3, 5, 4], 5);
    const w = randomNd([3, 3, 2, 4], 6);
    const got = tf.tidy(() => tf.conv2dTranspose(toTensor(x) as tf.Tensor4D, toTensor(w) as tf.Tensor4D, [1, 6, 10, 2], 2, 'same').dataSync());
    expectTensorsClose(got, conv2dTransposeReference(x, w, 2).data, { rtol: 1e-4, atol: 1e-5 });
  });

  it('the whole net matches the plain-loop reference on tiny random weights (instance norm, residual, conv-transpose, tanh·150 + 127.5)', () => {
    const vars = randomFastStyleVariables(FILTERS, 2, 7);
    const net = transformNet({ filters: FILTERS, residualBlocks: 2 });
    setVariables(net, vars, 2);
    const x = randomNd([1, 8, 12, 3], 9);
    x.data.forEach((v, i) => (x.data[i] = (v + 1) * 127.5));
    const expected = transformNetReference(x, vars, 2);
    const got = tf.tidy(() => (net.predict(toTensor(x)) as tf.Tensor).dataSync());
    expect(Math.max(...expected.data) - Math.min(...expected.data)).toBeGreaterThan(20); // not a flat image
    expectTensorsClose(got, expected.data, { rtol: 1e-3, atol: 2e-2 });
    net.dispose();
  });

  it('outputs 4·⌈H/4⌉: sizes divisible by 4 are kept, others are not (fastStylize pads them)', () => {
    const net = transformNet({ filters: FILTERS, residualBlocks: 1 });
    tf.tidy(() => {
      expect((net.predict(tf.zeros([1, 8, 12, 3])) as tf.Tensor).shape).toEqual([1, 8, 12, 3]);
      expect((net.predict(tf.zeros([1, 10, 7, 3])) as tf.Tensor).shape).toEqual([1, 12, 8, 3]);
    });
    expect(padToMultiple(10)).toEqual([1, 1]);
    expect(padToMultiple(7)).toEqual([0, 1]);
    expect(padToMultiple(5)).toEqual([1, 2]);
    expect(padToMultiple(8)).toEqual([0, 0]);
    net.dispose();
  });

  it('clips to [0, 255] at inference only; training mode keeps tanh·150 + 127.5 (gradients at saturated pixels)', () => {
    const net = transformNet({ filters: FILTERS, residualBlocks: 1 });
    // A large positive scale on the last norm saturates the output.
    net.getLayer('conv_out_norm').setWeights([tf.fill([3], 0), tf.fill([3], 5)]);
    tf.tidy(() => {
      const x = tf.randomUniform([1, 8, 8, 3], 0, 255, 'float32', 2);
      expect(tf.max(net.predict(x) as tf.Tensor).dataSync()[0]).toBe(255);
      expect(tf.max(net.apply(x, { training: true }) as tf.Tensor).dataSync()[0]).toBeGreaterThan(255);
    });
    net.dispose();
  });

  it('serializes with its custom layers (toJSON -> modelFromJSON gives the same outputs)', async () => {
    const net = transformNet({ filters: FILTERS, residualBlocks: 1 });
    setVariables(net, randomFastStyleVariables(FILTERS, 1, 3), 1);
    const copy = await tfl.models.modelFromJSON({ modelTopology: net.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
    copy.setWeights(net.getWeights());
    tf.tidy(() => {
      const x = tf.randomUniform([1, 8, 8, 3], 0, 255, 'float32', 4);
      expectTensorsClose(copy.predict(x) as tf.Tensor, net.predict(x) as tf.Tensor, { rtol: 1e-5, atol: 1e-4 });
    });
    expect(copy.getLayer('conv1_norm').getClassName()).toBe('InstanceNormalization');
    copy.dispose();
    net.dispose();
  });

  it('rejects bad options', () => {
    expect(() => transformNet({ filters: [8, 8] as never })).toThrow(InvalidArgumentError);
    expect(() => transformNet({ residualBlocks: -1 })).toThrow(InvalidArgumentError);
  });
});

describe('fastStylize', () => {
  let net: tfl.LayersModel;
  beforeAll(() => {
    net = transformNet({ filters: FILTERS, residualBlocks: 1 });
    setVariables(net, randomFastStyleVariables(FILTERS, 1, 11), 1);
  });

  it('keeps any size ≥ 4 (reflection-padded to a multiple of 4, cropped back), takes int32 or batches, leaks nothing', async () => {
    const image = tf.tidy(() => tf.cast(tf.randomUniform([10, 7, 3], 0, 256, 'float32', 1), 'int32') as tf.Tensor3D);
    const out = await expectNoLeaks(() => fastStylize(net, image), { allowReturned: true });
    expect(out.shape).toEqual([10, 7, 3]);
    expect(out.dtype).toBe('float32');
    const [lo, hi] = tf.tidy(() => [tf.min(out).dataSync()[0]!, tf.max(out).dataSync()[0]!]);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(255);
    // Same pixels as running the net on the reflection-padded image by hand.
    tf.tidy(() => {
      const padded = tf.mirrorPad(tf.cast(tf.expandDims(image, 0), 'float32'), [[0, 0], [1, 1], [0, 1], [0, 0]], 'reflect');
      const byHand = tf.slice(net.predict(padded) as tf.Tensor4D, [0, 1, 0, 0], [1, 10, 7, 3]);
      expectTensorsClose(out, tf.squeeze(byHand, [0]), { rtol: 1e-5, atol: 1e-3 });
    });
    const two = tf.stack([image, image]) as tf.Tensor4D;
    const batch = await expectNoLeaks(() => fastStylize(net, two), { allowReturned: true });
    expect(batch.shape).toEqual([2, 10, 7, 3]);
    tf.dispose([image, two, out, batch]);
  });

  it('rejects what is not an RGB image of at least 4×4', () => {
    expect(() => tf.tidy(() => fastStylize(net, tf.zeros([3, 8, 3]) as tf.Tensor3D))).toThrow(InvalidArgumentError);
    expect(() => tf.tidy(() => fastStylize(net, tf.zeros([8, 8, 4]) as tf.Tensor3D))).toThrow(InvalidArgumentError);
    expect(() => tf.tidy(() => fastStylize(net, tf.zeros([8, 8]) as never))).toThrow(InvalidArgumentError);
  });
});
