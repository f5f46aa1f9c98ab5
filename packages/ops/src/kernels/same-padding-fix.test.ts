import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { errorVsCpu, t4 } from './kernel-test-utils.js';

describe("forward convolutions with 'same' padding on wasm (stock XNNPACK path returns zeros when the padding would be negative)", () => {
  it('conv2d, depthwise and fused variants match cpu for every input size 1-12, kernel 1-4, stride 1-3', async () => {
    const err = await errorVsCpu(() => {
      const outs: tf.Tensor[] = [];
      for (let h = 1; h <= 12; h += 1)
        for (const w of [h, 8])
          for (const k of [1, 2, 3, 4])
            for (const s of [1, 2, 3]) {
              const x = t4([1, h, w, 2], h * 31 + w);
              outs.push(tf.conv2d(x, t4([k, k, 2, 3], k), s, 'same').flatten());
              outs.push(tf.depthwiseConv2d(x, t4([k, k, 2, 2], k + 9), s, 'same').flatten());
              outs.push(tf.fused.conv2d({ x, filter: t4([k, k, 2, 3], k), strides: s, pad: 'same', bias: tf.ones([3]), activation: 'relu' }).flatten());
              outs.push(tf.fused.depthwiseConv2d({ x, filter: t4([k, k, 2, 1], k + 3), strides: s, pad: 'same', bias: tf.ones([2]) }).flatten());
            }
      return tf.concat(outs);
    });
    expect(err).toBeLessThanOrEqual(1e-5);
  });

  it('the case that exposed it: 9×8 input, 2×2 ones kernel, stride 3 sums 4 pixels per output', async () => {
    await ready({ backend: 'wasm' });
    const y = tf.conv2d(tf.ones([1, 9, 8, 1]) as tf.Tensor4D, tf.ones([2, 2, 1, 1]) as tf.Tensor4D, 3, 'same');
    expect(Array.from(y.dataSync())).toEqual(new Array(9).fill(4));
    y.dispose();
  });
});
