import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ChecksumMismatchError, InvalidArgumentError, ready, WeightsMismatchError, WeightsNotFoundError } from '@cnn/ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { alexnet } from './alexnet.js';
import { imagenetClassIndex, imagenetLabels, kerasImagenetWeights } from './imagenet.js';
import { saveKerasH5Weights } from './keras-h5.js';
import { mobilenet, mobilenetV2 } from './mobilenet.js';
import { resnet50 } from './resnet.js';
import { vgg16 } from './vgg.js';
import { loadKerasWeights, modelMetadata } from './weights.js';

let dir: string;
beforeAll(async () => {
  await ready();
  dir = await mkdtemp(join(tmpdir(), 'cnn-imagenet-'));
});

const fresh = async (name: string) => mkdtemp(join(dir, `${name}-`));

describe("weights: 'imagenet' — Keras' published files", () => {
  it('names, addresses and md5 hashes as keras.applications has them', () => {
    expect(kerasImagenetWeights('VGG16', true)).toEqual({
      file: 'vgg16_weights_tf_dim_ordering_tf_kernels.h5',
      url: 'https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5',
      md5: '64373286793e3c8b2b4e3219cbf3544b',
    });
    expect(kerasImagenetWeights('VGG19', false).file).toBe('vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5');
    expect(kerasImagenetWeights('ResNet50', false)).toEqual({
      file: 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5',
      url: 'https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5',
      md5: '4d473c1dd8becc155b73f8504c6f6626',
    });
    expect(kerasImagenetWeights('ResNet152', true).md5).toBe('100835be76be38e30d865e96f2aaae62');
    expect(kerasImagenetWeights('InceptionV3', true).url).toBe('https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5');
    // MobileNet: alpha and size in the name, no published hash.
    expect(kerasImagenetWeights('MobileNet', false, { alpha: 0.25, rows: 128 })).toEqual({
      file: 'mobilenet_2_5_128_tf_no_top.h5',
      url: 'https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/mobilenet_2_5_128_tf_no_top.h5',
    });
    expect(kerasImagenetWeights('MobileNet', true, { alpha: 1, rows: 224 }).file).toBe('mobilenet_1_0_224_tf.h5');
    expect(kerasImagenetWeights('MobileNetV2', true, { alpha: 1, rows: 224 }).file).toBe('mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5');
    expect(kerasImagenetWeights('MobileNetV2', false, { alpha: 0.35, rows: 96 }).file).toBe('mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5');
    // A no-top model of another size gets the 224 files, as in Keras; with the top it is an error.
    expect(kerasImagenetWeights('MobileNetV2', false, { alpha: 0.5, rows: 100 }).file).toBe('mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.5_224_no_top.h5');
    expect(() => kerasImagenetWeights('MobileNet', true, { alpha: 1, rows: 100 })).toThrow(/128, 160, 192, 224/);
    expect(() => kerasImagenetWeights('MobileNet', false, { alpha: 0.3 })).toThrow(InvalidArgumentError);
  });

  it('offline without the file: a clear error naming the file, the address and where to put it; nothing leaked', async () => {
    const [search, cache] = await Promise.all([fresh('search'), fresh('cache')]);
    const before = tf.memory().numTensors;
    const err = (await vgg16({ weights: 'imagenet', includeTop: false, inputShape: [32, 32, 3], weightsOptions: { offline: true, searchPath: [search], cacheDir: cache } }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(WeightsNotFoundError);
    expect(err.message).toContain('vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5');
    expect(err.message).toContain('https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5');
    expect(err.message).toContain(search);
    expect(tf.memory().numTensors).toBe(before); // the half-built model was disposed
  });

  it("a file that is not Keras' published one fails the md5 check", async () => {
    const search = await fresh('wrong');
    await writeFile(join(search, 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5'), 'not the weights');
    const err = (await resnet50({ weights: 'imagenet', includeTop: false, inputShape: [32, 32, 3], weightsOptions: { offline: true, searchPath: [search] } }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect(err.message).toMatch(/^md5 of .*expected 4d473c1dd8becc155b73f8504c6f6626/);
  });

  it('loads a Keras-layout file found on the search path and records where the weights came from', async () => {
    const search = await fresh('mobilenet');
    const source = await mobilenet({ alpha: 0.25, includeTop: false, inputShape: [128, 128, 3] });
    // Distinct values so a misplaced weight shows.
    for (const w of source.weights) w.write(tf.tidy(() => tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', 7 + w.shape.length)));
    await saveKerasH5Weights(source, join(search, 'mobilenet_2_5_128_tf_no_top.h5'));
    const model = await mobilenet({ alpha: 0.25, includeTop: false, inputShape: [128, 128, 3], weights: 'imagenet', weightsOptions: { offline: true, searchPath: [search] } });
    expect(model.weights.length).toBe(source.weights.length);
    model.weights.forEach((w, i) => expect(Array.from(w.read().dataSync())).toEqual(Array.from(source.weights[i]!.read().dataSync())));
    expect(modelMetadata(model)).toEqual({
      architecture: 'MobileNet',
      preprocess: 'tf',
      weights: 'imagenet',
      weightsFile: join(search, 'mobilenet_2_5_128_tf_no_top.h5'),
    });
    model.dispose();
    source.dispose();
  });

  it("keras.applications' rules for the published weights are typed errors before anything is built", async () => {
    await expect(vgg16({ weights: 'imagenet', classes: 10 })).rejects.toThrow(/options\.classes/);
    await expect(resnet50({ weights: 'imagenet', inputShape: [200, 200, 3] })).rejects.toThrow(/\[224, 224, 3\]/);
    await expect(resnet50({ weights: 'imagenet', includeTop: false, inputShape: [64, 64, 1] })).rejects.toThrow(/3 channels/);
    await expect(alexnet({ weights: 'imagenet' })).rejects.toThrow(/Keras publishes no ImageNet weights for AlexNet/);
    await expect(mobilenet({ weights: 'imagenet', alpha: 0.3, includeTop: false })).rejects.toThrow(/options\.alpha/);
    await expect(mobilenet({ weights: 'imagenet', depthMultiplier: 2, includeTop: false })).rejects.toThrow(/depthMultiplier/);
    await expect(mobilenetV2({ weights: 'imagenet', alpha: 0.35, inputShape: [100, 100, 3] })).rejects.toThrow(/96, 128, 160, 192, 224/);
  });
});

describe("Keras' topological loading (layer order) when names differ", () => {
  const net = () =>
    tfl.sequential({
      layers: [tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3 }), tfl.layers.batchNormalization(), tfl.layers.flatten(), tfl.layers.dense({ units: 5 })],
    });

  it('auto-named layers of another build load by order, every shape checked', async () => {
    const a = net();
    const b = net(); // tfjs numbers auto names globally: b's names differ from a's
    expect(b.layers[0]!.name).not.toBe(a.layers[0]!.name);
    for (const w of a.weights) w.write(tf.tidy(() => tf.randomNormal(w.shape as number[], 0, 1, 'float32', 3)));
    const file = join(await fresh('order'), 'a.h5');
    await saveKerasH5Weights(a, file);
    const other = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 6, kernelSize: 3 }), tfl.layers.batchNormalization(), tfl.layers.flatten(), tfl.layers.dense({ units: 5 })] });
    const fewer = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2 })] });
    const before = tf.memory().numTensors;
    expect(await loadKerasWeights(b, file)).toEqual({ assigned: 8, by: 'order' }) // conv 2 + batch norm 4 + dense 2;
    expect(tf.memory().numTensors).toBe(before);
    b.weights.forEach((w, i) => expect(Array.from(w.read().dataSync())).toEqual(Array.from(a.weights[i]!.read().dataSync())));
    // The same build loads by name.
    expect((await loadKerasWeights(a, file)).by).toBe('name');
    // Another structure: a clear error, nothing written.
    await expect(loadKerasWeights(other, file)).rejects.toThrow(WeightsMismatchError);
    await expect(loadKerasWeights(fewer, file)).rejects.toThrow(/3 layers with weights/);
    expect(tf.memory().numTensors).toBe(before);
    [a, b, other, fewer].forEach((m) => m.dispose());
  });
});

