import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ShapeMismatchError, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from './backbone.js';
import { hasKerasBatchNormRule } from './batch-norm-rule.js';
import { tinyFunctionalModel } from './test-support/tiny.js';

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

describe('loadBackbone', () => {
  it('builds an @cnn/architectures backbone, cuts it at a named layer, pools it and records the preprocessing', async () => {
    const bb = await loadBackbone({ architecture: 'basicResNet', options: { blocks: [1, 1], filters: [8, 16] } }, { cutLayer: 'conv2_block1_out', pooling: 'max', inputShape: [32, 32, 3], preprocessing: 'torch' });
    expect(bb.cutLayer).toBe('conv2_block1_out');
    expect(bb.pooling).toBe('max');
    expect(bb.featureShape).toEqual([8]);
    expect(bb.inputShape).toEqual([32, 32, 3]);
    expect(bb.preprocessing).toEqual({ mode: 'torch' });
    expect(bb.model.layers.some((l) => l.name === 'conv3_block1_out')).toBe(false);
    expect(bb.model.layers.filter((l) => l.getClassName() === 'BatchNormalization').every(hasKerasBatchNormRule)).toBe(true);
    const x = tf.randomUniform([2, 32, 32, 3], 0, 255, 'float32', 3) as tf.Tensor4D;
    const f = await expectNoLeaks(() => bb.features(x), { allowReturned: true });
    expect(f.shape).toEqual([2, 8]);
    // max pooling of relu features: all >= 0
    expect(Math.min(...f.dataSync())).toBeGreaterThanOrEqual(0);
    tf.dispose([x, f]);
    const before = tf.memory().numTensors;
    bb.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
    bb.dispose(); // idempotent
  });

  it('takes preprocessing from builder metadata (resnet18 -> torch) when not given', async () => {
    const bb = await loadBackbone({ architecture: 'resnet18' }, { inputShape: [32, 32, 3] });
    expect(bb.preprocessing.mode).toBe('torch');
    expect(bb.featureShape).toEqual([512]);
    bb.dispose();
  });

  it('a cut layer that does not exist is a typed error naming nearby layers', async () => {
    const err = await loadBackbone(tinyFunctionalModel(), { cutLayer: 'relu_2', preprocessing: 'none' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toMatch(/Nearest names: relu2, relu1/);
  });

  it('a model without known preprocessing asks for it; a wrong input size is a ShapeMismatchError', async () => {
    await expect(loadBackbone(tinyFunctionalModel())).rejects.toThrow(/options\.preprocessing/);
    const bb = await loadBackbone(tinyFunctionalModel(), { preprocessing: { mode: 'rescale' }, pooling: null });
    expect(bb.featureShape).toEqual([8, 8, 6]);
    expect(bb.preprocessing).toEqual({ mode: 'rescale', scale: 1 / 255, offset: 0 });
    const x = tf.zeros([1, 9, 9, 3]) as tf.Tensor4D;
    expect(() => bb.features(x)).toThrow(ShapeMismatchError);
    x.dispose();
    bb.dispose();
  });

  it.skipIf(!process.env['CNN_WEIGHTS_PATH'])('loads the real darknet-tiny model by id with RGB/255 preprocessing (CNN_WEIGHTS_PATH)', async () => {
    const bb = await loadBackbone('darknet-tiny-imagenet', { cutLayer: 'leaky_re_lu_15' });
    expect(bb.preprocessing).toMatchObject({ mode: 'rescale', alignCorners: true });
    expect(bb.preprocessing.scale).toBeCloseTo(1 / 255, 12);
    expect(bb.inputShape).toEqual([224, 224, 3]);
    expect(bb.featureShape.length).toBe(1);
    bb.dispose();
  });

  it('rejects sources that are not a model', async () => {
    await expect(loadBackbone(42 as unknown as string)).rejects.toThrow(InvalidArgumentError);
    await expect(loadBackbone({ architecture: 'nope' as 'vgg16' })).rejects.toThrow(/architecture/);
    const m = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
    await expect(loadBackbone(m, { preprocessing: 'none' })).rejects.toThrow(ShapeMismatchError);
  });
});
