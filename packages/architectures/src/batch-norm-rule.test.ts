import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ready } from '@cnn/ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyKerasBatchNormRule, hasKerasBatchNormRule, isBatchNormalization, isFrozen } from './batch-norm-rule.js';

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

/** conv -> BN -> GAP -> dense, with the BN's moving stats far from what a batch gives. */
function tinyModel(): { model: tfl.LayersModel; bn: tfl.layers.Layer } {
  const input = tfl.input({ shape: [6, 6, 3] });
  const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv' }).apply(input) as tfl.SymbolicTensor;
  const bnLayer = tfl.layers.batchNormalization({ name: 'bn', movingMeanInitializer: 'ones', movingVarianceInitializer: tfl.initializers.constant({ value: 4 }) });
  const y = bnLayer.apply(conv) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(y) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2, activation: 'softmax', name: 'out' }).apply(pooled) as tfl.SymbolicTensor;
  return { model: tfl.model({ inputs: input, outputs: out }), bn: bnLayer };
}

const stats = (bn: tfl.layers.Layer) => bn.getWeights().slice(2).map((t) => Array.from(t.dataSync()));

async function fitOnce(model: tfl.LayersModel): Promise<void> {
  const x = tf.randomUniform([4, 6, 6, 3], -3, 5, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
  tf.dispose([x, y]);
}

describe('the Keras frozen batch-norm rule', () => {
  it('tfjs-layers alone updates frozen BN statistics in fit() (the reason for the rule)', async () => {
    const { model, bn } = tinyModel();
    bn.trainable = false;
    const before = stats(bn);
    await fitOnce(model);
    // If this ever fails, tfjs-layers follows the Keras rule by itself and the patch became redundant.
    expect(stats(bn)).not.toEqual(before);
    model.dispose();
  });

  it('with the rule a frozen BN keeps its moving statistics and normalizes with them under training=true', async () => {
    const { model, bn } = tinyModel();
    expect(applyKerasBatchNormRule(model)).toBe(1);
    expect(applyKerasBatchNormRule(model)).toBe(1); // idempotent
    bn.trainable = false;
    expect(isFrozen(bn)).toBe(true);
    const before = stats(bn);
    await fitOnce(model);
    expect(stats(bn)).toEqual(before);
    const x = tf.randomUniform([3, 6, 6, 3], 0, 2, 'float32', 2);
    const train = model.apply(x, { training: true }) as tf.Tensor;
    const infer = model.apply(x, { training: false }) as tf.Tensor;
    expect(Array.from(train.dataSync())).toEqual(Array.from(infer.dataSync()));
    tf.dispose([x, train, infer]);
    model.dispose();
  });

  it('an unfrozen BN with the rule still trains as usual (batch statistics, updated moving averages)', async () => {
    const { model, bn } = tinyModel();
    applyKerasBatchNormRule(model);
    const before = stats(bn);
    await fitOnce(model);
    expect(stats(bn)).not.toEqual(before);
    model.dispose();
  });

  it('follows the trainable flag at call time: unfreezing after the rule is installed trains the BN again', async () => {
    const { model, bn } = tinyModel();
    bn.trainable = false;
    applyKerasBatchNormRule(model);
    expect(hasKerasBatchNormRule(bn)).toBe(true);
    const before = stats(bn);
    await fitOnce(model);
    expect(stats(bn)).toEqual(before);
    bn.trainable = true;
    await fitOnce(model);
    expect(stats(bn)).not.toEqual(before);
    model.dispose();
  });

  it('a BN inside a nested model frozen with model.trainable = false counts as frozen', async () => {
    const { model: inner, bn } = tinyModel();
    const input = tfl.input({ shape: [6, 6, 3] });
    const head = tfl.layers.dense({ units: 2, activation: 'softmax' }).apply(inner.apply(input) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const outer = tfl.model({ inputs: input, outputs: head });
    expect(applyKerasBatchNormRule(outer)).toBe(1);
    inner.trainable = false;
    expect(isFrozen(bn)).toBe(true);
    const before = stats(bn);
    await fitOnce(outer);
    expect(stats(bn)).toEqual(before);
    outer.dispose();
  });

  it('recognizes BN layers only', () => {
    expect(isBatchNormalization(tfl.layers.batchNormalization({}))).toBe(true);
    expect(isBatchNormalization(tfl.layers.dense({ units: 1 }))).toBe(false);
    expect(isBatchNormalization({})).toBe(false);
  });
});
