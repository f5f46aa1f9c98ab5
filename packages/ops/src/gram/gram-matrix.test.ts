import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/errors.js';
import { gramMatrixBackward, gramMatrixReference } from '../reference/gram.js';
import { type NDArray } from '../reference/ndarray.js';
import { randomPair } from '../test-support/random.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { gramMatrix } from './gram-matrix.js';

const refT = (a: NDArray) => tf.tensor(Float32Array.from(a.data), a.shape);

describeEachBackend('gramMatrix', () => {
  it.each([
    [4, 5, 3],
    [1, 1, 1],
    [7, 3, 8],
  ])('[%i, %i, %i]: G = A·Aᵀ of the unrolled activations, symmetric; [1, H, W, C] gives the same', (h, w, c) => {
    const a = randomPair([h, w, c], 31);
    const g = gramMatrix(a.t as tf.Tensor3D);
    expect(g.shape).toEqual([c, c]);
    expectTensorsClose(g, refT(gramMatrixReference(a.nd)));
    expectTensorsClose(g, tf.transpose(g));
    expectTensorsClose(gramMatrix(tf.expandDims(a.t, 0) as tf.Tensor4D), g);
  });

  it("gradient vs the reference: dA = A·(dG + dGᵀ); through a style cost Σ(G − G_target)²", () => {
    const a = randomPair([4, 5, 3], 32);
    const dG = randomPair([3, 3], 33);
    const grad = tf.grad((t: tf.Tensor) => gramMatrix(t as tf.Tensor3D))(a.t, dG.t);
    expectTensorsClose(grad, refT(gramMatrixBackward(dG.nd, a.nd)));
    const target = randomPair([3, 3], 34);
    const cost = (t: tf.Tensor) => tf.sum(tf.square(tf.sub(gramMatrix(t as tf.Tensor4D), target.t)));
    const g4 = tf.grad(cost)(tf.expandDims(a.t, 0));
    // dJ/dG = 2(G − G_target)
    const G = gramMatrixReference(a.nd);
    const dJ = { shape: [3, 3], data: G.data.map((v, i) => 2 * (v - target.nd.data[i]!)) };
    expectTensorsClose(g4, tf.expandDims(refT(gramMatrixBackward(dJ, a.nd)), 0));
  });

  it('does not leak (forward and backward); bad input is a typed error naming the argument', async () => {
    const a = tf.ones([2, 2, 4]) as tf.Tensor3D;
    await expectNoLeaks(() => {
      gramMatrix(a).dispose();
      tf.grad((t: tf.Tensor) => tf.sum(gramMatrix(t as tf.Tensor3D)))(a).dispose();
    });
    const bad = (fn: () => unknown, message: RegExp) => {
      expect(fn).toThrow(InvalidArgumentError);
      expect(fn).toThrow(message);
    };
    bad(() => gramMatrix(tf.ones([2, 2, 2, 4]) as tf.Tensor4D), /'activations'.*a batch of 2/);
    bad(() => gramMatrix(tf.ones([4]) as never), /'activations'.*rank-3 or 4/);
    bad(() => gramMatrix(tf.ones([2, 2, 3], 'int32') as never), /'activations'.*float32/);
    bad(() => gramMatrix(tf.ones([0, 2, 3]) as tf.Tensor3D), /'activations'.*non-empty/);
    bad(() => gramMatrix(null as never), /'activations'.*received null/);
    a.dispose();
  });
});
