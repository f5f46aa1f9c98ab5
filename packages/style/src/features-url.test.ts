/** vggFeatures({ weights: url }): the page's way to use real VGG-19 weights (a tfjs layers model served next to it). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fileSystem, ready, WeightsNotFoundError } from '@cnn/ops';
import { serveFolder } from '@cnn/ops/testing';
import { expect, it } from 'vitest';
import { vggFeatures } from './features.js';

it('loads VGG-19 weights from a URL by name and extracts the same features as the model they came from', async () => {
  await ready({ backend: 'wasm' });
  const dir = await mkdtemp(join(tmpdir(), 'cnn-style-url-'));
  const layers = { contentLayer: 'block2_conv1', styleLayers: [['block1_conv1', 0.5], ['block1_conv2', 0.5]] as [string, number][] };
  const source = await vggFeatures({ weights: 'random', seed: 11, ...layers });
  await source.model.save(fileSystem(join(dir, 'vgg')));
  const served = await serveFolder(dir);
  const url = `${served.url}vgg/`;
  try {
    const before = tf.memory().numTensors;
    const fetched = await vggFeatures({ weights: url, seed: 99, ...layers });
    const x = tf.randomUniform([1, 16, 16, 3], 0, 255, 'float32', 3) as tf.Tensor4D;
    const [a, b] = [source.extract(x), fetched.extract(x)];
    expect(Array.from(b.content.dataSync())).toEqual(Array.from(a.content.dataSync()));
    b.styles.forEach((s, i) => expect(Array.from(s.dataSync())).toEqual(Array.from(a.styles[i]!.dataSync())));
    tf.dispose([x, a.content, b.content, ...a.styles, ...b.styles]);
    fetched.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(vggFeatures({ weights: `${url}missing/`, ...layers })).rejects.toThrow(WeightsNotFoundError);
    expect(tf.memory().numTensors).toBe(before);
  } finally {
    source.dispose();
    await served.close();
    await rm(dir, { recursive: true, force: true });
  }
});
