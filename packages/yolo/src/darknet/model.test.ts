import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { WeightsMismatchError, mulberry32 } from '@cnn/ops';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '@cnn/ops/testing';
import { expect, it } from 'vitest';
import { parseDarknetCfg } from './cfg.js';
import { DarknetCfgError } from './errors.js';
import { darknetModel, darknetParamCount, type DarknetModel } from './model.js';
import { chwToHwc, darknetForwardReference, darknetWeightsFile, hwcToChw, randomDarknetWeights } from './test-support/darknet-reference.js';

/** Every layer kind at 16x12: stride-2 conv (darknet pads top-left), depthwise (x1, x2), grouped, SPP pool, routes with groups, shortcut, upsample, two [yolo] heads. */
const CFG_A = `[net]
width=12
height=16
channels=3

[convolutional]
batch_normalize=1
filters=8
size=3
stride=2
pad=1
activation=leaky

[convolutional]
batch_normalize=1
filters=8
groups=8
size=3
pad=1
activation=relu6

[convolutional]
filters=8
groups=2
size=3
pad=1
activation=mish

[convolutional]
batch_normalize=1
filters=16
groups=8
size=3
pad=1
activation=swish

[convolutional]
batch_normalize=1
filters=8
size=1
activation=linear

[shortcut]
from=-4
activation=leaky

[dropout]
probability=.2

[maxpool]
size=5
stride=1

[route]
layers=-1,-3

[route]
layers=-1
groups=2
group_id=1

[maxpool]
size=2
stride=2

[convolutional]
batch_normalize=1
filters=12
size=3
pad=1
activation=tanh

[convolutional]
filters=14
size=1
activation=linear

[yolo]
mask=2,3
anchors=2,3, 4,5, 6,7, 8,9
classes=2
num=4

[route]
layers=-3

[upsample]
stride=2

[route]
layers=-1,9

[convolutional]
filters=14
size=1
activation=linear

[yolo]
mask=0,1
anchors=2,3, 4,5, 6,7, 8,9
classes=2
num=4
`;

/** Odd sizes (13x12): a 3x3 / 2 pool where darknet and tfjs pad differently, explicit padding, [y, x] strides, even kernels, avgpool, a [region] head. */
const CFG_B = `[net]
width=12
height=13
channels=3

[convolutional]
batch_normalize=1
filters=6
size=3
stride=2
pad=1
activation=logistic

[maxpool]
size=3
stride=2

[convolutional]
filters=4
size=3
padding=2
activation=relu

[convolutional]
filters=4
size=3
stride_y=2
stride_x=1
pad=1
activation=elu

[convolutional]
batch_normalize=1
filters=4
size=2
activation=selu

[maxpool]
size=2
stride=1

[avgpool]

[convolutional]
filters=6
size=1
activation=linear

[region]
anchors=1,1
classes=1
num=1
softmax=1
`;

function randomInput(h: number, w: number, c: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: h * w * c }, () => rand());
}

/** Runs the model and returns every darknet layer's output (NHWC). */
function layerOutputs(built: DarknetModel, x: tf.Tensor): tf.Tensor[] {
  const names = [...new Set(built.meta.layerOutputs)];
  const probe = tfl.model({ inputs: built.model.inputs, outputs: names.map((n) => built.model.getLayer(n).output as tfl.SymbolicTensor) });
  const outs = probe.predict(x) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(outs) ? outs : [outs];
  const byName = new Map(names.map((n, k) => [n, list[k]!]));
  return built.meta.layerOutputs.map((n) => byName.get(n)!);
}

function checkAgainstReference(cfgText: string, options: { foldBatchNorm?: boolean } = {}) {
  const cfg = parseDarknetCfg(cfgText);
  const weights = randomDarknetWeights(cfg, 7);
  const built = darknetModel(cfgText, weights, options);
  const [h, w] = built.meta.inputSize;
  const data = randomInput(h, w, 3, 3);
  const reference = darknetForwardReference(cfg, weights, hwcToChw(data, h, w, 3));
  const x = tf.tensor4d(data, [1, h, w, 3]);
  const outs = layerOutputs(built, x);
  try {
    reference.forEach((ref, i) => {
      const actual = outs[i]!;
      expect(actual.shape, `layer ${i} (${cfg.layers[i]!.type}) shape`).toEqual([1, ref.h, ref.w, ref.c]);
      expectTensorsClose(actual.dataSync(), chwToHwc(ref), { rtol: 1e-4, atol: 1e-4 });
    });
  } finally {
    tf.dispose([x, ...new Set(outs)]);
    built.dispose();
  }
  return reference.length;
}

