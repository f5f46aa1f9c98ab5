import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelHolder } from './model-holder.js';

class Doubler extends ModelHolder<{ scale?: number }> {
  constructor(model: tfl.LayersModel, defaults: { scale?: number } = {}) {
    super(model, defaults, 'a one-layer model');
  }
  run(x: tf.Tensor): tf.Tensor {
    this.assertLive();
    return tf.tidy(() => tf.mul(this.model.predict(x) as tf.Tensor, this.defaults.scale ?? 1));
  }
}

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

describe('ModelHolder', () => {
  it('runs the model, disposes it once, then refuses calls naming the class', async () => {
    const before = tf.memory().numTensors;
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'ones', useBias: false })] });
    const holder = new Doubler(model, { scale: 3 });
    const x = tf.ones([1, 1]);
    const y = holder.run(x);
    expect(Array.from(await y.data())).toEqual([3]);
    tf.dispose([x, y]);
    holder.dispose();
    holder.dispose();
    expect(holder.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => holder.run(tf.ones([1, 1]))).toThrow(/a live Doubler/);
  });

  it('refuses something that is not a model', () => {
    expect(() => new Doubler({} as never)).toThrow(InvalidArgumentError);
    expect(() => new Doubler(null as never)).toThrow(/a one-layer model/);
  });
});
