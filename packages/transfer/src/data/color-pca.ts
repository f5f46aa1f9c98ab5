/**
 * AlexNet's PCA color augmentation (Krizhevsky, Sutskever & Hinton 2012, section 4.1): do PCA on the RGB
 * pixel values of the training set, then to every pixel of an image add
 *
 *   [p1, p2, p3] [a1 l1, a2 l2, a3 l3]^T,   a_i ~ N(0, 0.1) drawn once per image,
 *
 * where p_i, l_i are the eigenvectors and eigenvalues of the 3x3 RGB covariance. It shifts the image's
 * colors along the directions natural images vary in (mostly intensity, then illumination color).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, decodeImage, describeValue } from '@cnn/ops';
import { assertBatch, checkOptions, toFloat, type RandomOptions } from './augment-common.js';
import { normal, seededRandom, shuffleInPlace, toRandom } from './random.js';

/** Principal components of RGB pixels, on the 0-1 pixel scale (as published for ImageNet). */
export interface ColorPca {
  /** Eigenvalues of the RGB covariance, largest first. */
  eigenvalues: [number, number, number];
  /** 3x3, eigenvectors as columns: eigenvectors[channel][i] is component `channel` of eigenvector i. */
  eigenvectors: [[number, number, number], [number, number, number], [number, number, number]];
  /** Mean pixel, 0-255 (computed PCAs only). */
  mean?: [number, number, number];
  /** Pixels the covariance was computed from (computed PCAs only). */
  pixels?: number;
}

/**
 * The ImageNet values used by fb.resnet.torch, torchvision-style `Lighting` transforms and most AlexNet
 * reimplementations (0-1 pixel scale).
 */
export const IMAGENET_COLOR_PCA: Readonly<ColorPca> = Object.freeze({
  eigenvalues: Object.freeze([0.2175, 0.0188, 0.0045]),
  eigenvectors: Object.freeze([
    Object.freeze([-0.5675, 0.7192, 0.4009]),
    Object.freeze([-0.5808, -0.0045, -0.814]),
    Object.freeze([-0.5836, -0.6948, 0.4203]),
  ]),
}) as unknown as Readonly<ColorPca>;

export interface PcaColorAugmentOptions extends RandomOptions {
  /** Default IMAGENET_COLOR_PCA.eigenvalues (0-1 scale). */
  eigenvalues?: readonly number[];
  /** Columns are eigenvectors. Default IMAGENET_COLOR_PCA.eigenvectors. */
  eigenvectors?: readonly (readonly number[])[];
  /** Standard deviation of each a_i. Default 0.1 (the paper's). */
  std?: number;
  /** Explicit a per image ([b][3]) instead of random draws (to reproduce or test a shift). */
  alphas?: readonly (readonly number[])[];
  /** Pixel range of the batch: the 0-1 shift is multiplied by it. Default 255. */
  pixelScale?: number;
  /** Clip the result to [0, pixelScale]. Default true. */
  clip?: boolean;
}

function checkPca(eigenvalues: unknown, eigenvectors: unknown): void {
  if (!Array.isArray(eigenvalues) || eigenvalues.length !== 3 || !eigenvalues.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
    throw new InvalidArgumentError('options.eigenvalues', '3 finite numbers >= 0', describeValue(eigenvalues));
  }
  if (
    !Array.isArray(eigenvectors) || eigenvectors.length !== 3 ||
    !eigenvectors.every((row) => Array.isArray(row) && row.length === 3 && row.every((v) => typeof v === 'number' && Number.isFinite(v)))
  ) {
    throw new InvalidArgumentError('options.eigenvectors', 'a 3x3 array of finite numbers (eigenvectors as columns)', describeValue(eigenvectors));
  }
}

/**
 * The RGB shift AlexNet adds to an image for coefficients `alphas`: pixelScale * sum_i a_i l_i p_i.
 */
export function pcaColorShift(alphas: readonly number[], eigenvalues: readonly number[], eigenvectors: readonly (readonly number[])[], pixelScale = 255): [number, number, number] {
  const channel = (c: number) => pixelScale * [0, 1, 2].reduce((sum, i) => sum + eigenvectors[c]![i]! * alphas[i]! * eigenvalues[i]!, 0);
  return [channel(0), channel(1), channel(2)];
}

