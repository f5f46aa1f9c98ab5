import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { summary } from './summary.js';
import { unet } from './unet.js';

beforeAll(async () => {
  await ready();
});

describe('U-Net (course version)', () => {
  it('96x128x3 -> 96x128x23 per-pixel scores; the course notebook summary: 8,640,471 parameters', () => {
    const m = unet();
    expect(m.outputs[0]!.shape).toEqual([null, 96, 128, 23]);
    expect(m.countParams()).toBe(8_640_471);
    const s = summary(m);
    expect(s.rows.find((r) => r.name === 'bottleneck_conv2')!.outputShape).toEqual([null, 6, 8, 512]);
    expect(s.rows.find((r) => r.name === 'up9_concat')!.outputShape).toEqual([null, 96, 128, 64]);
    m.dispose();
    expect(() => unet({ inputShape: [100, 128, 3] })).toThrow(/multiples of 16/);
  });

  it('trains on wasm (transposed convs) with per-pixel softmax cross-entropy; predict does not leak', async () => {
    await ready({ backend: 'wasm' });
    const m = unet({ inputShape: [32, 32, 3], filters: 4, classes: 3 });
    m.compile({ optimizer: tf.train.adam(3e-3), loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred) });
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 6);
    // Target: class by which third of the image a pixel is in (learnable from position... and the input).
    const y = tf.tidy(() => tf.oneHot(tf.cast(tf.tile(tf.reshape(tf.floorDiv(tf.range(0, 32, 1, 'int32'), 11), [1, 1, 32]), [2, 32, 1]), 'int32') as tf.Tensor3D, 3));
    const loss = (await m.fit(x, y, { epochs: 12, batchSize: 2, verbose: 0 })).history['loss'] as number[];
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(Math.min(...loss.slice(6))).toBeLessThan(loss[0]!);
    await expectNoLeaks(() => tf.tidy(() => m.predict(x) as tf.Tensor).dispose());
    tf.dispose([x, y]);
    m.dispose();
  });
});
