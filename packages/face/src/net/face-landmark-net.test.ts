import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, WeightsMismatchError, fileSystem, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFaceApiModelDir, readFaceApiWeights } from './face-api-weights.js';
import {
  FACE_LANDMARK_MODEL,
  FACE_LANDMARK_PARAMS,
  faceLandmark68Net,
  faceLandmarkWeightNames,
  loadFaceLandmark68Net,
  setFaceLandmarkWeights,
} from './face-landmark-net.js';
import { faceLandmarkInput } from './preprocess.js';
import { landmarkForward, normalize, toBatchTensor } from './test-support/face-api-forward.js';

interface ManifestEntry {
  name: string;
  shape: number[];
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('faceLandmark68Net', () => {
  let manifest: { paths: string[]; weights: ManifestEntry[] }[];
  let weights: tf.NamedTensorMap;
  let model: tfl.LayersModel;
  beforeAll(async () => {
    await ready({ backend: 'wasm' });
    manifest = JSON.parse(await readFile(join(await defaultFaceApiModelDir(), `${FACE_LANDMARK_MODEL}-weights_manifest.json`), 'utf8')) as typeof manifest;
    weights = await readFaceApiWeights(FACE_LANDMARK_MODEL);
    model = faceLandmark68Net();
    setFaceLandmarkWeights(model, weights);
  });
  afterAll(() => {
    tf.dispose(Object.values(weights));
    model?.dispose();
  });

  it("has exactly face-api's 356,840 weights, one model weight per manifest entry", () => {
    const entries = manifest.flatMap((g) => g.weights);
    const total = entries.reduce((s, e) => s + e.shape.reduce((a, b) => a * b, 1), 0);
    expect(total).toBe(FACE_LANDMARK_PARAMS);
    expect(model.countParams()).toBe(total);
    const names = faceLandmarkWeightNames();
    expect(entries.map((e) => [e.name, e.shape])).toEqual([...names].map(([k, [, shape]]) => [k, shape]));
    expect(model.weights.map((w) => w.originalName).sort()).toEqual([...names.values()].map(([n]) => n).sort());
    expect(model.layers.filter((l) => l.getClassName() === 'SeparableConv2D')).toHaveLength(15);
  });

  it('has the output shapes of the dense blocks, pool and fc', () => {
    const shape = (name: string) => model.getLayer(name).outputShape;
    expect(model.inputs[0]!.shape).toEqual([null, 112, 112, 3]);
    expect(shape('dense0_conv0')).toEqual([null, 56, 56, 32]);
    expect(shape('dense0_out')).toEqual([null, 56, 56, 32]);
    expect(shape('dense1_conv0')).toEqual([null, 28, 28, 64]);
    expect(shape('dense2_out')).toEqual([null, 14, 14, 128]);
    expect(shape('dense3_out')).toEqual([null, 7, 7, 256]);
    expect(shape('avg_pool')).toEqual([null, 1, 1, 256]);
    expect(model.outputs[0]!.shape).toEqual([null, 136]);
  });

  it("matches face-api's forward pass (plain tfjs-core denseBlock4 + fc) on random input", () => {
    const x = tf.randomUniform([3, 112, 112, 3], -0.5, 0.5, 'float32', 9) as tf.Tensor4D;
    const ours = model.predict(x) as tf.Tensor;
    const ref = landmarkForward(weights, x);
    const diff = maxAbsDiff(ours, ref);
    console.log(`faceLandmark68Net vs face-api forward (random input): max |diff| ${diff.toExponential(2)}`);
    expect(ours.shape).toEqual([3, 136]);
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([x, ours, ref]);
  });

  it("with faceLandmarkInput matches face-api's tensor path (toBatchTensor(112, centred), mean, /255) on random crops", () => {
    const faces = [tf.randomUniform([90, 70, 3], 0, 255, 'float32', 4), tf.randomUniform([112, 112, 3], 0, 255, 'float32', 5)] as tf.Tensor3D[];
    const ours = tf.tidy(() => model.predict(faceLandmarkInput(faces)) as tf.Tensor);
    const ref = tf.tidy(() => landmarkForward(weights, tf.div(normalize(toBatchTensor(faces, 112, true), [122.782, 117.001, 104.298]), 255) as tf.Tensor4D));
    expect(maxAbsDiff(ours, ref)).toBeLessThan(1e-5);
    tf.dispose([...faces, ours, ref]);
  });

  it('saves and reloads to the same network', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cnn-face-lm-'));
    try {
      const result = await model.save(fileSystem(dir));
      expect(result.modelArtifactsInfo.weightDataBytes).toBe(FACE_LANDMARK_PARAMS * 4);
      const reloaded = await tfl.loadLayersModel(fileSystem(dir));
      const x = tf.randomUniform([2, 112, 112, 3], -0.5, 0.5, 'float32', 3);
      const [a, b] = [model.predict(x) as tf.Tensor, reloaded.predict(x) as tf.Tensor];
      expect(maxAbsDiff(a, b)).toBe(0);
      tf.dispose([x, a, b]);
      reloaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loads without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const loaded = await loadFaceLandmark68Net();
    expect(tf.memory().numTensors - before).toBe(loaded.weights.length);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expectNoLeaks(() => faceLandmark68Net().dispose());
  });

  it('rejects wrong weights and options with typed errors', () => {
    const m = faceLandmark68Net();
    const missing = { ...weights };
    delete missing['dense2/conv3/pointwise_filter'];
    expect(() => setFaceLandmarkWeights(m, missing)).toThrow(WeightsMismatchError);
    expect(() => setFaceLandmarkWeights(m, missing)).toThrow(/dense2\/conv3\/pointwise_filter/);
    expect(() => setFaceLandmarkWeights(m, { ...weights, 'fc/bias': weights['dense1/conv1/bias']! })).toThrow(/'fc\/bias' has shape \[64\], expected \[136\]/);
    expect(() => setFaceLandmarkWeights(m, { ...weights, extra: weights['fc/bias']! })).toThrow(/unexpected tensor/);
    expect(() => setFaceLandmarkWeights(null as never, weights)).toThrow(InvalidArgumentError);
    expect(() => faceLandmark68Net({ name: 3 as never })).toThrow(InvalidArgumentError);
    m.dispose();
  });
});
