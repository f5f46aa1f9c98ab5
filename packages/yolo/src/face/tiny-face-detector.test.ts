import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FileNotFoundError, InvalidArgumentError, WeightsMismatchError, ready } from '@cnn/ops';
import { expectNoLeaks, expectTensorsClose } from '@cnn/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TINY_FACE_DETECTOR_MANIFEST,
  TINY_FACE_DETECTOR_PARAMS,
  defaultTinyFaceDetectorDir,
  loadTinyFaceDetector,
  readTinyFaceDetectorWeights,
  setTinyFaceDetectorWeights,
  tinyFaceDetector,
  tinyFaceDetectorWeightNames,
} from './tiny-face-detector.js';

interface ManifestEntry {
  name: string;
  shape: number[];
  quantization: { dtype: string; min: number; scale: number };
}

/** face-api's runMobilenet for the TinyFaceDetector, written with plain tfjs-core ops as face-api does. */
function faceApiForward(x: tf.Tensor4D, w: tf.NamedTensorMap): tf.Tensor4D {
  return tf.tidy(() => {
    const leaky = (t: tf.Tensor4D) => {
      const min = tf.mul(t, tf.scalar(0.10000000149011612));
      return tf.add(tf.relu(tf.sub(t, min)), min) as tf.Tensor4D;
    };
    let out = leaky(tf.add(tf.conv2d(x, w['conv0/filters'] as tf.Tensor4D, 1, 'valid'), w['conv0/bias']!));
    out = tf.maxPool(out, 2, 2, 'same');
    for (let i = 1; i <= 5; i++) {
      const padded = tf.pad(out, [[0, 0], [1, 1], [1, 1], [0, 0]]);
      const conv = tf.separableConv2d(padded, w[`conv${i}/depthwise_filter`] as tf.Tensor4D, w[`conv${i}/pointwise_filter`] as tf.Tensor4D, 1, 'valid');
      out = leaky(tf.add(conv, w[`conv${i}/bias`]!));
      out = tf.maxPool(out, 2, i === 5 ? 1 : 2, 'same');
    }
    return tf.add(tf.conv2d(out, w['conv8/filters'] as tf.Tensor4D, 1, 'valid'), w['conv8/bias']!) as tf.Tensor4D;
  });
}