/** AlexNet PCA color augmentation on a batch [b, h, w, 3] of 0-255 pixels: one random RGB shift per image. */
export function pcaColorAugment(batch: tf.Tensor4D, options: PcaColorAugmentOptions = {}): tf.Tensor4D {
  assertBatch(batch, 'batch', 3);
  checkOptions(options, 'eigenvalues?, eigenvectors?, std?, alphas?, pixelScale?, clip?, random?');
  const eigenvalues = options.eigenvalues ?? IMAGENET_COLOR_PCA.eigenvalues;
  const eigenvectors = options.eigenvectors ?? IMAGENET_COLOR_PCA.eigenvectors;
  checkPca(eigenvalues, eigenvectors);
  const std = options.std ?? 0.1;
  if (typeof std !== 'number' || !Number.isFinite(std) || std < 0) throw new InvalidArgumentError('options.std', 'a finite number >= 0', describeValue(std));
  const pixelScale = options.pixelScale ?? 255;
  if (typeof pixelScale !== 'number' || !Number.isFinite(pixelScale) || pixelScale <= 0) {
    throw new InvalidArgumentError('options.pixelScale', 'a number > 0 (255 for 0-255 pixels, 1 for 0-1)', describeValue(pixelScale));
  }
  const clip = options.clip ?? true;
  if (typeof clip !== 'boolean') throw new InvalidArgumentError('options.clip', 'a boolean', describeValue(clip));
  const b = batch.shape[0];
  let alphas: (readonly number[])[];
  if (options.alphas !== undefined) {
    const a = options.alphas as unknown;
    if (!Array.isArray(a) || a.length !== b || !a.every((row) => Array.isArray(row) && row.length === 3 && row.every((v) => typeof v === 'number' && Number.isFinite(v)))) {
      throw new InvalidArgumentError('options.alphas', `${b} rows (one per image) of 3 finite numbers`, describeValue(a));
    }
    alphas = a as number[][];
  } else {
    const random = toRandom(options.random);
    alphas = Array.from({ length: b }, () => [normal(random, 0, std), normal(random, 0, std), normal(random, 0, std)]);
  }
  const shifts = alphas.flatMap((a) => pcaColorShift(a, eigenvalues, eigenvectors, pixelScale));
  return tf.tidy(() => {
    const x = tf.add(toFloat(batch), tf.tensor4d(shifts, [b, 1, 1, 3])) as tf.Tensor4D;
    return clip ? tf.clipByValue(x, 0, pixelScale) : x;
  });
}

/**
 * Eigen decomposition of a symmetric 3x3 matrix by cyclic Jacobi rotations. Eigenvalues largest first,
 * eigenvectors as columns, each with its largest-magnitude component positive.
 */
export function symmetricEigen3(matrix: readonly (readonly number[])[]): Pick<ColorPca, 'eigenvalues' | 'eigenvectors'> {
  const a = matrix.map((row) => [...row]);
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const pairs = [
    [0, 1],
    [0, 2],
    [1, 2],
  ] as const;
  const scale = Math.max(1e-300, ...a.flat().map(Math.abs));
  for (let sweep = 0; sweep < 64; sweep++) {
    const off = a[0]![1]! ** 2 + a[0]![2]! ** 2 + a[1]![2]! ** 2;
    if (off <= (1e-30 * scale) ** 2) break;
    for (const [p, q] of pairs) {
      const apq = a[p]![q]!;
      if (Math.abs(apq) <= 1e-300) continue;
      // Numerical Recipes' rotation that zeroes a[p][q]: A <- J^T A J, V <- V J.
      const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
      const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k]![p]!;
        const akq = a[k]![q]!;
        a[k]![p] = c * akp - s * akq;
        a[k]![q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p]![k]!;
        const aqk = a[q]![k]!;
        a[p]![k] = c * apk - s * aqk;
        a[q]![k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k]![p]!;
        const vkq = v[k]![q]!;
        v[k]![p] = c * vkp - s * vkq;
        v[k]![q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => a[j]![j]! - a[i]![i]!);
  const vectors = order.map((i) => {
    const col = [v[0]![i]!, v[1]![i]!, v[2]![i]!];
    const big = col.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0);
    return big < 0 ? col.map((x) => -x) : col;
  });
  return {
    eigenvalues: order.map((i) => a[i]![i]!) as [number, number, number],
    eigenvectors: [0, 1, 2].map((c) => vectors.map((col) => col[c]!)) as ColorPca['eigenvectors'],
  };
}

/** Loads an image file as an RGB [h, w, 3] tensor (0-255). Default: @cnn/ops decodeImage. */
export type ImageLoader = (path: string) => Promise<tf.Tensor3D>;

