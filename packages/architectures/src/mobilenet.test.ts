import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeDivisible, mobilenet, mobilenetV2 } from './mobilenet.js';

beforeAll(async () => {
  await ready();
});

describe('MobileNet v1 / v2 (keras.applications)', () => {
  it('parameter counts equal Keras: MobileNet 4,253,864 (3,228,864 no-top), MobileNetV2 3,538,984 (2,257,984 no-top)', async () => {
    for (const [build, opts, count] of [
      [mobilenet, {}, 4_253_864],
      [mobilenet, { includeTop: false }, 3_228_864],
      [mobilenetV2, {}, 3_538_984],
      [mobilenetV2, { includeTop: false }, 2_257_984],
    ] as const) {
      const m = await build(opts);
      expect(m.countParams(), `${m.name} ${JSON.stringify(opts)}`).toBe(count);
      m.dispose();
    }
  });

  it('Keras layer names and output volumes', async () => {
    const v1 = await mobilenet();
    const n1 = v1.layers.map((l) => l.name);
    expect(n1.slice(0, 11)).toEqual(['input_1', 'conv1', 'conv1_bn', 'conv1_relu', 'conv_dw_1', 'conv_dw_1_bn', 'conv_dw_1_relu', 'conv_pw_1', 'conv_pw_1_bn', 'conv_pw_1_relu', 'conv_pad_2']);
    expect(v1.getLayer('conv_pw_13_relu').outputShape).toEqual([null, 7, 7, 1024]);
    expect(n1.slice(-6)).toEqual(['global_average_pooling2d', 'reshape_1', 'dropout', 'conv_preds', 'reshape_2', 'predictions']);
    v1.dispose();
    const v2 = await mobilenetV2();
    const n2 = v2.layers.map((l) => l.name);
    expect(n2.slice(0, 10)).toEqual(['input_1', 'Conv1', 'bn_Conv1', 'Conv1_relu', 'expanded_conv_depthwise', 'expanded_conv_depthwise_BN', 'expanded_conv_depthwise_relu', 'expanded_conv_project', 'expanded_conv_project_BN', 'block_1_expand']);
    expect(n2).toContain('block_2_add');
    expect(n2).not.toContain('block_1_add');
    expect(v2.getLayer('out_relu').outputShape).toEqual([null, 7, 7, 1280]);
    expect(n2.length).toBe(156); // Keras MobileNetV2: 154 layers + input + predictions
    v2.dispose();
  });

  it('alpha scales widths (Keras _make_divisible)', async () => {
    expect([makeDivisible(32 * 0.35), makeDivisible(16 * 0.5), makeDivisible(24 * 1.4)]).toEqual([16, 8, 32]);
    const small = await mobilenet({ alpha: 0.25, includeTop: false });
    expect(small.outputs[0]!.shape).toEqual([null, null, null, 256]);
    small.dispose();
    await expect(mobilenet({ alpha: 0 })).rejects.toThrow(/options.alpha/);
  });

  it('both train on wasm (depthwise gradients) and predict does not leak', async () => {
    await ready({ backend: 'wasm' });
    for (const build of [mobilenet, mobilenetV2]) {
      const m = await build({ inputShape: [32, 32, 3], classes: 2, alpha: 0.35 });
      m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
      const x = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 3);
      const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
      const h = await m.fit(x, y, { epochs: 10, batchSize: 4, verbose: 0 });
      const loss = h.history['loss'] as number[];
      expect(loss.every(Number.isFinite), m.name).toBe(true);
      // Random init and batch norm on 4 images make single steps noisy: the later epochs must reach below the first.
      expect(Math.min(...loss.slice(5)), m.name).toBeLessThan(loss[0]!);
      await expectNoLeaks(() => tf.tidy(() => m.predict(x) as tf.Tensor).dispose());
      tf.dispose([x, y]);
      m.dispose();
    }
  });
});