describe('tinyFaceDetector', () => {
  let manifest: { paths: string[]; weights: ManifestEntry[] }[];
  let weights: tf.NamedTensorMap;
  beforeAll(async () => {
    await ready();
    const dir = await defaultTinyFaceDetectorDir();
    manifest = JSON.parse(await readFile(join(dir, TINY_FACE_DETECTOR_MANIFEST), 'utf8')) as typeof manifest;
    weights = await readTinyFaceDetectorWeights();
  });
  afterAll(() => tf.dispose(Object.values(weights)));

  it("has face-api's structure: layers, grid and parameter count", () => {
    const model = tinyFaceDetector();
    expect(model.layers.map((l) => `${l.getClassName()}:${l.name}`)).toEqual([
      'InputLayer:input',
      'Conv2D:conv0', 'LeakyReLU:conv0_leaky', 'MaxPooling2D:pool0',
      'SeparableConv2D:conv1', 'LeakyReLU:conv1_leaky', 'MaxPooling2D:pool1',
      'SeparableConv2D:conv2', 'LeakyReLU:conv2_leaky', 'MaxPooling2D:pool2',
      'SeparableConv2D:conv3', 'LeakyReLU:conv3_leaky', 'MaxPooling2D:pool3',
      'SeparableConv2D:conv4', 'LeakyReLU:conv4_leaky', 'MaxPooling2D:pool4',
      'SeparableConv2D:conv5', 'LeakyReLU:conv5_leaky', 'MaxPooling2D:pool5',
      'Conv2D:conv8',
    ]);
    const conv0 = model.getLayer('conv0').getConfig();
    expect([conv0['padding'], conv0['kernelSize']]).toEqual(['valid', [3, 3]]);
    expect(model.getLayer('conv0_leaky').getConfig()['alpha']).toBeCloseTo(0.1, 7);
    expect(model.getLayer('pool5').getConfig()['strides']).toEqual([1, 1]);
    expect(model.getLayer('pool4').getConfig()['strides']).toEqual([2, 2]);
    expect(model.countParams()).toBe(TINY_FACE_DETECTOR_PARAMS);
    // One parameter per byte of the uint8 shard.
    const manifestParams = manifest.flatMap((g) => g.weights).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
    expect(manifestParams).toBe(TINY_FACE_DETECTOR_PARAMS);
    const fixed = tinyFaceDetector({ inputSize: 416 });
    expect(fixed.outputs[0]!.shape).toEqual([null, 13, 13, 25]);
    expect(tinyFaceDetector({ inputSize: 320 }).outputs[0]!.shape).toEqual([null, 10, 10, 25]);
    expect(model.outputs[0]!.shape).toEqual([null, null, null, 25]);
    model.dispose();
    fixed.dispose();
  });

  it('maps every manifest weight to one model weight of the same shape, and uses them all', () => {
    const model = tinyFaceDetector();
    const names = tinyFaceDetectorWeightNames();
    const entries = manifest.flatMap((g) => g.weights);
    expect(entries.map((e) => e.name).sort()).toEqual([...names.keys()].sort());
    expect(entries.every((e) => e.quantization.dtype === 'uint8')).toBe(true);
    const byOriginalName = new Map(model.weights.map((w) => [w.originalName, w.shape]));
    expect(byOriginalName.size).toBe(entries.length);
    for (const e of entries) {
      const [layer, suffix] = names.get(e.name)!;
      expect(byOriginalName.get(`${layer}/${suffix}`), e.name).toEqual(e.shape);
    }
    model.dispose();
  });

  it('dequantizes the uint8 weights (value = min + q * scale) and loads them into the model', async () => {
    const bin = new Uint8Array(await readFile(join(await defaultTinyFaceDetectorDir(), manifest[0]!.paths[0]!)));
    const first = manifest[0]!.weights[0]!; // conv0/filters, the first bytes of the shard
    const q = first.quantization;
    const w0 = weights[first.name]!.dataSync();
    for (const i of [0, 1, 100, 431]) expect(w0[i]).toBeCloseTo(q.min + bin[i]! * q.scale, 6);
    const model = await expectNoLeaks(() => loadTinyFaceDetector(), { allowReturned: true });
    for (const [name, [layer, suffix]] of tinyFaceDetectorWeightNames()) {
      const variable = model.weights.find((w) => w.originalName === `${layer}/${suffix}`)!;
      expectTensorsClose(variable.read(), weights[name]!, { rtol: 0, atol: 0 });
    }
    model.dispose();
  });

  it("computes face-api's forward pass (pad + valid separable convs, leaky, stride-1 'same' last pool)", () => {
    const model = tinyFaceDetector();
    setTinyFaceDetectorWeights(model, weights);
    const x = tf.randomNormal([1, 96, 96, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const ours = model.predict(x) as tf.Tensor;
    const reference = faceApiForward(x, weights);
    expect(ours.shape).toEqual([1, 3, 3, 25]);
    expectTensorsClose(ours, reference, { rtol: 1e-4, atol: 1e-4 });
    tf.dispose([x, ours, reference]);
    model.dispose();
  });

  it('refuses weights that do not fit, naming the weight, and leaks nothing', async () => {
    const model = tinyFaceDetector();
    await expectNoLeaks(() => {
      const { ['conv3/bias']: _dropped, ...missing } = weights;
      expect(() => setTinyFaceDetectorWeights(model, missing)).toThrow(/'conv3\/bias'.*missing/);
      const wrong = tf.zeros([8]);
      expect(() => setTinyFaceDetectorWeights(model, { ...weights, 'conv8/bias': wrong })).toThrow(WeightsMismatchError);
      expect(() => setTinyFaceDetectorWeights(model, { ...weights, 'conv8/bias': wrong })).toThrow(/conv8\/bias.*\[8\].*\[25\]/);
      expect(() => setTinyFaceDetectorWeights(model, { ...weights, 'conv6/bias': wrong })).toThrow(/unexpected tensor.*conv6\/bias/);
      wrong.dispose();
    });
    expect(() => setTinyFaceDetectorWeights({} as tfl.LayersModel, weights)).toThrow(InvalidArgumentError);
    model.dispose();
  });

  it('rejects bad options and bad weight folders with typed errors', async () => {
    expect(() => tinyFaceDetector({ inputSize: 100 })).toThrow(InvalidArgumentError);
    expect(() => tinyFaceDetector({ inputSize: 0 })).toThrow(/multiple of 32/);
    expect(() => tinyFaceDetector({ name: '' })).toThrow(InvalidArgumentError);
    await expect(readTinyFaceDetectorWeights('/nonexistent/face-weights')).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(readTinyFaceDetectorWeights('')).rejects.toBeInstanceOf(InvalidArgumentError);
    const dir = await mkdtemp(join(tmpdir(), 'cnn-face-'));
    try {
      const src = await defaultTinyFaceDetectorDir();
      await copyFile(join(src, TINY_FACE_DETECTOR_MANIFEST), join(dir, TINY_FACE_DETECTOR_MANIFEST));
      await expect(readTinyFaceDetectorWeights(dir)).rejects.toBeInstanceOf(FileNotFoundError); // shard missing
      await writeFile(join(dir, 'tiny_face_detector_model.bin'), new Uint8Array(1000));
      await expect(readTinyFaceDetectorWeights(join(dir, TINY_FACE_DETECTOR_MANIFEST))).rejects.toThrow(/1000 bytes.*need 193321/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds the shipped weights folder from the source tree', async () => {
    expect((await defaultTinyFaceDetectorDir()).replace(/\\/g, '/')).toMatch(/packages\/yolo\/model\/tiny-face-detector\/$/);
  });
});
