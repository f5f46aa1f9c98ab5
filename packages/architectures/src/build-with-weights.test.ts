import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ready } from '@cnn/ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWithWeights } from './weights.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

const build = () => tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], name: 'd' })] });
const set = (model: tfl.LayersModel, w: tf.NamedTensorMap) => model.setWeights([w['kernel']!, w['bias']!]);

describe('buildWithWeights', () => {
  it('builds, sets the weights, and disposes the weight tensors', async () => {
    const before = tf.memory().numTensors;
    const model = await buildWithWeights(Promise.resolve({ kernel: tf.ones([3, 2]), bias: tf.fill([2], 5) }), build, set);
    const x = tf.ones([1, 3]);
    const y = model.predict(x) as tf.Tensor;
    expect(Array.from(await y.data())).toEqual([8, 8]);
    tf.dispose([x, y]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('disposes the model and the weights when setting them fails', async () => {
    const before = tf.memory().numTensors;
    await expect(buildWithWeights({ kernel: tf.ones([4, 2]), bias: tf.zeros([2]) }, build, set)).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
