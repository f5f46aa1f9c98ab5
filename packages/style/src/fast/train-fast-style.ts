/**
 * Training a fast style net (Johnson et al. 2016): instead of optimizing the pixels of one image (`stylize`),
 * optimize the weights of a transform network T so that, for every content image x of a training set,
 * y = T(x) minimizes this package's costs against one fixed style image S:
 *
 *   J(x) = α·J_content(VGG(x), VGG(y)) + β·Σ_l λ_l·J_style_layer(Gram_l(S), VGG_l(y)) + γ·TV(y)
 *
 * averaged over a batch, with Adam on T's weights (VGG stays fixed). The content layer, style layers and their
 * λ are the VggFeatures' (`vggFeatures({ contentLayer, styleLayers })`); activations are scaled by
 * `activationScale` first, as in `stylize`. The style Grams are computed once, at the style image's own size,
 * and divided by its number of positions (n_H·n_W), then multiplied by the generated layer's n_H·n_W in each
 * cost: a style image of another size than the training images still compares like with like.
 *
 * How to train a real one (what ml5's nets are; lengstrom/fast-style-transfer's recipe):
 *   - data: a large set of natural photos, e.g. MS-COCO train2014 (~83k images), each resized / cropped to
 *     256×256, fed as an async iterable of [256, 256, 3] tensors (decodeImage + resizeImage) — or an array
 *     for a small set (arrays are cycled; an iterable is read once);
 *   - net: `transformNet()` (32/64/128 filters, 5 residual blocks); features: `vggFeatures()` with ImageNet
 *     weights, content `block4_conv2` (or `block3_conv2` with the offline blocks 1-3 file), style
 *     block1..5_conv1 (or block1..3_conv1);
 *   - batch 4, Adam learning rate 1e-3, about 2 epochs of COCO (≈ 40 000 steps); tune β/α per style (the
 *     style weight sets how strongly it is painted) and γ against checkerboard noise, watching `onStep`.
 *     The defaults (α 10, β 40, activationScale 1/16) are `stylize`'s balance, untested on a full run. For
 *     scale: an untrained net (16/32/64 filters, 3 blocks) on 64 px photos with VGG-19 blocks 1-3 (content
 *     block3_conv2, style block1..3_conv1 at λ 1/3, starry_night at 192×128) starts at J_content ≈ 250,
 *     J_style ≈ 1.2e4, TV ≈ 3e4 (a noisy output; photos have TV ~1e2-1e3), and 30 Adam steps at 1e-2
 *     brought J_style to 4.1e3 (wasm, 2 busy cores: 1.7 s a step of 3 images);
 *   - then `writeFastStyle(net, dir)` (ml5's format) and `loadFastStyle(dir)` + `fastStylize`.
 * A step runs VGG forward on 2·batch images and backward through VGG and T. Johnson et al. report about
 * 4 hours for 40 000 steps on one GTX Titan X: a GPU backend is what makes it practical — install
 * `@tensorflow/tfjs-node-gpu` (CUDA) and `ready()` picks it. On wasm (2 cores) one step at 256×256, batch 4
 * extrapolates from the measurement above to tens of seconds, i.e. weeks for a full run: use wasm for small
 * experiments (small `filters`, 64-128 px, fine-tuning a loaded net) and the unit test's miniature run.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { AbortedError, assertTensor, describeValue, gramMatrix, InvalidArgumentError } from '@cnn/ops';
import { contentCost, styleLayerCostFromGram, totalVariation } from '../costs.js';
import type { VggFeatures } from '../features.js';

/** Content images: an array (cycled through, the caller's tensors) or an iterable read once (its tensors are disposed after use). */
export type ContentImages = readonly tf.Tensor[] | Iterable<tf.Tensor> | AsyncIterable<tf.Tensor>;

