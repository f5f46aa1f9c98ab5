import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ready } from '@cnn/ops';
import { expectTensorsClose } from '@cnn/ops/testing';
import { beforeAll, expect, it } from 'vitest';
import { batchNormalizationNoScale } from './batch-norm-no-scale.js';

beforeAll(async () => {
  await ready();
});

it('scale-free batch norm trains (stock tfjs-layers crashes) and equals batch norm with γ = 1, without a γ weight', () => {
  const x = tf.randomNormal([4, 3, 3, 5], 1, 2, 'float32', 7);
  const ours = batchNormalizationNoScale({ axis: 3 });
  const ref = tfl.layers.batchNormalization({ axis: 3 });
  const a = ours.apply(x, { training: true }) as tf.Tensor;
  const b = ref.apply(x, { training: true }) as tf.Tensor; // γ initialized to ones
  expectTensorsClose(a, b);
  expect(ours.countParams()).toBe(15); // β, moving mean, moving variance
  expect(ref.countParams()).toBe(20);
  expectTensorsClose(ours.apply(x) as tf.Tensor, ref.apply(x) as tf.Tensor);
  const stock = tfl.layers.batchNormalization({ axis: 3, scale: false });
  expect(() => stock.apply(x, { training: true })).toThrow();
});