describeEachBackend('darknetModel', () => {
  it('matches a plain-loop darknet forward pass layer by layer (conv/bn/depthwise/groups/shortcut/SPP/route groups/upsample/yolo)', () => {
    expect(checkAgainstReference(CFG_A)).toBe(19);
  });

  it('matches it on odd sizes too (darknet pool padding, explicit padding, [y, x] strides, avgpool, region)', () => {
    expect(checkAgainstReference(CFG_B)).toBe(9);
  });

  it('gives the same outputs with batch norm folded into the convolutions', () => {
    expect(checkAgainstReference(CFG_A, { foldBatchNorm: true })).toBe(19);
    expect(checkAgainstReference(CFG_B, { foldBatchNorm: true })).toBe(9);
  });

  it('outputs the raw heads and their metadata', () => {
    const built = darknetModel(CFG_A, randomDarknetWeights(parseDarknetCfg(CFG_A)));
    expect(built.model.outputs.map((o) => o.shape)).toEqual([
      [null, 4, 3, 14],
      [null, 8, 6, 14],
    ]);
    expect(built.meta).toMatchObject({ inputSize: [16, 12], channels: 3, letterbox: false, classes: 2 });
    expect(built.meta.heads).toEqual([
      { kind: 'yolo', layerIndex: 13, outputIndex: 0, gridSize: [4, 3], stride: [4, 4], anchors: [[6, 7], [8, 9]], mask: [2, 3], allAnchors: [[2, 3], [4, 5], [6, 7], [8, 9]], classes: 2, scaleXY: 1, newCoords: false, softmax: false },
      { kind: 'yolo', layerIndex: 18, outputIndex: 1, gridSize: [8, 6], stride: [2, 2], anchors: [[2, 3], [4, 5]], mask: [0, 1], allAnchors: [[2, 3], [4, 5], [6, 7], [8, 9]], classes: 2, scaleXY: 1, newCoords: false, softmax: false },
    ]);
    expect(built.meta.layerOutputs[0]).toBe('leaky_0');
    expect(built.meta.layerOutputs[13]).toBe('conv_12');
    // BatchNormalization layers keep darknet's epsilon.
    expect((built.model.getLayer('bn_0').getConfig() as { epsilon: number }).epsilon).toBe(1e-5);
    built.dispose();
  });

  it('builds at another input size and without weights (freshly initialized)', () => {
    const built = darknetModel(CFG_A, undefined, { inputSize: [32, 24] });
    expect(built.header).toBeUndefined();
    expect(built.model.outputs.map((o) => o.shape)).toEqual([
      [null, 8, 6, 14],
      [null, 16, 12, 14],
    ]);
    built.dispose();
  });

  it('saves and reloads (custom layers registered) with identical outputs', async () => {
    for (const cfgText of [CFG_A, CFG_B]) {
      const built = darknetModel(cfgText, randomDarknetWeights(parseDarknetCfg(cfgText), 11));
      const [h, w] = built.meta.inputSize;
      let saved: tf.io.ModelArtifacts | undefined;
      await built.model.save(tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }));
      // Through JSON, as a file would go.
      const topology = JSON.parse(JSON.stringify(saved!.modelTopology)) as object;
      const reloaded = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: saved!.weightSpecs!, weightData: saved!.weightData! }));
      const x = tf.tensor4d(randomInput(h, w, 3, 5), [1, h, w, 3]);
      const a = built.model.predict(x) as tf.Tensor | tf.Tensor[];
      const b = reloaded.predict(x) as tf.Tensor | tf.Tensor[];
      const as = Array.isArray(a) ? a : [a];
      const bs = Array.isArray(b) ? b : [b];
      expect(bs.length).toBe(as.length);
      as.forEach((t, i) => expect(Array.from(bs[i]!.dataSync())).toEqual(Array.from(t.dataSync())));
      tf.dispose([x, ...as, ...bs]);
      reloaded.dispose();
      built.dispose();
    }
  });

  it('does not leak: dispose() frees every weight', async () => {
    const weights = randomDarknetWeights(parseDarknetCfg(CFG_A));
    await expectNoLeaks(() => {
      darknetModel(CFG_A, weights, { foldBatchNorm: true }).dispose();
      darknetModel(CFG_B, randomDarknetWeights(parseDarknetCfg(CFG_B))).dispose();
    });
  });

  it('refuses weights that do not hold exactly the floats the cfg needs', () => {
    const cfg = parseDarknetCfg(CFG_B);
    const need = darknetParamCount(cfg);
    const tooMany = darknetWeightsFile(new Float32Array(need + 1).fill(1));
    const tooFew = darknetWeightsFile(new Float32Array(need - 6).fill(1));
    const before = tf.memory().numTensors;
    expect(() => darknetModel(cfg, tooMany)).toThrow(WeightsMismatchError);
    expect(() => darknetModel(cfg, tooMany)).toThrow(new RegExp(`holds ${need + 1} floats .* needs exactly ${need}`));
    expect(() => darknetModel(cfg, tooFew)).toThrow(WeightsMismatchError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('throws typed errors, never a raw tfjs shape error', () => {
    expect(() => darknetModel(CFG_A, undefined, { inputSize: [18, 12] })).toThrow(DarknetCfgError); // 18 -> 9 -> 5 -> upsampled 10 vs 9
    expect(() => darknetModel(CFG_A, undefined, { inputSize: 0 })).toThrow(/Invalid argument 'options.inputSize'/);
    expect(() => darknetModel(42 as unknown as string)).toThrow(/Invalid argument 'cfg'/);
    expect(() => darknetModel(CFG_A, undefined, { foldBatchNorm: 'yes' as unknown as boolean })).toThrow(/options.foldBatchNorm/);
  });
});
