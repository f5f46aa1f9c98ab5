/**
 * Keeping the content's colors (Gatys et al. 2016, "Preserving color in neural artistic style transfer"):
 *  - `luminanceTransfer(result, content)`: keep the stylized image's luminance, take the content's chroma
 *    (YIQ), so only brush strokes and texture move over;
 *  - `matchColors(style, content)`: before stylizing, give the style image the content's color statistics
 *    (mean and covariance of RGB, matched by the symmetric linear map of the paper), so the style brings its
 *    texture but not its palette.
 * Images are RGB [H, W, 3] in 0-255; results stay in 0-255.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertTensor, InvalidArgumentError } from '@cnn/ops';

// RGB -> YIQ (NTSC) and its inverse.
const RGB2YIQ = [
  [0.299, 0.587, 0.114],
  [0.595716, -0.274453, -0.321263],
  [0.211456, -0.522591, 0.311135],
];

function invert3(m: number[][]): number[][] {
  const [a, b, c] = m[0]!;
  const [d, e, f] = m[1]!;
  const [g, h, i] = m[2]!;
  const A = e! * i! - f! * h!;
  const B = -(d! * i! - f! * g!);
  const C = d! * h! - e! * g!;
  const det = a! * A + b! * B + c! * C;
  return [
    [A / det, -(b! * i! - c! * h!) / det, (b! * f! - c! * e!) / det],
    [B / det, (a! * i! - c! * g!) / det, -(a! * f! - c! * d!) / det],
    [C / det, -(a! * h! - b! * g!) / det, (a! * e! - b! * d!) / det],
  ];
}
const YIQ2RGB = invert3(RGB2YIQ);

function checkRgb(x: tf.Tensor, name: string): void {
  assertTensor(x, name, { rank: 3 });
  if (x.shape[2] !== 3) throw new InvalidArgumentError(name, 'an RGB image [H, W, 3]', `shape [${x.shape}]`);
}

/** Pixels [H, W, 3] times a 3×3 matrix (row vectors: p' = M·p). */
function apply3(x: tf.Tensor3D, m: number[][]): tf.Tensor3D {
  return tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(tf.cast(x, 'float32'), [-1, 3]), tf.tensor2d(m), false, true), x.shape) as tf.Tensor3D);
}

/** The stylized image's luminance with the content image's chroma (YIQ). Same size required. */
export function luminanceTransfer(result: tf.Tensor3D, content: tf.Tensor3D): tf.Tensor3D {
  checkRgb(result, 'result');
  checkRgb(content, 'content');
  if (result.shape.join() !== content.shape.join()) throw new InvalidArgumentError('content', `an image of the result's size [${result.shape}]`, `shape [${content.shape}]`);
  return tf.tidy(() => {
    const y = tf.slice(apply3(result, RGB2YIQ), [0, 0, 0], [-1, -1, 1]);
    const iq = tf.slice(apply3(content, RGB2YIQ), [0, 0, 1], [-1, -1, 2]);
    return tf.clipByValue(apply3(tf.concat([y, iq], 2) as tf.Tensor3D, YIQ2RGB), 0, 255) as tf.Tensor3D;
  });
}

/** Symmetric 3×3 matrix to the power p (Jacobi eigen-decomposition), for covariance square roots. */
export function symmetricPower(m: number[][], p: number): number[][] {
  const a = m.map((r) => [...r]);
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) off += a[i]![j]! ** 2;
    if (off < 1e-20) break;
    for (let pI = 0; pI < 3; pI++) {
      for (let q = pI + 1; q < 3; q++) {
        if (Math.abs(a[pI]![q]!) < 1e-300) continue;
        const theta = (a[q]![q]! - a[pI]![pI]!) / (2 * a[pI]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < 3; k++) {
          const akp = a[k]![pI]!;
          const akq = a[k]![q]!;
          a[k]![pI] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < 3; k++) {
          const apk = a[pI]![k]!;
          const aqk = a[q]![k]!;
          a[pI]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < 3; k++) {
          const vkp = v[k]![pI]!;
          const vkq = v[k]![q]!;
          v[k]![pI] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const lambda = [0, 1, 2].map((i) => Math.max(a[i]![i]!, 1e-8) ** p);
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => v[i]![0]! * lambda[0]! * v[j]![0]! + v[i]![1]! * lambda[1]! * v[j]![1]! + v[i]![2]! * lambda[2]! * v[j]![2]!));
}

async function stats(x: tf.Tensor3D): Promise<{ mean: number[]; cov: number[][] }> {
  const px = tf.tidy(() => tf.reshape(tf.cast(x, 'float32'), [-1, 3]));
  const data = await px.data();
  px.dispose();
  const n = data.length / 3;
  const mean = [0, 0, 0];
  for (let i = 0; i < data.length; i++) mean[i % 3]! += data[i]! / n;
  const cov = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) cov[a]![b]! += ((data[3 * i + a]! - mean[a]!) * (data[3 * i + b]! - mean[b]!)) / n;
  }
  return { mean, cov };
}

/**
 * The style image recolored to the content image's color statistics: x' = A·(x − μ_S) + μ_C with
 * A = Σ_C^½·Σ_S^−½ (Gatys et al. 2016, "image analogies" variant), clipped to 0-255.
 */
export async function matchColors(style: tf.Tensor3D, content: tf.Tensor3D): Promise<tf.Tensor3D> {
  checkRgb(style, 'style');
  checkRgb(content, 'content');
  const [s, c] = [await stats(style), await stats(content)];
  const half = symmetricPower(c.cov, 0.5);
  const invHalf = symmetricPower(s.cov, -0.5);
  const A = half.map((r) => [0, 1, 2].map((j) => r[0]! * invHalf[0]![j]! + r[1]! * invHalf[1]![j]! + r[2]! * invHalf[2]![j]!));
  return tf.tidy(() => tf.clipByValue(tf.add(apply3(tf.sub(tf.cast(style, 'float32'), tf.tensor1d(s.mean)) as tf.Tensor3D, A), tf.tensor1d(c.mean)), 0, 255) as tf.Tensor3D);
}
