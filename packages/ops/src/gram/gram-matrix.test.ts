import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { gramMatrixReference } from '../reference/normalization.js';
import { randomPair } from '../test-support/random.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { gramMatrix } from './gram-matrix.js';

describeEachBackend('gramMatrix', () => {
  it('equals A·Aᵀ of the unrolled activations, and its gradient is (G + Gᵀ)-shaped: d/dA Σ(W ⊙ G) = A(W + Wᵀ)', () => {
    const a = randomPair([4, 5, 3], 31);
    const ref = gramMatrixReference(a.nd);
    const g = gramMatrix(a.t as tf.Tensor3D);
    expectTensorsClose(g, tf.tensor(Float32Array.from(ref.data), [3, 3]));
    expectTensorsClose(gramMatrix(tf.expandDims(a.t, 0) as tf.Tensor4D), g);
    const w = randomPair([3, 3], 32);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gramMatrix(t as tf.Tensor3D), w.t)))(a.t);
    // Plain-loop reference: dA[p, i] = Σ_j A[p, j] (W[i, j] + W[j, i])
    const expected = new Float32Array(60);
    for (let p = 0; p < 20; p++)
      for (let i = 0; i < 3; i++) {
        let s = 0;
        for (let j = 0; j < 3; j++) s += a.nd.data[p * 3 + j]! * (w.nd.data[i * 3 + j]! + w.nd.data[j * 3 + i]!);
        expected[p * 3 + i] = s;
      }
    expectTensorsClose(grad, tf.tensor(expected, [4, 5, 3]));
  });

  it('does not leak; rejects batches and wrong ranks', async () => {
    const a = tf.ones([2, 2, 4]) as tf.Tensor3D;
    await expectNoLeaks(() => gramMatrix(a).dispose());
    expect(() => gramMatrix(tf.ones([2, 2, 2, 4]) as tf.Tensor4D)).toThrow(/activations/);
    expect(() => gramMatrix(tf.ones([4]) as never)).toThrow(/activations/);
    a.dispose();
  });
});