describe("ImageNet labels in Keras' order", () => {
  const classIndex = () => Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [String(i), [`n${String(1440764 + i).padStart(8, '0')}`, i === 0 ? 'tench' : `class_${i}`]]));

  it('reads imagenet_class_index.json ("0": [wnid, name]) into 1000 labels', async () => {
    const file = join(await fresh('labels'), 'imagenet_class_index.json');
    await writeFile(file, JSON.stringify(classIndex()));
    const labels = await imagenetLabels({ path: file });
    expect(labels).toHaveLength(1000);
    expect(labels[0]).toBe('tench');
    expect((await imagenetClassIndex({ path: file }))[0]).toEqual({ wnid: 'n01440764', name: 'tench' });
  });

  it('resolves the file like weights (md5-checked) and rejects a malformed one', async () => {
    const search = await fresh('labels-search');
    await writeFile(join(search, 'imagenet_class_index.json'), JSON.stringify(classIndex()));
    // Not Keras' published file: its md5 differs.
    await expect(imagenetLabels({ searchPath: [search], offline: true })).rejects.toThrow(ChecksumMismatchError);
    const bad = join(search, 'bad.json');
    const broken = classIndex();
    delete broken['999'];
    await writeFile(bad, JSON.stringify(broken));
    await expect(imagenetLabels({ path: bad })).rejects.toThrow(/entry "999"/);
    const missing = await fresh('labels-missing');
    await expect(imagenetLabels({ searchPath: [missing], cacheDir: missing, offline: true })).rejects.toThrow(/download\.tensorflow\.org\/data\/imagenet_class_index\.json/);
  });
});