export interface ComputeColorPcaOptions {
  /** Files only: at most this many images, a seeded random sample (default 1000). */
  maxImages?: number;
  /** Files only: at most about this many pixels per image, taken at an even stride (default 10000). */
  maxPixelsPerImage?: number;
  /** Seed of the image sample (default 0). */
  seed?: number;
  /** Files only: how to load an image (default decodeImage(path, { channels: 3 })). */
  decode?: ImageLoader;
}

/** Running sums of x and x x^T over RGB pixels (float64, 0-1 scale). */
class CovarianceSums {
  n = 0;
  readonly sum = [0, 0, 0];
  readonly outer = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  add(data: ArrayLike<number>, stride = 1): void {
    const pixels = data.length / 3;
    for (let p = 0; p < pixels; p += stride) {
      const r = data[3 * p]! / 255;
      const g = data[3 * p + 1]! / 255;
      const b = data[3 * p + 2]! / 255;
      this.n++;
      this.sum[0]! += r;
      this.sum[1]! += g;
      this.sum[2]! += b;
      const o = this.outer;
      o[0]! += r * r;
      o[1]! += r * g;
      o[2]! += r * b;
      o[4]! += g * g;
      o[5]! += g * b;
      o[8]! += b * b;
    }
  }
  result(): ColorPca {
    if (this.n === 0) throw new InvalidArgumentError('source', 'at least one pixel', 'none');
    const m = this.sum.map((s) => s / this.n);
    const cov = (i: number, j: number) => this.outer[3 * Math.min(i, j) + Math.max(i, j)]! / this.n - m[i]! * m[j]!;
    const matrix = [0, 1, 2].map((i) => [0, 1, 2].map((j) => cov(i, j)));
    return { ...symmetricEigen3(matrix), mean: m.map((x) => x * 255) as [number, number, number], pixels: this.n };
  }
}

/**
 * PCA of RGB pixels for pcaColorAugment: the 3x3 covariance (population, pixels on the 0-1 scale, as the
 * published ImageNet values) of a tensor [..., 3] or tensors of 0-255 pixels, or of image files / items (a
 * seeded sample of at most maxImages, decoded one at a time, so memory stays at one image), then its eigen
 * decomposition. Leaves no tensors behind (and does not dispose the tensors passed in).
 */
export async function computeColorPca(
  source: tf.Tensor | readonly tf.Tensor[] | readonly (string | { path: string })[],
  options: ComputeColorPcaOptions = {},
): Promise<ColorPca> {
  checkOptions(options, 'maxImages?, maxPixelsPerImage?, seed?, decode?');
  const sums = new CovarianceSums();
  const addTensor = async (t: tf.Tensor, argument: string, stride = 1) => {
    if (!(t instanceof tf.Tensor) || t.isDisposed || t.rank < 1 || t.shape[t.rank - 1] !== 3) {
      throw new InvalidArgumentError(argument, 'a tensor [..., 3] of RGB pixels', describeValue(t));
    }
    sums.add(await t.data(), stride);
  };
  if (source instanceof tf.Tensor) {
    await addTensor(source, 'source');
    return sums.result();
  }
  if (!Array.isArray(source) || source.length === 0) {
    throw new InvalidArgumentError('source', 'a tensor [..., 3], a non-empty array of tensors, or of image paths / { path } items', describeValue(source));
  }
  if (source.every((s) => s instanceof tf.Tensor)) {
    for (let i = 0; i < source.length; i++) await addTensor(source[i] as tf.Tensor, `source[${i}]`);
    return sums.result();
  }
  const paths = (source as unknown[]).map((s, i) => {
    const path = typeof s === 'string' ? s : (s as { path?: unknown } | null)?.path;
    if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError(`source[${i}]`, 'an image path or a { path } item', describeValue(s));
    return path;
  });
  const maxImages = options.maxImages ?? 1000;
  const maxPixels = options.maxPixelsPerImage ?? 10000;
  if (!Number.isInteger(maxImages) || maxImages < 1) throw new InvalidArgumentError('options.maxImages', 'an integer >= 1', describeValue(maxImages));
  if (!Number.isInteger(maxPixels) || maxPixels < 1) throw new InvalidArgumentError('options.maxPixelsPerImage', 'an integer >= 1', describeValue(maxPixels));
  const decode = options.decode ?? ((path: string) => decodeImage(path, { channels: 3 }));
  const sample = paths.length > maxImages ? shuffleInPlace([...paths], seededRandom(options.seed ?? 0)).slice(0, maxImages) : paths;
  for (const path of sample) {
    const image = await decode(path);
    try {
      const pixels = image.size / 3;
      await addTensor(image, `the image '${path}'`, Math.max(1, Math.floor(pixels / maxPixels)));
    } finally {
      image.dispose();
    }
  }
  return sums.result();
}
