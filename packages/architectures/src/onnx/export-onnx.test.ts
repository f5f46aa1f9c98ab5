/**
 * exportOnnx checked against another implementation: each exported graph runs in onnxruntime-node (CPU) and
 * must give what `model.predict` gives on the same NHWC input, with batch-norm statistics set to random,
 * non-trivial values so that every weight matters.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, mulberry32, ready } from '@cnn/ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { vgg16 } from '../vgg.js';
import { resnet50 } from '../resnet.js';
import { mobilenet, mobilenetV2 } from '../mobilenet.js';
import { inceptionV3 } from '../inception-v3.js';
import { lenet5 } from '../lenet.js';
import { alexnet } from '../alexnet.js';
import { resnet18 } from '../resnet-basic.js';
import { googlenet } from '../googlenet.js';
import { unet } from '../unet.js';
import { exportOnnx, transposeArray } from './export-onnx.js';
import { decodeFields, encodeVarint, ProtoWriter, readVarint, toInt64 } from './protobuf.js';

/** The slice of onnxruntime-node's API used here (its package ships no type declarations we can resolve). */
interface OrtTensor {
  data: Float32Array;
  dims: readonly number[];
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
}
interface Ort {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
}
const ort = createRequire(import.meta.url)('onnxruntime-node') as Ort;

/** γ ∈ [0.5, 1.5], β ∈ [−0.5, 0.5], μ ∈ [−0.5, 0.5], σ² ∈ [0.5, 2] for every BatchNormalization layer. */
function randomizeBatchNorm(model: tfl.LayersModel, seed = 7): number {
  const rand = mulberry32(seed);
  let count = 0;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const values = layer.weights.map((w) => {
      const n = w.shape.reduce((a, b) => (a as number) * (b as number), 1) as number;
      const [lo, hi] = w.originalName.endsWith('gamma') ? [0.5, 1.5] : w.originalName.endsWith('moving_variance') ? [0.5, 2] : [-0.5, 0.5];
      return tf.tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * rand()), w.shape as number[]);
    });
    layer.setWeights(values);
    tf.dispose(values);
    count++;
  }
  return count;
}

interface Comparison {
  /** max |ort − tfjs| / max |tfjs| over the output. */
  relative: number;
  /** max over elements of |ort − tfjs| / max(|tfjs|, 1e-3 · max |tfjs|). */
  elementwise: number;
  maxAbs: number;
  shape: number[];
}

async function compareWithOrt(model: tfl.LayersModel, batch = 2, seed = 3, size?: [number, number]): Promise<Comparison> {
  const [, h, w, c] = model.inputs[0]!.shape;
  const inputShape = [batch, size?.[0] ?? (h as number), size?.[1] ?? (w as number), c as number];
  const x = tf.randomUniform(inputShape, -1, 1, 'float32', seed);
  const expectedT = model.predict(x) as tf.Tensor;
  const expected = (await expectedT.data()) as Float32Array;
  const shape = expectedT.shape.slice();
  const input = (await x.data()) as Float32Array;
  tf.dispose([x, expectedT]);

  const session = await ort.InferenceSession.create(exportOnnx(model), { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  expect(session.inputNames).toEqual([model.inputs[0]!.sourceLayer.name]);
  const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, inputShape) });
  const out = result[session.outputNames[0]!]!;
  expect([...out.dims]).toEqual(shape);

  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let maxAbs = 0;
  let elementwise = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(out.data[i]! - expected[i]!);
    maxAbs = Math.max(maxAbs, d);
    elementwise = Math.max(elementwise, d / Math.max(Math.abs(expected[i]!), 1e-3 * scale));
  }
  expect(Number.isFinite(maxAbs)).toBe(true);
  return { relative: maxAbs / scale, elementwise, maxAbs, shape };
}

const measured: Record<string, Comparison> = {};

async function check(name: string, build: () => tfl.LayersModel | Promise<tfl.LayersModel>, batch = 2, size?: [number, number]): Promise<void> {
  const model = await build();
  randomizeBatchNorm(model);
  const c = await compareWithOrt(model, batch, 3, size);
  measured[name] = c;
  console.log(`[exportOnnx vs onnxruntime-node, tfjs ${tf.getBackend()}] ${name.padEnd(34)} out ${JSON.stringify(c.shape).padEnd(16)} max rel ${c.relative.toExponential(2)}  elementwise ${c.elementwise.toExponential(2)}  max abs ${c.maxAbs.toExponential(2)}`);
  model.dispose();
  expect(c.relative).toBeLessThanOrEqual(1e-4);
}

beforeAll(async () => {
  await ready();
});

