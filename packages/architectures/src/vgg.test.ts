import * as tf from '@tensorflow/tfjs-core';
import { ready, WeightsMismatchError, InvalidArgumentError } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { lenet5 } from './lenet.js';
import { formatSummary, summary } from './summary.js';
import { vgg16, vgg19, vggPreprocessInput } from './vgg.js';
import { assignWeightsByName, truncateModel } from './weights.js';

// Layer names and parameter counts of keras.applications VGG16/VGG19 (Keras 2.x `model.summary()`).
const KERAS_VGG16_LAYERS = ['input_1', 'block1_conv1', 'block1_conv2', 'block1_pool', 'block2_conv1', 'block2_conv2', 'block2_pool', 'block3_conv1', 'block3_conv2', 'block3_conv3', 'block3_pool', 'block4_conv1', 'block4_conv2', 'block4_conv3', 'block4_pool', 'block5_conv1', 'block5_conv2', 'block5_conv3', 'block5_pool', 'flatten', 'fc1', 'fc2', 'predictions'];

beforeAll(async () => {
  await ready();
});

describe('VGG', () => {
  it('VGG16: Keras layer names and parameter counts (138,357,544 with top, 14,714,688 without)', async () => {
    const top = await vgg16();
    expect(top.layers.map((l) => l.name)).toEqual(KERAS_VGG16_LAYERS);
    expect(top.countParams()).toBe(138_357_544);
    expect(top.outputs[0]!.shape).toEqual([null, 1000]);
    const noTop = await vgg16({ includeTop: false });
    expect(noTop.countParams()).toBe(14_714_688);
    expect(noTop.outputs[0]!.shape).toEqual([null, null, null, 512]);
    const pooled = await vgg16({ includeTop: false, pooling: 'avg', inputShape: [64, 64, 3] });
    expect(pooled.outputs[0]!.shape).toEqual([null, 512]);
    [top, noTop, pooled].forEach((m) => m.dispose());
  });

  it('VGG19: 143,667,240 with top, 20,024,384 without; block3 has 4 convs', async () => {
    const top = await vgg19();
    expect(top.countParams()).toBe(143_667_240);
    expect(top.layers.filter((l) => l.name.startsWith('block3_conv')).map((l) => l.name)).toEqual(['block3_conv1', 'block3_conv2', 'block3_conv3', 'block3_conv4']);
    top.dispose();
    const noTop = await vgg19({ includeTop: false });
    expect(noTop.countParams()).toBe(20_024_384);
    noTop.dispose();
    const small = await vgg19({ classes: 10, inputShape: [32, 32, 3] });
    expect(small.countParams()).toBe(20_024_384 + 512 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 10 + 10);
    small.dispose();
  });

  it('summary: the output volume of every layer', async () => {
    const m = await vgg16({ includeTop: false, inputShape: [224, 224, 3] });
    const s = summary(m);
    m.dispose();
    expect(s.rows.find((r) => r.name === 'block3_pool')).toEqual({ name: 'block3_pool', type: 'MaxPooling2D', outputShape: [null, 28, 28, 256], params: 0 });
    expect(s.rows.find((r) => r.name === 'block1_conv1')!.params).toBe(3 * 3 * 3 * 64 + 64);
    expect(s.totalParams).toBe(14_714_688);
    expect(formatSummary(s)).toMatch(/block5_pool \(MaxPooling2D\)\s+\(None, 7, 7, 512\)\s+0/);
  });

  it('bad options are typed errors that say what to change', async () => {
    await expect(vgg16({ inputShape: [null, null, 3] })).rejects.toThrow(/includeTop/);
    await expect(vgg16({ includeTop: false, inputShape: [16, 16, 3] })).rejects.toThrow(InvalidArgumentError);
    await expect(vgg16({ pooling: 'sum' as never, includeTop: false })).rejects.toThrow(/options.pooling/);
    await expect(vgg16({ classes: 0 })).rejects.toThrow(/options.classes/);
  });

  it('trains on wasm (Adam, loss falls) and predict does not leak', async () => {
    await ready({ backend: 'wasm' });
    const base = await vgg16({ includeTop: false, pooling: 'avg', inputShape: [32, 32, 3] });
    const tfl = await import('@tensorflow/tfjs-layers');
    const head = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'head' }).apply(base.outputs[0]!) as import('@tensorflow/tfjs-layers').SymbolicTensor;
    const model = tfl.model({ inputs: base.inputs, outputs: head });
    model.compile({ optimizer: tf.train.adam(1e-4), loss: 'categoricalCrossentropy' });
    const x = tf.randomUniform([6, 32, 32, 3], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const h = await model.fit(x, y, { epochs: 4, batchSize: 6, verbose: 0 });
    const loss = h.history['loss'] as number[];
    expect(loss.at(-1)!).toBeLessThan(loss[0]!);
    await expectNoLeaks(() => tf.tidy(() => model.predict(x) as tf.Tensor).dispose());
    tf.dispose([x, y]);
    model.dispose();
  });

  it('loads weights by name with shape checks; partial (no-top) loads; truncation shares weights', async () => {
    const full = await vgg16({ inputShape: [32, 32, 3], classes: 5 });
    const named: tf.NamedTensorMap = {};
    for (const w of full.weights) named[w.originalName] = w.read().clone();
    const noTop = await vgg16({ includeTop: false });
    const { assigned, unused } = assignWeightsByName(noTop, named);
    expect(assigned).toBe(26);
    expect(unused.sort()).toEqual(['fc1/bias', 'fc1/kernel', 'fc2/bias', 'fc2/kernel', 'predictions/bias', 'predictions/kernel']);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(noTop.getLayer('block5_conv3').getWeights()[0]!, named['block5_conv3/kernel']!))).dataSync()[0])).toBe(0);
    const other = await vgg16({ inputShape: [32, 32, 1], includeTop: false });
    expect(() => assignWeightsByName(other, named)).toThrow(WeightsMismatchError);
    expect(() => assignWeightsByName(other, named)).toThrow(/block1_conv1\/kernel: model \[3,3,1,64\] vs stored \[3,3,3,64\]/);
    expect(() => assignWeightsByName(full, { 'block1_conv1/kernel': named['block1_conv1/kernel']! })).toThrow(/have no stored value/);
    const t = truncateModel(noTop, 'block3_pool');
    expect(t.outputs[0]!.shape).toEqual([null, null, null, 256]);
    expect(t.countParams()).toBe(1_735_488);
    expect(() => truncateModel(noTop, 'block9_pool')).toThrow(/no layer 'block9_pool'/);
    tf.dispose(Object.values(named));
    [full, noTop, other].forEach((m) => m.dispose());
  });

  it("vggPreprocessInput is Keras 'caffe' mode", () => {
    const out = Array.from(vggPreprocessInput(tf.tensor1d([255, 128, 0])).dataSync());
    [0 - 103.939, 128 - 116.779, 255 - 123.68].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 3));
  });
});

