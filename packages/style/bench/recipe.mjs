/**
 * What the benches share: the VGG-19 blocks 1-3 set-up (content block3_conv2, style block1..3_conv1,
 * 1/3 each; weights `vgg19-imagenet-block1-3` through CNN_WEIGHTS_PATH) and the picture pair it is measured on,
 * tubingen.jpg + starry_night.jpg (CNN_DATA_PATH `style-images`), both resized to size × size, float32 RGB 0-255.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage, resizeImage, resolveData } from '@cnn/ops';

export const BLOCKS_1_3 = {
  weights: 'vgg19-imagenet-block1-3',
  contentLayer: 'block3_conv2',
  styleLayers: [
    ['block1_conv1', 1 / 3],
    ['block2_conv1', 1 / 3],
    ['block3_conv1', 1 / 3],
  ],
};

/** stylize's default activationScale: its content costs carry scale², its style costs scale⁴. */
export const ACTIVATION_SCALE = 1 / 16;

/** tubingen (content) and starry night (style) at size × size. */
export async function loadStylePair(size) {
  const dir = await resolveData('style-images', { offline: true });
  const load = async (file) => {
    const img = await decodeImage(join(dir, file));
    const t = tf.tidy(() => tf.cast(resizeImage(img, [size, size]), 'float32'));
    img.dispose();
    return t;
  };
  return { content: await load('tubingen.jpg'), style: await load('starry_night.jpg') };
}
