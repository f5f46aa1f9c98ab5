import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ShapeMismatchError, ready } from '@cnn/ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { yoloHead } from '../targets/yolo-head.js';
import { chainBackbone } from './backbone.js';
import { initObjectnessPrior } from './head-init.js';

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

/** A small classifier chain: conv, BN, leaky, pool, conv, leaky, global pool, dense (like darknet-tiny). */
function classifier(): tfl.LayersModel {
  const input = tfl.input({ shape: [32, 32, 3] });
  let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'c1' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'bn1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.leakyReLU({ name: 'l1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2, name: 'p1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'c2' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.leakyReLU({ name: 'l2' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 3, name: 'fc' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: 'toy' });
}

describe('chainBackbone', () => {
  it('re-applies the chain at a new input size, cut at the feature layer, sharing weights', () => {
    const m = classifier();
    const b = chainBackbone(m, { inputSize: [48, 64], featureLayer: 'l2' });
    expect(b.outputs[0]!.shape).toEqual([null, 24, 32, 6]);
    expect(b.getLayer('c2')).toBe(m.getLayer('c2'));
    // Same size: the features equal the original model's at that layer.
    const same = chainBackbone(m, { inputSize: [32, 32], featureLayer: 'l2' });
    const reference = tfl.model({ inputs: m.inputs, outputs: m.getLayer('l2').getOutputAt(0) as tfl.SymbolicTensor });
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 3);
    const [a, r] = tf.tidy(() => [same.predict(x) as tf.Tensor, reference.predict(x) as tf.Tensor]);
    expect(Array.from(a!.dataSync())).toEqual(Array.from(r!.dataSync()));
    tf.dispose([x, a!, r!]);
    m.dispose();
  });

  it('refuses a model that is not a chain, and unknown layers', () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const c = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'c' }).apply(input) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: 'sum' }).apply([c, input]) as tfl.SymbolicTensor;
    const residual = tfl.model({ inputs: input, outputs: sum });
    expect(() => chainBackbone(residual, { inputSize: [16, 16], featureLayer: 'sum' })).toThrow(ShapeMismatchError);
    expect(() => chainBackbone(classifier(), { inputSize: [16, 16], featureLayer: 'nope' })).toThrow(InvalidArgumentError);
  });
});

describe('initObjectnessPrior', () => {
  it('sets every anchor’s objectness bias to logit(prior), leaving the rest', () => {
    const input = tfl.input({ shape: [32, 32, 3] });
    const feat = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 8, padding: 'same' }).apply(input) as tfl.SymbolicTensor;
    const model = yoloHead(feat, { anchors: [[1, 1], [2, 2]], classes: 3, name: 'det' });
    const conv = model.getLayer('det_conv');
    conv.setWeights([conv.getWeights()[0]!, tf.fill([16], 0.25)]);
    initObjectnessPrior(model, { prior: 0.1, anchors: 2 });
    const bias = Array.from(conv.getWeights()[1]!.dataSync());
    const logit = Math.log(0.1 / 0.9);
    expect(bias[0]).toBeCloseTo(logit, 5);
    expect(bias[8]).toBeCloseTo(logit, 5);
    expect(bias.filter((_, i) => i !== 0 && i !== 8).every((v) => v === 0.25)).toBe(true);
    expect(() => initObjectnessPrior(model, { prior: 0.1, anchors: 3 })).toThrow(ShapeMismatchError);
    expect(() => initObjectnessPrior(model, { prior: 1.5, anchors: 2 })).toThrow(InvalidArgumentError);
    model.dispose();
  });
});
