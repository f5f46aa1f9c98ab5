import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { basicResNet, lenet5, mobilenet } from '@cnn/architectures';
import { InvalidArgumentError, ShapeMismatchError, ready } from '@cnn/ops';
import { expectNoLeaks, expectTensorsClose } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { yoloHead } from './yolo-head.js';

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

describe('yoloHead', () => {
  it('puts a 1 x 1 conv + reshape on MobileNet: a 96 x 96 input gives a 3 x 3 grid of B x (5 + C)', async () => {
    const backbone = await mobilenet({ includeTop: false, inputShape: [96, 96, 3], alpha: 0.25 });
    const anchors: [number, number][] = [[1, 1], [2, 1]];
    const model = yoloHead(backbone, { anchors, classes: 3, grid: 3 });
    expect(model.outputs[0]!.shape).toEqual([null, 3, 3, 2, 8]);
    const conv = model.getLayer('yolo_conv') as tfl.layers.Layer;
    const channels = backbone.outputs[0]!.shape[3] as number;
    expect(conv.countParams()).toBe(channels * 2 * 8 + 2 * 8); // 1 x 1 kernel + bias
    expect(model.countParams()).toBe(backbone.countParams() + conv.countParams());
    // The output is the 1 x 1 conv of the backbone's features, reshaped: check against a plain matmul.
    const x = tf.randomUniform([1, 96, 96, 3], 0, 1, 'float32', 1);
    const out = model.predict(x) as tf.Tensor;
    const features = backbone.predict(x) as tf.Tensor;
    const [kernel, bias] = conv.getWeights();
    const expected = tf.tidy(() => tf.reshape(tf.add(tf.matMul(tf.reshape(features, [9, channels]), tf.reshape(kernel!, [channels, 16])), bias!), [1, 3, 3, 2, 8]));
    expectTensorsClose(out, expected, { rtol: 1e-4, atol: 1e-5 });
    tf.dispose([x, out, features, expected]);
    model.dispose();
  });

  it('takes a named feature layer of a model with a classifier (LeNet-5: pool2 is 5 x 5)', () => {
    const backbone = lenet5({ inputShape: [32, 32, 1] });
    const model = yoloHead(backbone, { classes: 3, featureLayer: 'pool2', name: 'sky' });
    expect(model.outputs[0]!.shape).toEqual([null, 5, 5, 1, 8]); // no anchors: B = 1
    expect(model.name).toBe('sky');
    expect(model.layers.map((l) => l.name).slice(-2)).toEqual(['sky_conv', 'sky_output']);
    model.dispose();
  });

  it('takes a symbolic feature tensor, and a basic ResNet at another input size', async () => {
    const input = tfl.input({ shape: [32, 48, 3] });
    const x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 8, padding: 'same' }).apply(input) as tfl.SymbolicTensor;
    const small = yoloHead(x, { classes: 1, anchors: [[1, 1], [1, 2], [2, 1]] });
    expect(small.inputs[0]!.shape).toEqual([null, 32, 48, 3]);
    expect(small.outputs[0]!.shape).toEqual([null, 4, 6, 3, 6]);
    const resnet = await basicResNet({ blocks: [1, 1], filters: [8, 16], includeTop: false, inputShape: [64, 64, 3] });
    const head = yoloHead(resnet, { classes: 2, grid: [8, 8] }); // stride 8: 64 / 8
    expect(head.outputs[0]!.shape).toEqual([null, 8, 8, 1, 7]);
    small.dispose();
    head.dispose();
  });

  it('says what to change when the backbone does not fit', async () => {
    const classifier = lenet5();
    expect(() => yoloHead(classifier, { classes: 2 })).toThrow(ShapeMismatchError); // [null, 10]
    expect(() => yoloHead(classifier, { classes: 2, featureLayer: 'nope' })).toThrow(/pool2/);
    expect(() => yoloHead(classifier, { classes: 2, featureLayer: 'pool2', grid: 7 })).toThrow(/5 x 5, not 7 x 7\.$/);
    const mn = await mobilenet({ includeTop: false, inputShape: [64, 64, 3], alpha: 0.25 });
    expect(() => yoloHead(mn, { classes: 2, grid: 13 })).toThrow(/an input of 416 x 416 gives a 13 x 13 grid/);
    const free = await mobilenet({ includeTop: false, alpha: 0.25 }); // [null, null, 3]
    expect(() => yoloHead(free, { classes: 2 })).toThrow(/fixed inputShape/);
    const bad: [() => unknown, string][] = [
      [() => yoloHead(mn, { classes: 0 }), 'options.classes'],
      [() => yoloHead(mn, { classes: 2, anchors: [[0, 1]] }), 'options.anchors[0]'],
      [() => yoloHead(mn, { classes: 2, grid: -1 }), 'options.grid'],
      [() => yoloHead(mn, { classes: 2, name: '1 bad' }), 'options.name'],
      [() => yoloHead({} as never, { classes: 2 }), 'backbone'],
      [() => yoloHead(mn, null as never), 'options'],
    ];
    for (const [call, argument] of bad) {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error, argument).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe(argument);
    }
    classifier.dispose();
    mn.dispose();
    free.dispose();
  });

  it('does not leak: building, predicting and disposing leaves no tensors', async () => {
    await expectNoLeaks(() => {
      const input = tfl.input({ shape: [16, 16, 3] });
      const x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 4, padding: 'same' }).apply(input) as tfl.SymbolicTensor;
      const model = yoloHead(x, { classes: 2 });
      tf.tidy(() => {
        expect((model.predict(tf.zeros([2, 16, 16, 3])) as tf.Tensor).shape).toEqual([2, 4, 4, 1, 7]);
      });
      model.dispose();
    });
  });
});
