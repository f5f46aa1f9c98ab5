/** Every builder's model saves as a tfjs layers model (atomic file-system handler) and reloads to the same network. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { fileSystem, ready } from '@cnn/ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { alexnet } from './alexnet.js';
import { loadLayersModel } from './classify.js';
import { googlenet } from './googlenet.js';
import { inceptionV3 } from './inception-v3.js';
import { lenet5 } from './lenet.js';
import { mobilenet, mobilenetV2 } from './mobilenet.js';
import { resnet50 } from './resnet.js';
import { resnet18 } from './resnet-basic.js';
import { unet } from './unet.js';
import { vgg16 } from './vgg.js';
import { modelMetadata } from './weights.js';

let dir: string;
beforeAll(async () => {
  await ready();
  dir = await mkdtemp(join(tmpdir(), 'cnn-save-reload-'));
});

const cases: [string, () => tfl.LayersModel | Promise<tfl.LayersModel>, number[]][] = [
  ['LeNet-5', () => lenet5(), [32, 32, 1]],
  ['AlexNet', () => alexnet({ includeTop: false, inputShape: [63, 63, 3] }), [63, 63, 3]],
  ['VGG-16', () => vgg16({ includeTop: false, inputShape: [32, 32, 3], pooling: 'avg' }), [32, 32, 3]],
  ['ResNet-18', () => resnet18({ classes: 7, inputShape: [32, 32, 3] }), [32, 32, 3]],
  ['ResNet-50', () => resnet50({ includeTop: false, inputShape: [32, 32, 3] }), [32, 32, 3]],
  ['GoogLeNet', () => googlenet({ classes: 5, inputShape: [64, 64, 3] }), [64, 64, 3]],
  ['InceptionV3', () => inceptionV3({ includeTop: false, inputShape: [75, 75, 3], pooling: 'max' }), [75, 75, 3]],
  ['MobileNet', () => mobilenet({ alpha: 0.25, classes: 4, inputShape: [32, 32, 3] }), [32, 32, 3]],
  ['MobileNetV2', () => mobilenetV2({ alpha: 0.35, includeTop: false, inputShape: [32, 32, 3] }), [32, 32, 3]],
  ['U-Net', () => unet({ inputShape: [32, 32, 3], filters: 4, classes: 3 }), [32, 32, 3]],
];

describe('save and reload (tfjs layers format) give the same network', () => {
  it.each(cases)('%s', async (name, build, shape) => {
    const model = await build();
    // Batch-norm statistics away from their initial values, so a lost moving mean/variance would show.
    for (const w of model.weights) if (/moving_(mean|variance)/.test(w.originalName)) w.write(tf.tidy(() => tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', 11)));
    const folder = join(dir, name);
    const result = await model.save(fileSystem(folder));
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(model.countParams() * 4); // every parameter, float32
    const before = tf.memory().numTensors;
    const reloaded = await loadLayersModel(folder);
    expect(reloaded.name).toBe(model.name);
    expect(reloaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(reloaded.countParams()).toBe(model.countParams());
    expect(modelMetadata(reloaded)).toEqual(modelMetadata(model));
    const x = tf.randomUniform([2, ...shape], 0, 1, 'float32', 5);
    const [a, b] = [model.predict(x) as tf.Tensor, reloaded.predict(x) as tf.Tensor];
    expect(b.shape).toEqual(a.shape);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBe(0);
    tf.dispose([x, a, b]);
    reloaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
