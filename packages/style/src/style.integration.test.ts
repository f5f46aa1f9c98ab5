/**
 * Real VGG-19 ImageNet weights (blocks 1-3: `vgg19-imagenet-block1-3` on CNN_WEIGHTS_PATH) on the style
 * images (CNN_DATA_PATH): content block3_conv2, style block1..3_conv1. CI runs a 128 px, 150-step version;
 * `pnpm bench` (bench/style-bench.mjs) runs the 256 px, 300-step measurement.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ready, writeImage } from '@cnn/ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentCost } from './costs.js';
import { vggFeatures, type VggFeatures } from './features.js';
import { stylize } from './stylize.js';
import { BLOCKS_1_3, loadStylePair } from '../bench/recipe.mjs';

const hasData = Boolean(process.env['CNN_WEIGHTS_PATH'] && process.env['CNN_DATA_PATH']);

describe.runIf(hasData)('style transfer with real VGG-19 weights (blocks 1-3)', () => {
  let features: VggFeatures;
  let content: tf.Tensor3D;
  let style: tf.Tensor3D;
  const size = 128;

  beforeAll(async () => {
    await ready({ backend: 'wasm' });
    features = await vggFeatures(BLOCKS_1_3);
    ({ content, style } = await loadStylePair(size));
  });

  it('128 px, 150 Adam steps from content + noise: style cost falls >= 100x; G stays closer to C than S is (J_content(C, G) < J_content(C, S))', async () => {
    const reference = tf.tidy(() => {
      const c = features.extract(content).content;
      const s = features.extract(style).content;
      return contentCost(c, s).dataSync()[0]! / 16 ** 2; // in the units of the default activationScale 1/16
    });
    const r = await stylize(content, style, features, { iterations: 150 });
    const first = r.losses[0]!;
    const last = r.losses.at(-1)!;
    console.log(`Adam 128 px: style ${first.style.toExponential(3)} -> ${last.style.toExponential(3)} (÷${(first.style / last.style).toFixed(0)}), content ${last.content.toExponential(3)} = ${((100 * last.content) / reference).toFixed(1)}% of J_content(C, S) ${reference.toExponential(3)}, ${r.seconds.toFixed(0)} s`);
    const out = process.env['CNN_REPORT_DIR'] ? join(process.env['CNN_REPORT_DIR'], 'pictures', 'style-tubingen-starry-128.png') : undefined;
    if (out) await writeImage(out, tf.tidy(() => tf.cast(r.image, 'int32')) as tf.Tensor3D);
    expect(first.style / last.style).toBeGreaterThanOrEqual(100);
    expect(last.content).toBeLessThan(reference);
    r.image.dispose();
  });
});

describe.skipIf(hasData)('style transfer with real VGG-19 weights', () => {
  it('needs CNN_WEIGHTS_PATH and CNN_DATA_PATH (CI sets them to ../shared)', () => {
    expect(hasData).toBe(false);
  });
});
