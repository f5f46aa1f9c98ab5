/** Runs in its own process (vitest isolates files): ready() is never called here. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { expect, it, vi } from 'vitest';
import { conv2d } from '../conv/conv2d.js';

it('ops warn once, with the fix, when tfjs fell back to cpu because ready() was not awaited', async () => {
  await tf.setBackend('cpu');
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
  const f = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
  conv2d(x, f).dispose();
  conv2d(x, f).dispose();
  const calls = warn.mock.calls.filter((c) => String(c[0]).includes('@cnn/ops'));
  expect(calls).toHaveLength(1);
  expect(String(calls[0]![0])).toMatch(/await ready\(\)/);
  warn.mockRestore();
  tf.dispose([x, f]);
});
