/**
 * Test references for the transform network (not exported): plain loops in double precision written from the
 * formulas (instance norm; TF's conv2d_transpose by its definition, the scatter of each input pixel through
 * the [h, w, out, in] filter; the whole network from ml5 variable ids), and ml5's own tf-ops forward pass
 * (ml5 `StyleTransfer`: convLayer, residualBlock, convTransposeLayer, instanceNorm), transcribed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { at4, convForward, ndarray, type NDArray } from '@cnn/ops/reference';
import { fastStyleVariableName } from './transform-net.js';

/** y = γ·(x − μ)/√(σ² + ε) + β per image and channel, μ and biased σ² over H, W. */
export function instanceNormReference(x: NDArray, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps = 1e-3): NDArray {
  const [m, h, w, c] = x.shape as [number, number, number, number];
  const y = ndarray(x.shape);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < c; k++) {
      let mean = 0;
      for (let a = 0; a < h; a++) for (let b = 0; b < w; b++) mean += x.data[at4(x, i, a, b, k)]!;
      mean /= h * w;
      let variance = 0;
      for (let a = 0; a < h; a++) for (let b = 0; b < w; b++) variance += (x.data[at4(x, i, a, b, k)]! - mean) ** 2;
      variance /= h * w;
      for (let a = 0; a < h; a++) for (let b = 0; b < w; b++) {
        const p = at4(x, i, a, b, k);
        y.data[p] = (gamma[k]! * (x.data[p]! - mean)) / Math.sqrt(variance + eps) + beta[k]!;
      }
    }
  }
  return y;
}

/**
 * TF conv2d_transpose with 'same' padding: output n·s; the forward conv it transposes pads
 * total = max((n − 1)·s + k − n·s, 0), ⌊total/2⌋ before; input pixel (y, x) adds x·W[i][j][o][c] at
 * output (y·s + i − before, x·s + j − before).
 */
export function conv2dTransposeReference(x: NDArray, W: NDArray, stride: number): NDArray {
  const [m, h, w, cIn] = x.shape as [number, number, number, number];
  const [kh, kw, cOut, wIn] = W.shape as [number, number, number, number];
  if (wIn !== cIn) throw new Error(`conv2dTransposeReference: filter in-channels ${wIn}, input ${cIn}`);
  const [oh, ow] = [h * stride, w * stride];
  const top = Math.floor(Math.max((h - 1) * stride + kh - oh, 0) / 2);
  const left = Math.floor(Math.max((w - 1) * stride + kw - ow, 0) / 2);
  const y = ndarray([m, oh, ow, cOut]);
  for (let n = 0; n < m; n++)
    for (let a = 0; a < h; a++)
      for (let b = 0; b < w; b++)
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) {
            const [p, q] = [a * stride + i - top, b * stride + j - left];
            if (p < 0 || p >= oh || q < 0 || q >= ow) continue;
            for (let o = 0; o < cOut; o++) {
              let s = 0;
              for (let c = 0; c < cIn; c++) s += x.data[at4(x, n, a, b, c)]! * W.data[at4(W, i, j, o, c)]!;
              y.data[at4(y, n, p, q, o)]! += s;
            }
          }
  return y;
}

const map = (x: NDArray, f: (v: number) => number): NDArray => ndarray(x.shape, x.data.map(f));
const add = (x: NDArray, y: NDArray): NDArray => ndarray(x.shape, x.data.map((v, i) => v + y.data[i]!));

/** The whole network in plain loops, from ml5 variables (name → NDArray), for r residual blocks. */
export function transformNetReference(x: NDArray, vars: ReadonlyMap<string, NDArray>, residualBlocks: number, eps = 1e-3): NDArray {
  const v = (id: number) => vars.get(fastStyleVariableName(id))!;
  const norm = (y: NDArray, id: number) => instanceNormReference(y, v(id + 2).data, v(id + 1).data, eps);
  const relu = (y: NDArray) => map(y, (t) => Math.max(t, 0));
  const conv = (y: NDArray, id: number, stride: number, r: boolean) => {
    const z = norm(convForward(y, v(id), undefined, { stride, pad: 'same' }).Z, id);
    return r ? relu(z) : z;
  };
  const deconv = (y: NDArray, id: number) => relu(norm(conv2dTransposeReference(y, v(id), 2), id));
  let h = conv(conv(conv(x, 0, 1, true), 3, 2, true), 6, 2, true);
  for (let k = 0; k < residualBlocks; k++) h = add(conv(conv(h, 9 + 6 * k, 1, true), 12 + 6 * k, 1, false), h);
  const r = residualBlocks;
  h = conv(deconv(deconv(h, 9 + 6 * r), 12 + 6 * r), 15 + 6 * r, 1, false);
  return map(h, (t) => Math.min(255, Math.max(0, Math.tanh(t) * 150 + 127.5)));
}

