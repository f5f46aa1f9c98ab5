import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { alexnet } from './alexnet.js';
import { basicBlock, basicResNet, resnet18, resnet34 } from './resnet-basic.js';
import { summary } from './summary.js';

beforeAll(async () => {
  await ready();
});

describe('ResNet-18/34 and AlexNet (torchvision parameter counts)', () => {
  it('trainable parameters equal torchvision: resnet18 11,689,512, resnet34 21,797,672, alexnet 61,100,840', async () => {
    for (const [build, count] of [
      [resnet18, 11_689_512],
      [resnet34, 21_797_672],
      [alexnet, 61_100_840],
    ] as const) {
      const m = await build();
      expect(summary(m).trainableParams, m.name).toBe(count);
      m.dispose();
    }
  });

  it('stage volumes at 224: 56, 28, 14, 7; AlexNet flattens 6x6x256', async () => {
    const m = await resnet18();
    expect(m.getLayer('pool1_pool').outputShape).toEqual([null, 56, 56, 64]);
    expect(m.getLayer('conv3_block1_out').outputShape).toEqual([null, 28, 28, 128]);
    expect(m.getLayer('conv5_block2_out').outputShape).toEqual([null, 7, 7, 512]);
    m.dispose();
    const a = await alexnet();
    expect(a.getLayer('pool5').outputShape).toEqual([null, 6, 6, 256]);
    a.dispose();
    const input = tfl.input({ shape: [8, 8, 64] });
    expect(basicBlock(input, { filters: 64, name: 'same' }).shape).toEqual([null, 8, 8, 64]);
    expect(basicBlock(input, { filters: 128, strides: 2, name: 'down' }).shape).toEqual([null, 4, 4, 128]);
  });

  it('resnet18 and alexnet train on wasm; predict does not leak', async () => {
    await ready({ backend: 'wasm' });
    for (const [build, size] of [
      [resnet18, 32],
      [alexnet, 64],
    ] as const) {
      const m = await build({ inputShape: [size, size, 3], classes: 2, ...(build === alexnet ? { dropout: 0 } : {}) });
      m.compile({ optimizer: tf.train.adam(1e-4), loss: 'categoricalCrossentropy' });
      const x = tf.randomUniform([4, size, size, 3], 0, 1, 'float32', 5);
      const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
      const loss = (await m.fit(x, y, { epochs: 8, batchSize: 4, verbose: 0 })).history['loss'] as number[];
      expect(loss.every(Number.isFinite), m.name).toBe(true);
      expect(Math.min(...loss.slice(4)), m.name).toBeLessThan(loss[0]!);
      await expectNoLeaks(() => tf.tidy(() => m.predict(x) as tf.Tensor).dispose());
      tf.dispose([x, y]);
      m.dispose();
    }
  });
});

describe('basicResNet', () => {
  it('any depth and width; resnet18 is basicResNet with [2, 2, 2, 2]', async () => {
    const small = await basicResNet({ blocks: [1, 1, 1], filters: [16, 32, 64], inputShape: [64, 64, 3], classes: 10, name: 'tiny' });
    expect(small.name).toBe('tiny');
    expect(small.getLayer('conv4_block1_out').outputShape).toEqual([null, 4, 4, 64]);
    small.dispose();
    const a = await basicResNet({ blocks: [2, 2, 2, 2] });
    expect(summary(a).trainableParams).toBe(11_689_512);
    a.dispose();
    await expect(basicResNet({ blocks: [2, 2], filters: [16] })).rejects.toThrow(/options.blocks/);
  });
});
