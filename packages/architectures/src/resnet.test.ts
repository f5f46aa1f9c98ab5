import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { convolutionalBlock, identityBlock, resnet101, resnet152, resnet50 } from './resnet.js';

beforeAll(async () => {
  await ready();
});

describe('ResNet (keras.applications.resnet v1)', () => {
  it('parameter counts equal Keras: ResNet50 25,636,712, ResNet101 44,707,176, ResNet152 60,419,944 (23,587,712 no-top)', async () => {
    for (const [build, count] of [
      [resnet50, 25_636_712],
      [resnet101, 44_707_176],
      [resnet152, 60_419_944],
    ] as const) {
      const m = await build();
      expect(m.countParams()).toBe(count);
      m.dispose();
    }
    const noTop = await resnet50({ includeTop: false });
    expect(noTop.countParams()).toBe(23_587_712);
    noTop.dispose();
  });

  it('Keras layer names and the stage output volumes', async () => {
    const m = await resnet50();
    const names = m.layers.map((l) => l.name);
    expect(names.slice(0, 7)).toEqual(['input_1', 'conv1_pad', 'conv1_conv', 'conv1_bn', 'conv1_relu', 'pool1_pad', 'pool1_pool']);
    expect(names.slice(7, 20)).toEqual([
      'conv2_block1_1_conv', 'conv2_block1_1_bn', 'conv2_block1_1_relu', 'conv2_block1_2_conv', 'conv2_block1_2_bn', 'conv2_block1_2_relu',
      'conv2_block1_0_conv', 'conv2_block1_3_conv', 'conv2_block1_0_bn', 'conv2_block1_3_bn', 'conv2_block1_add', 'conv2_block1_out', 'conv2_block2_1_conv',
    ]);
    expect(names.slice(-3)).toEqual(['conv5_block3_out', 'avg_pool', 'predictions']);
    expect(names.length).toBe(177); // Keras ResNet50: 175 layers + input + predictions
    const shape = (n: string) => m.getLayer(n).outputShape;
    expect(shape('pool1_pool')).toEqual([null, 56, 56, 64]);
    expect(shape('conv2_block3_out')).toEqual([null, 56, 56, 256]);
    expect(shape('conv3_block4_out')).toEqual([null, 28, 28, 512]);
    expect(shape('conv4_block6_out')).toEqual([null, 14, 14, 1024]);
    expect(shape('conv5_block3_out')).toEqual([null, 7, 7, 2048]);
    m.dispose();
  });

  it('the course blocks alone: identity keeps the shape, convolutional changes channels and size', () => {
    const input = tfl.input({ shape: [16, 16, 256] });
    const id = identityBlock(input, { filters: 64, name: 'id' });
    expect(id.shape).toEqual([null, 16, 16, 256]);
    const cb = convolutionalBlock(input, { filters: 128, strides: 2, name: 'cb' });
    expect(cb.shape).toEqual([null, 8, 8, 512]);
  });

  it('trains on wasm (batch norm in training mode) and predict does not leak', async () => {
    await ready({ backend: 'wasm' });
    const m = await resnet50({ inputShape: [32, 32, 3], classes: 3 });
    m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const x = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 2);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
    const h = await m.fit(x, y, { epochs: 6, batchSize: 4, verbose: 0 });
    const loss = h.history['loss'] as number[];
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(Math.min(...loss.slice(3))).toBeLessThan(loss[0]!);
    await expectNoLeaks(() => tf.tidy(() => m.predict(x) as tf.Tensor).dispose());
    tf.dispose([x, y]);
    m.dispose();
  });
});