describe('exportOnnx: the same graph in onnxruntime-node gives the same numbers as model.predict', () => {
  it('VGG-16 (no top, avg pooling) 32×32', () => check('vgg16 noTop avg 32', () => vgg16({ includeTop: false, inputShape: [32, 32, 3], pooling: 'avg' })));
  it('ResNet-50 32×32, 5 classes, logits (ZeroPadding, BN, Add, strided 1×1 shortcut)', () => check('resnet50 32 classes=5', () => resnet50({ inputShape: [32, 32, 3], classes: 5, classifierActivation: 'linear' })));
  it('MobileNet v1 α=0.25 (depthwise, relu6, reshape, conv head)', () => check('mobilenet a=0.25 32 classes=3', () => mobilenet({ alpha: 0.25, inputShape: [32, 32, 3], classes: 3, classifierActivation: 'linear' })));
  it('MobileNet v2 α=0.35 (inverted residuals, asymmetric padding)', () => check('mobilenetV2 a=0.35 32 classes=4', () => mobilenetV2({ alpha: 0.35, inputShape: [32, 32, 3], classes: 4, classifierActivation: 'linear' })));
  it("Inception v3 (no top, max pooling) 75×75 (BN without scale, 'same' average pooling, Concatenate)", () =>
    check('inceptionV3 noTop max 75', () => inceptionV3({ includeTop: false, inputShape: [75, 75, 3], pooling: 'max' })));
  it('LeNet-5 (valid average pooling, NHWC Flatten, Dense tanh, softmax)', () => check('lenet5', () => lenet5()));
  it('AlexNet 63×63 (ZeroPadding + strided valid conv, Flatten, Dropout)', () => check('alexnet 63 classes=6', () => alexnet({ inputShape: [63, 63, 3], classes: 6, classifierActivation: 'linear' })));
  it('ResNet-18 and GoogLeNet 32×32 (basic blocks; inception modules with same max pooling)', async () => {
    await check('resnet18 32 classes=5', () => resnet18({ inputShape: [32, 32, 3], classes: 5, classifierActivation: 'linear' }));
    await check('googlenet 32 classes=5', () => googlenet({ inputShape: [32, 32, 3], classes: 5, classifierActivation: 'linear' }));
  });
  it('U-Net 32×32 (Conv2DTranspose, Concatenate, rank-4 output)', () => check('unet 32', () => unet({ inputShape: [32, 32, 3], filters: 4 }), 1));

  it("any input size: MobileNet v2 built with [null, null, 3] runs 33×35 ('same' as auto_pad SAME_UPPER, symbolic dims)", () =>
    check('mobilenetV2 noTop avg any size @33x35', () => mobilenetV2({ alpha: 0.35, includeTop: false, inputShape: [null, null, 3], pooling: 'avg' }), 2, [33, 35]));

  it('other layers: dilation, same padding with strides on odd sizes, Concatenate of NHWC and NCHW values, separable conv, LeakyReLU, Multiply, BN without center, Dense on rank 4, Permute, Softmax layer, Reshape with -1', async () => {
    const input = tfl.input({ shape: [13, 11, 3], name: 'image' });
    let x = tfl.layers.conv2d({ filters: 5, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'elu', name: 'dilated' }).apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.concatenate({ name: 'concat_mixed_layouts' }).apply([input, x]) as tfl.SymbolicTensor;
    x = tfl.layers.conv2d({ filters: 6, kernelSize: [3, 2], strides: [2, 3], padding: 'same', activation: 'selu', name: 'strided' }).apply(x) as tfl.SymbolicTensor;
    const a = tfl.layers.separableConv2d({ filters: 6, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'swish', name: 'sep' }).apply(x) as tfl.SymbolicTensor;
    const b = tfl.layers.leakyReLU({ alpha: 0.2, name: 'leaky' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.multiply({ name: 'mul' }).apply([a, b]) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ center: false, name: 'bn_nocenter' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'avg_same' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: 4, activation: 'hardSigmoid', name: 'dense_rank4' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.permute({ dims: [2, 1, 3], name: 'permute' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'softplus', name: 'pw' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.softmax({ axis: -1, name: 'softmax_channels' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reshape({ targetShape: [-1, 3], name: 'reshape' }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: x, name: 'odd_layers' });
    await check('odd layers', () => model);
  });

  it('writes a valid ModelProto: IR 7, opset 13, NHWC input named after the input layer, weights as initializers', () => {
    const model = lenet5();
    const bytes = exportOnnx(model, { batchSize: 1 });
    const top = decodeFields(bytes);
    expect(toInt64(top.find((f) => f.field === 1)!.value)).toBe(7);
    const opset = decodeFields(top.find((f) => f.field === 8)!.value as Uint8Array);
    expect(toInt64(opset.find((f) => f.field === 2)!.value)).toBe(13);
    const graph = decodeFields(top.find((f) => f.field === 7)!.value as Uint8Array);
    const initializers = graph.filter((f) => f.field === 5).map((f) => decodeFields(f.value as Uint8Array));
    const weightBytes = initializers.reduce((s, t) => s + ((t.find((f) => f.field === 9)?.value as Uint8Array | undefined)?.length ?? 0), 0);
    expect(weightBytes).toBeGreaterThanOrEqual(4 * model.countParams()); // every parameter, plus shape constants
    const input = decodeFields(graph.find((f) => f.field === 11)!.value as Uint8Array);
    expect(new TextDecoder().decode(input.find((f) => f.field === 1)!.value as Uint8Array)).toBe('input');
    model.dispose();
  });

  afterAllReport();
});

function afterAllReport(): void {
  it('summary of the measured errors', () => {
    console.table(Object.fromEntries(Object.entries(measured).map(([k, v]) => [k, { maxRelative: v.relative.toExponential(2), elementwise: v.elementwise.toExponential(2), maxAbs: v.maxAbs.toExponential(2) }])));
  });
}

describe('exportOnnx: what it cannot convert', () => {
  it('an unsupported layer throws InvalidArgumentError naming the layer and its class', () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const x = tfl.layers.upSampling2d({ size: [2, 2], name: 'up' }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: x });
    expect(() => exportOnnx(model)).toThrow(InvalidArgumentError);
    expect(() => exportOnnx(model)).toThrow(/layer 'up' of class UpSampling2D/);
    model.dispose();
  });

  it('an unsupported activation and a bad opset are named too', () => {
    const input = tfl.input({ shape: [4] });
    const x = tfl.layers.dense({ units: 2, activation: 'mish', name: 'fc' }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: x });
    expect(() => exportOnnx(model)).toThrow(/layer 'fc' of class Dense.*activation is 'mish'/);
    expect(() => exportOnnx(model, { opset: 11 as 13 })).toThrow(/options\.opset/);
    model.dispose();
  });
});

describe('protobuf encoder', () => {
  it('varints: 1 byte below 128, 300 = AC 02, negative int64 in 10 bytes, and they decode back', () => {
    expect([...encodeVarint(0)]).toEqual([0]);
    expect([...encodeVarint(127)]).toEqual([127]);
    expect([...encodeVarint(300)]).toEqual([0xac, 0x02]);
    expect(encodeVarint(-1).length).toBe(10);
    for (const v of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 40 + 5, -1, -123456789]) {
      expect(toInt64(readVarint(encodeVarint(v), 0).value)).toBe(v);
    }
    expect(() => encodeVarint(1.5)).toThrow(RangeError);
  });

  it('fields: tags, strings, floats, nested messages and packed values round-trip; lengths are exact', () => {
    const inner = new ProtoWriter().varint(1, 42).string(2, 'héllo');
    const big = new Uint8Array(1000).map((_, i) => i % 251);
    const w = new ProtoWriter().varint(3, 7).float(2, 0.5).message(5, inner).bytes(9, big).packedVarints(8, [1, 300, -2]).packedFloats(4, [1.5, -2]);
    const bytes = w.finish();
    expect(bytes.length).toBe(w.length);
    expect(bytes[0]).toBe((3 << 3) | 0); // field 3, varint
    const f = decodeFields(bytes);
    expect(f.map((x) => [x.field, x.wireType])).toEqual([[3, 0], [2, 5], [5, 2], [9, 2], [8, 2], [4, 2]]);
    expect(new DataView((f[1]!.value as Uint8Array).slice().buffer).getFloat32(0, true)).toBe(0.5);
    const nested = decodeFields(f[2]!.value as Uint8Array);
    expect(toInt64(nested[0]!.value)).toBe(42);
    expect(new TextDecoder().decode(nested[1]!.value as Uint8Array)).toBe('héllo');
    expect([...(f[3]!.value as Uint8Array)]).toEqual([...big]);
    const packed = f[4]!.value as Uint8Array;
    const first = readVarint(packed, 0);
    const second = readVarint(packed, first.next);
    expect([toInt64(first.value), toInt64(second.value), toInt64(readVarint(packed, second.next).value)]).toEqual([1, 300, -2]);
    expect([...new Float32Array((f[5]!.value as Uint8Array).slice().buffer)]).toEqual([1.5, -2]);
    expect(() => inner.varint(3, 1)).toThrow(/already added/); // a message is complete once added
  });

  it('transposeArray permutes like tf.transpose', () => {
    const shape = [2, 3, 4, 5];
    const data = Float32Array.from({ length: 120 }, (_, i) => i);
    for (const perm of [[3, 2, 0, 1], [2, 3, 0, 1], [0, 2, 3, 1]]) {
      const got = transposeArray(data, shape, perm);
      const want = tf.tidy(() => tf.transpose(tf.tensor(data, shape), perm));
      expect(got.shape).toEqual(want.shape);
      expect([...got.data]).toEqual([...want.dataSync()]);
      want.dispose();
    }
  });
});