export interface TrainFastStyleOptions {
  /** The transform net to train in place (`transformNet()` or `loadFastStyle()` to fine-tune). */
  net: tfl.LayersModel;
  /** VGG features: their content layer, style layers and weights λ define the costs. */
  features: VggFeatures;
  /** The style image, RGB 0-255 [H, W, 3] (any size ≥ 16×16). */
  styleImage: tf.Tensor3D;
  /**
   * Training images, RGB 0-255, each [H, W, 3] or a batch [B, H, W, 3]; all of one size within a batch
   * (H, W multiples of 4). Arrays are cycled and never disposed; tensors an iterable yields are disposed
   * after their step.
   */
  contentImages: ContentImages;
  /** Optimizer steps (one batch each). */
  steps: number;
  /** Images per step (default 4). */
  batchSize?: number;
  /** Adam learning rate (default 1e-3, Johnson et al. / lengstrom). */
  learningRate?: number;
  /** α: content weight (default 10, as `stylize`). */
  contentWeight?: number;
  /** β: style weight (default 40, as `stylize`). */
  styleWeight?: number;
  /** γ: total-variation weight on the output pixels (default 0.01, a mild smoothing; TV is in pixel² units). */
  tvWeight?: number;
  /** Activations are multiplied by this before the costs (default 1/16, as `stylize`). */
  activationScale?: number;
  /** Called after each step with its losses (averaged over the batch). */
  onStep?: (losses: FastStyleStepLosses) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface FastStyleStepLosses {
  step: number;
  /** α·content + β·style + γ·tv. */
  total: number;
  content: number;
  style: number;
  tv: number;
  /** Images in this step's batch. */
  batch: number;
  seconds: number;
}

export interface TrainFastStyleResult {
  losses: FastStyleStepLosses[];
  steps: number;
  seconds: number;
  /** 'steps' (all done) or 'data' (an iterable ran out first). */
  stopped: 'steps' | 'data';
}

interface Single {
  image: tf.Tensor3D;
  owned: boolean;
}

function* split(t: unknown, owned: boolean, index: number): Generator<Single> {
  assertTensor(t, `contentImages[${index}]`, { rank: [3, 4], dtype: ['int32', 'float32'] });
  if (t.shape[t.rank - 1] !== 3) throw new InvalidArgumentError(`contentImages[${index}]`, 'RGB images [H, W, 3] or [B, H, W, 3]', describeValue(t));
  if (t.rank === 3) {
    yield { image: t as tf.Tensor3D, owned };
    return;
  }
  const parts = tf.unstack(t) as tf.Tensor3D[];
  if (owned) t.dispose();
  let next = 0;
  try {
    while (next < parts.length) yield { image: parts[next++]!, owned: true };
  } finally {
    for (let j = next; j < parts.length; j++) parts[j]!.dispose(); // the consumer stopped early
  }
}

async function* singles(source: ContentImages): AsyncGenerator<Single> {
  if (Array.isArray(source)) {
    if (source.length === 0) throw new InvalidArgumentError('contentImages', 'at least one image', 'an empty array');
    for (;;) for (let k = 0; k < source.length; k++) yield* split(source[k], false, k);
  } else if (source == null || (typeof (source as AsyncIterable<tf.Tensor>)[Symbol.asyncIterator] !== 'function' && typeof (source as Iterable<tf.Tensor>)[Symbol.iterator] !== 'function')) {
    throw new InvalidArgumentError('contentImages', 'an array, iterable or async iterable of image tensors', describeValue(source));
  } else {
    let i = 0;
    for await (const t of source as AsyncIterable<tf.Tensor>) yield* split(t, true, i++);
  }
}

/** Batches of [B, H, W, 3] float32 (ours to dispose). */
async function* batches(source: ContentImages, batchSize: number): AsyncGenerator<tf.Tensor4D> {
  let pending: Single[] = [];
  const flush = () => {
    const [h, w] = pending[0]!.image.shape;
    const bad = pending.find((s) => s.image.shape[0] !== h || s.image.shape[1] !== w);
    try {
      if (bad) throw new InvalidArgumentError('contentImages', `images of one size within a batch ([${h}, ${w}, 3])`, `[${bad.image.shape}]`, 'Resize or crop the training images to one size.');
      return tf.tidy(() => tf.cast(tf.stack(pending.map((s) => s.image)), 'float32') as tf.Tensor4D);
    } finally {
      for (const s of pending) if (s.owned) s.image.dispose();
      pending = [];
    }
  };
  try {
    for await (const s of singles(source)) {
      pending.push(s);
      if (pending.length === batchSize) yield flush();
    }
    if (pending.length > 0) yield flush();
  } finally {
    for (const s of pending) if (s.owned) s.image.dispose();
  }
}

function positive(value: number | undefined, fallback: number, name: string, allowZero = true): number {
  const v = value ?? fallback;
  if (!(Number.isFinite(v) && (allowZero ? v >= 0 : v > 0))) throw new InvalidArgumentError(`options.${name}`, allowZero ? 'a non-negative number' : 'a positive number', String(value));
  return v;
}

/**
 * Trains `net` in place with Adam on the costs above and returns the losses of every step. Aborting through
 * `signal` throws AbortedError (the net keeps the steps done). Leaves no tensors behind.
 */
export async function trainFastStyle(options: TrainFastStyleOptions): Promise<TrainFastStyleResult> {
  const { net, features, styleImage } = options;
  if (!net || typeof (net as tfl.LayersModel).apply !== 'function') throw new InvalidArgumentError('options.net', 'a transform net (tfjs-layers model)', describeValue(net));
  if (!features || typeof (features as VggFeatures).extract !== 'function') throw new InvalidArgumentError('options.features', 'a VggFeatures (vggFeatures())', describeValue(features));
  assertTensor(styleImage, 'options.styleImage', { rank: 3, dtype: ['int32', 'float32'] });
  if (styleImage.shape[2] !== 3 || styleImage.shape[0] < 16 || styleImage.shape[1] < 16) throw new InvalidArgumentError('options.styleImage', 'an RGB image [H >= 16, W >= 16, 3] in 0-255', describeValue(styleImage));
  const steps = options.steps;
  if (!Number.isInteger(steps) || steps < 1) throw new InvalidArgumentError('options.steps', 'a positive integer', String(steps));
  const batchSize = options.batchSize ?? 4;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError('options.batchSize', 'a positive integer', String(options.batchSize));
  const alpha = positive(options.contentWeight, 10, 'contentWeight');
  const beta = positive(options.styleWeight, 40, 'styleWeight');
  const gamma = positive(options.tvWeight, 1e-2, 'tvWeight');
  const scale = positive(options.activationScale, 1 / 16, 'activationScale', false);
  const learningRate = positive(options.learningRate, 1e-3, 'learningRate', false);
  const lambdas = features.styleLayers.map((s) => s[1]);
  const started = performance.now();

  // Style targets, once: per-position Grams Gram(s·a_S) / (n_H·n_W) of each style layer.
  const styleGrams = tf.tidy(() =>
    features.extract(tf.cast(styleImage, 'float32') as tf.Tensor3D).styles.map((a) => {
      const [, h, w] = a.shape;
      return tf.div(gramMatrix(tf.mul(a, scale) as tf.Tensor4D), h * w) as tf.Tensor2D;
    }),
  );
  const variables = net.trainableWeights.map((w) => w.read() as tf.Variable);
  const adam = tf.train.adam(learningRate);
  const losses: FastStyleStepLosses[] = [];
  let stopped: TrainFastStyleResult['stopped'] = 'data';
  try {
    let step = 0;
    if (options.signal?.aborted) throw new AbortedError('trainFastStyle');
    for await (const x of batches(options.contentImages, batchSize)) {
      let parts!: { content: tf.Scalar; style: tf.Scalar; tv: tf.Scalar };
      let total: tf.Scalar;
      const b = x.shape[0];
      let target: tf.Tensor4D | undefined;
      try {
        // Checked here, not inside minimize: tensors saved for the backward pass leak when its function throws.
        if (x.shape[1] % 4 !== 0 || x.shape[2] % 4 !== 0) throw new InvalidArgumentError('contentImages', 'H and W multiples of 4 (the transform net returns 4·⌈H/4⌉)', `[${x.shape.slice(1)}]`, 'Resize or crop the training images.');
        // The content targets hold no gradient path to the net: computed outside the tape.
        target = tf.tidy(() => features.extract(x).content);
        total = adam.minimize(
          () => {
            const y = net.apply(x, { training: true }) as tf.Tensor4D;
            if (y.shape.join() !== x.shape.join()) throw new InvalidArgumentError('contentImages', 'H and W multiples of 4 (the transform net returns 4·⌈H/4⌉)', `[${x.shape.slice(1)}] -> [${y.shape.slice(1)}]`);
            const generated = features.extract(y);
            const one = (t: tf.Tensor4D, i: number) => tf.mul(tf.slice(t, [i, 0, 0, 0], [1, -1, -1, -1]), scale) as tf.Tensor4D;
            const perImage = Array.from({ length: b }, (_, i) => {
              const jc = contentCost(one(target!, i), one(generated.content, i));
              const js = tf.addN(
                generated.styles.map((a, l) => {
                  const [, h, w] = a.shape;
                  return tf.mul(styleLayerCostFromGram(tf.mul(styleGrams[l]!, h * w) as tf.Tensor2D, one(a, i)), lambdas[l]!);
                }),
              );
              const tv = totalVariation(tf.slice(y, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D);
              return { jc, js, tv };
            });
            const mean = (k: 'jc' | 'js' | 'tv') => tf.div(tf.addN(perImage.map((p) => p[k])), b) as tf.Scalar;
            parts = { content: tf.keep(mean('jc')), style: tf.keep(mean('js')), tv: tf.keep(mean('tv')) };
            return tf.addN([tf.mul(parts.content, alpha), tf.mul(parts.style, beta), tf.mul(parts.tv, gamma)]) as tf.Scalar;
          },
          true,
          variables,
        )!;
      } finally {
        tf.dispose([x, ...(target ? [target] : [])]);
      }
      step++;
      const [t, c, s, v] = await Promise.all([total, parts.content, parts.style, parts.tv].map(async (k) => (await k.data())[0]!));
      tf.dispose([total, parts.content, parts.style, parts.tv]);
      const entry: FastStyleStepLosses = { step, total: t!, content: c!, style: s!, tv: v!, batch: b, seconds: (performance.now() - started) / 1000 };
      losses.push(entry);
      await options.onStep?.(entry);
      if (step >= steps) {
        stopped = 'steps';
        break;
      }
      if (options.signal?.aborted) throw new AbortedError('trainFastStyle');
    }
  } finally {
    adam.dispose();
    tf.dispose(styleGrams);
  }
  return { losses, steps: losses.length, seconds: (performance.now() - started) / 1000, stopped };
}
