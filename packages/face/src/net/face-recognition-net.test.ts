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
  FACE_DESCRIPTOR_SIZE,
  FACE_RECOGNITION_FACE_API_WEIGHTS,
  FACE_RECOGNITION_MODEL,
  FACE_RECOGNITION_PARAMS,
  faceRecognitionNet,
  faceRecognitionWeightShapes,
  foldFaceRecognitionWeights,
  loadFaceRecognitionNet,
  setFaceRecognitionWeights,
} from './face-recognition-net.js';
import { registerFaceLayers } from './layers.js';
import { faceRecognitionInput } from './preprocess.js';
import { recognitionForward, recognitionForwardImages } from './test-support/face-api-forward.js';

interface ManifestEntry {
  name: string;
  shape: number[];
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
const maxAbs = (a: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]!);

describe('faceRecognitionNet', () => {
  let manifest: { paths: string[]; weights: ManifestEntry[] }[];
  let weights: tf.NamedTensorMap;
  let model: tfl.LayersModel;
  beforeAll(async () => {
    await ready({ backend: 'wasm' });
    manifest = JSON.parse(await readFile(join(await defaultFaceApiModelDir(), `${FACE_RECOGNITION_MODEL}-weights_manifest.json`), 'utf8')) as typeof manifest;
    weights = await readFaceApiWeights(FACE_RECOGNITION_MODEL);
    model = faceRecognitionNet();
    setFaceRecognitionWeights(model, weights);
  });
  afterAll(() => {
    tf.dispose(Object.values(weights));
    model?.dispose();
  });

  it("has face-api's parameters less the folded scale weights: 5,614,592 − 7,104 = 5,607,488", () => {
    const entries = manifest.flatMap((g) => g.weights);
    const total = entries.reduce((s, e) => s + e.shape.reduce((a, b) => a * b, 1), 0);
    const scale = entries.filter((e) => e.name.includes('/scale/')).reduce((s, e) => s + e.shape.reduce((a, b) => a * b, 1), 0);
    expect(total).toBe(FACE_RECOGNITION_FACE_API_WEIGHTS);
    expect(scale).toBe(7_104);
    expect(model.countParams()).toBe(total - scale);
    expect(model.countParams()).toBe(FACE_RECOGNITION_PARAMS);
    // Every manifest entry is one we expect, with its shape.
    const shapes = faceRecognitionWeightShapes();
    expect(entries.map((e) => [e.name, e.shape])).toEqual([...shapes]);
    // 29 convs (stem + 14 blocks × 2) and the fc.
    expect(model.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(29);
    expect(model.layers.filter((l) => l.getClassName() === 'ChannelZeroPadding').map((l) => l.name)).toEqual(['conv64_down_pool_pad', 'conv128_down_pool_pad', 'conv256_down_pool_pad']);
    expect(model.layers.filter((l) => l.getClassName() === 'ZeroPadding2D').map((l) => l.name)).toEqual(['conv256_down_conv2_pad', 'conv256_down_out_conv2_pad']);
  });

  it('has the output shapes of face-api’s forward pass, layer by layer', () => {
    const shape = (name: string) => model.getLayer(name).outputShape;
    expect(model.inputs[0]!.shape).toEqual([null, 150, 150, 3]);
    expect(shape('conv32_down')).toEqual([null, 72, 72, 32]);
    expect(shape('max_pool')).toEqual([null, 35, 35, 32]);
    expect(shape('conv32_3_out')).toEqual([null, 35, 35, 32]);
    expect(shape('conv64_down_conv1')).toEqual([null, 17, 17, 64]);
    expect(shape('conv64_down_pool')).toEqual([null, 17, 17, 32]);
    expect(shape('conv64_down_pool_pad')).toEqual([null, 17, 17, 64]);
    expect(shape('conv64_3_out')).toEqual([null, 17, 17, 64]);
    expect(shape('conv128_down_out')).toEqual([null, 8, 8, 128]);
    expect(shape('conv256_down_conv2')).toEqual([null, 3, 3, 256]);
    expect(shape('conv256_down_conv2_pad')).toEqual([null, 4, 4, 256]);
    expect(shape('conv256_down_out_conv2')).toEqual([null, 1, 1, 256]);
    expect(shape('conv256_down_out_conv2_pad')).toEqual([null, 2, 2, 256]);
    expect(shape('conv256_down_out_out')).toEqual([null, 2, 2, 256]);
    expect(shape('avg_pool')).toEqual([null, 256]);
    expect(model.outputs[0]!.shape).toEqual([null, FACE_DESCRIPTOR_SIZE]);
  });

  it("matches face-api's forward pass (plain tfjs-core, scale unfolded) on random input", () => {
    const x = tf.randomUniform([3, 150, 150, 3], -0.5, 0.5, 'float32', 7) as tf.Tensor4D;
    const ours = model.predict(x) as tf.Tensor;
    const ref = recognitionForward(weights, x);
    expect(ours.shape).toEqual([3, 128]);
    const diff = maxAbsDiff(ours, ref);
    const scale = maxAbs(ref);
    console.log(`faceRecognitionNet vs face-api forward (random input): max |diff| ${diff.toExponential(2)}, max |output| ${scale.toFixed(3)}`);
    expect(scale).toBeGreaterThan(0.01);
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([x, ours, ref]);
  });

  it("with faceRecognitionInput matches face-api's whole tensor path (padToSquare centred, resize, /255) on random images", () => {
    const faces = [
      tf.randomUniform([150, 150, 3], 0, 255, 'float32', 1),
      tf.randomUniform([178, 122, 3], 0, 255, 'float32', 2),
      tf.randomUniform([61, 90, 3], 0, 255, 'float32', 3),
    ] as tf.Tensor3D[];
    const x = faceRecognitionInput(faces, { divisor: 255 });
    const ours = model.predict(x) as tf.Tensor;
    const ref = recognitionForwardImages(weights, faces, 255);
    const diff = maxAbsDiff(ours, ref);
    console.log(`faceRecognitionNet + faceRecognitionInput vs face-api forward (random images): max |diff| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([...faces, x, ours, ref]);
  });

  it('folds scale into the convs: kernel·s and bias·s + t', () => {
    const folded = foldFaceRecognitionWeights(weights);
    const s = weights['conv64_1/conv2/scale/weights']!;
    const t = weights['conv64_1/conv2/scale/biases']!;
    const k = weights['conv64_1/conv2/conv/filters']!;
    const b = weights['conv64_1/conv2/conv/bias']!;
    const ks = k.dataSync();
    const ss = s.dataSync();
    const fk = folded['conv64_1_conv2/kernel']!.dataSync();
    for (const i of [0, 1, 63, 64, 1000, ks.length - 1]) expect(fk[i]).toBeCloseTo(ks[i]! * ss[i % 64]!, 6);
    const fb = folded['conv64_1_conv2/bias']!.dataSync();
    const bs = b.dataSync();
    const ts = t.dataSync();
    for (const c of [0, 17, 63]) expect(fb[c]).toBeCloseTo(bs[c]! * ss[c]! + ts[c]!, 6);
    expect(Object.keys(folded)).toHaveLength(29 * 2 + 1);
    tf.dispose(Object.values(folded));
  });

  it('saves and reloads (tfjs layers format, ChannelZeroPadding registered) to the same network', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cnn-face-rec-'));
    try {
      const result = await model.save(fileSystem(dir));
      expect(result.modelArtifactsInfo.weightDataBytes).toBe(FACE_RECOGNITION_PARAMS * 4);
      registerFaceLayers();
      const before = tf.memory().numTensors;
      const reloaded = await tfl.loadLayersModel(fileSystem(dir));
      expect(reloaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
      expect(reloaded.countParams()).toBe(FACE_RECOGNITION_PARAMS);
      const x = tf.randomUniform([2, 150, 150, 3], -0.5, 0.5, 'float32', 3);
      const [a, b] = [model.predict(x) as tf.Tensor, reloaded.predict(x) as tf.Tensor];
      expect(maxAbsDiff(a, b)).toBe(0);
      tf.dispose([x, a, b]);
      reloaded.dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loads without leaking tensors (only the model’s weights stay)', async () => {
    const before = tf.memory().numTensors;
    const loaded = await loadFaceRecognitionNet();
    expect(tf.memory().numTensors - before).toBe(loaded.weights.length);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expectNoLeaks(() => {
      const m = faceRecognitionNet();
      m.dispose();
    });
  });

  it('rejects wrong weights and options with typed errors, leaving the model untouched', async () => {
    const m = faceRecognitionNet();
    const before = m.getWeights()[0]!.dataSync().slice(0, 4);
    const missing = { ...weights };
    delete missing['conv128_1/conv2/scale/biases'];
    expect(() => setFaceRecognitionWeights(m, missing)).toThrow(WeightsMismatchError);
    expect(() => setFaceRecognitionWeights(m, missing)).toThrow(/conv128_1\/conv2\/scale\/biases/);
    const extra = { ...weights, 'conv999/conv/filters': weights['fc']! };
    expect(() => setFaceRecognitionWeights(m, extra)).toThrow(/unexpected tensor.*conv999/);
    const wrong = tf.zeros([3, 3, 32, 33]);
    expect(() => setFaceRecognitionWeights(m, { ...weights, 'conv32_1/conv1/conv/filters': wrong })).toThrow(/shape \[3, 3, 32, 33\], expected \[3, 3, 32, 32\]/);
    wrong.dispose();
    expect(m.getWeights()[0]!.dataSync().slice(0, 4)).toEqual(before);
    expect(() => setFaceRecognitionWeights({} as tfl.LayersModel, weights)).toThrow(InvalidArgumentError);
    expect(() => faceRecognitionNet({ name: '' })).toThrow(InvalidArgumentError);
    expect(() => faceRecognitionNet(null as never)).toThrow(InvalidArgumentError);
    m.dispose();
  });
});