describe('LeNet-5', () => {
  it('the course version has 61,706 parameters and maps 32x32x1 to 10 classes', async () => {
    const m = lenet5();
    expect(m.countParams()).toBe(61_706);
    expect(summary(m).rows.map((r) => r.outputShape)).toEqual([[null, 32, 32, 1], [null, 28, 28, 6], [null, 14, 14, 6], [null, 10, 10, 16], [null, 5, 5, 16], [null, 400], [null, 120], [null, 84], [null, 10]]);
    await expectNoLeaks(() => tf.tidy(() => m.predict(tf.zeros([2, 32, 32, 1])) as tf.Tensor).dispose());
    expect(() => lenet5({ inputShape: [8, 8, 1] })).toThrow(/options.inputShape/);
  });

  it('trains on wasm', async () => {
    await ready({ backend: 'wasm' });
    const m = lenet5({ activation: 'relu' });
    m.compile({ optimizer: tf.train.adam(3e-3), loss: 'categoricalCrossentropy' });
    const x = tf.randomUniform([8, 32, 32, 1], 0, 1, 'float32', 4);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    const loss = (await m.fit(x, y, { epochs: 10, batchSize: 8, verbose: 0 })).history['loss'] as number[];
    expect(Math.min(...loss.slice(5))).toBeLessThan(loss[0]!);
    tf.dispose([x, y]);
    m.dispose();
  });
});