/** ml5's StyleTransfer forward pass (deeplearn.js era), on one image [H, W, 3] with tf ops. */
export function ml5TransformForward(image: tf.Tensor3D, vars: Readonly<Record<string, tf.Tensor>>, residualBlocks = 5): tf.Tensor3D {
  return tf.tidy(() => {
    const variable = (id: number) => vars[fastStyleVariableName(id)]!;
    const instanceNorm = (input: tf.Tensor3D, id: number) => {
      const { mean, variance } = tf.moments(input, [0, 1]);
      const normalized = tf.div(tf.sub(input, mean), tf.sqrt(tf.add(variance, 1e-3)));
      return tf.add(tf.mul(variable(id + 1), normalized), variable(id)) as tf.Tensor3D; // shift id, scale id + 1
    };
    const convLayer = (input: tf.Tensor3D, strides: number, relu: boolean, id: number) => {
      const y = instanceNorm(tf.conv2d(input, variable(id) as tf.Tensor4D, [strides, strides], 'same'), id + 1);
      return relu ? tf.relu(y) : y;
    };
    const convTransposeLayer = (input: tf.Tensor3D, filters: number, strides: number, id: number) => {
      const [height, width] = input.shape;
      const y = tf.conv2dTranspose(input, variable(id) as tf.Tensor4D, [height * strides, width * strides, filters], [strides, strides], 'same');
      return tf.relu(instanceNorm(y, id + 1));
    };
    const residualBlock = (input: tf.Tensor3D, id: number) => tf.add(convLayer(convLayer(input, 1, true, id), 1, false, id + 3), input) as tf.Tensor3D;
    let x = convLayer(convLayer(convLayer(image, 1, true, 0), 2, true, 3), 2, true, 6);
    for (let k = 0; k < residualBlocks; k++) x = residualBlock(x, 9 + 6 * k);
    const r = residualBlocks;
    const f2 = variable(9 + 6 * r).shape[2]!;
    const f1 = variable(12 + 6 * r).shape[2]!;
    x = convLayer(convTransposeLayer(convTransposeLayer(x, f2, 2, 9 + 6 * r), f1, 2, 12 + 6 * r), 1, false, 15 + 6 * r);
    return tf.clipByValue(tf.add(tf.mul(tf.tanh(x), 150), 127.5), 0, 255) as tf.Tensor3D;
  });
}

/** Deterministic random ml5-format variables for a net with `filters` and r residual blocks (tests). */
export function randomFastStyleVariables(filters: readonly [number, number, number], residualBlocks: number, seed = 1): Map<string, NDArray> {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const [c1, c2, c3] = filters;
  const vars = new Map<string, NDArray>();
  const put = (id: number, kernel: number[], out: number, amplitude: number) => {
    vars.set(fastStyleVariableName(id), ndarray(kernel, Array.from({ length: kernel.reduce((a, b) => a * b, 1) }, () => (2 * rand() - 1) * amplitude)));
    vars.set(fastStyleVariableName(id + 1), ndarray([out], Array.from({ length: out }, () => rand() - 0.5))); // shift
    vars.set(fastStyleVariableName(id + 2), ndarray([out], Array.from({ length: out }, () => 0.5 + rand()))); // scale
  };
  put(0, [9, 9, 3, c1], c1, 0.05);
  put(3, [3, 3, c1, c2], c2, 0.3);
  put(6, [3, 3, c2, c3], c3, 0.3);
  for (let k = 0; k < residualBlocks; k++) {
    put(9 + 6 * k, [3, 3, c3, c3], c3, 0.3);
    put(12 + 6 * k, [3, 3, c3, c3], c3, 0.3);
  }
  const r = residualBlocks;
  put(9 + 6 * r, [3, 3, c2, c3], c2, 0.3); // conv2d_transpose filters are [h, w, out, in]
  put(12 + 6 * r, [3, 3, c1, c2], c1, 0.3);
  put(15 + 6 * r, [9, 9, c1, 3], 3, 0.05);
  return vars;
}
