/**
 * ResNet-152 trains on wasm. In its own file (its own process): run after VGG-19, ResNet-34 and ResNet-101
 * in one process, wasm aborted (out of memory) in its training step, although those models were disposed
 * (the wasm heap never shrinks; see the closing note of the session that found it).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { expect, it } from 'vitest';
import { resnet152 } from './resnet.js';
import { seeded } from './test-support/seeded.js';

// Two pictures per batch make batch norm's training-mode loss jump from step to step (measured over 5 seeds:
// 0.05-4.8), and the seeded build is not always the same init under CI's load; so: 8 steps, no shuffling, a
// small learning rate, and the check is that some later step goes below the first (it did for all 5 seeds).
it('ResNet-152: Adam steps lower the loss on wasm; predict does not leak', async () => {
  await ready({ backend: 'wasm' });
  expect(tf.getBackend()).toBe('wasm');
  const m = await seeded(5, () => resnet152({ inputShape: [32, 32, 3], classes: 2 }));
  m.compile({ optimizer: tf.train.adam(1e-4), loss: 'categoricalCrossentropy' });
  const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 9);
  const y = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2);
  const loss = (await m.fit(x, y, { epochs: 8, batchSize: 2, shuffle: false, verbose: 0 })).history['loss'] as number[];
  expect(loss.every(Number.isFinite), String(loss)).toBe(true);
  expect(Math.min(...loss.slice(1)), String(loss)).toBeLessThan(loss[0]!);
  await expectNoLeaks(() => tf.tidy(() => m.predict(x) as tf.Tensor).dispose());
  tf.dispose([x, y]);
  m.dispose();
});
