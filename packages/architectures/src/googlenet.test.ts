import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { googlenet, inceptionModule } from './googlenet.js';
import { summary } from './summary.js';

beforeAll(async () => {
  await ready();
});

describe('GoogLeNet / Inception v1', () => {
  it("torchvision's variant (3x3 in the '5x5' branch) has its 6,624,904 trainable parameters; the paper's 5x5 adds exactly 16·Σ(5x5reduce·5x5)", async () => {
    const tv = await googlenet({ branch3Kernel: 3 });
    expect(summary(tv).trainableParams).toBe(6_624_904);
    tv.dispose();
    const paper = await googlenet();
    const extra = [[16, 32], [32, 96], [16, 48], [24, 64], [24, 64], [32, 64], [32, 128], [32, 128], [48, 128]].reduce((s, [r, o]) => s + (25 - 9) * r! * o!, 0);
    expect(summary(paper).trainableParams).toBe(6_624_904 + extra);
    expect(paper.getLayer('inception_3a_output').outputShape).toEqual([null, 28, 28, 256]);
    expect(paper.getLayer('inception_4e_output').outputShape).toEqual([null, 14, 14, 832]);
    expect(paper.getLayer('inception_5b_output').outputShape).toEqual([null, 7, 7, 1024]);
    paper.dispose();
  });

  it('an Inception module concatenates its four branches', () => {
    const input = tfl.input({ shape: [28, 28, 192] });
    const out = inceptionModule(input, { f1x1: 64, f3x3Reduce: 96, f3x3: 128, f5x5Reduce: 16, f5x5: 32, poolProj: 32, name: 'm' });
    expect(out.shape).toEqual([null, 28, 28, 256]);
  });

  it('trains on wasm; predict does not leak', async () => {
    await ready({ backend: 'wasm' });
    const m = await googlenet({ inputShape: [32, 32, 3], classes: 2, dropout: 0 });
    m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const x = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 8);
    const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
    const loss = (await m.fit(x, y, { epochs: 8, batchSize: 4, verbose: 0 })).history['loss'] as number[];
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(Math.min(...loss.slice(4))).toBeLessThan(loss[0]!);
    await expectNoLeaks(() => tf.tidy(() => m.predict(x) as tf.Tensor).dispose());
    tf.dispose([x, y]);
    m.dispose();
  });
});
