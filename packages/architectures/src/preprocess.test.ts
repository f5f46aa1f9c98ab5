import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, expect, it } from 'vitest';
import { preprocessInput, preprocessModeFor } from './preprocess.js';
import { vggPreprocessInput } from './vgg.js';

beforeAll(async () => {
  await ready();
});

it("Keras preprocess_input modes on a known pixel (R, G, B) = (255, 128, 0)", async () => {
  const px = tf.tensor2d([[255, 128, 0]]);
  const close = (t: tf.Tensor, want: number[]) => Array.from(t.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
  close(preprocessInput(px, 'caffe'), [0 - 103.939, 128 - 116.779, 255 - 123.68]);
  close(preprocessInput(px, 'tf'), [1, 128 / 127.5 - 1, -1]);
  close(preprocessInput(px, 'torch'), [(1 - 0.485) / 0.229, (128 / 255 - 0.456) / 0.224, (0 - 0.406) / 0.225]);
  close(vggPreprocessInput(px), Array.from(preprocessInput(px, 'caffe').dataSync()));
  expect(preprocessModeFor('mobilenet_1.00_224')).toBe('tf');
  expect(preprocessModeFor('mobilenetv2_0.35_96')).toBe('tf');
  expect(preprocessModeFor('resnet50')).toBe('caffe');
  expect(() => preprocessModeFor('lenet5')).toThrow(/modelName/);
  expect(() => preprocessInput(tf.zeros([2, 4]), 'tf')).toThrow(/RGB/);
  expect(() => preprocessInput(px, 'keras' as never)).toThrow(/'mode'/);
  await expectNoLeaks(() => preprocessInput(px, 'torch').dispose());
  px.dispose();
});
