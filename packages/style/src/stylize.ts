/**
 * Neural style transfer by optimizing the pixels (Gatys et al.; the course's version): start from a
 * generated image G (content + noise by default), compute J(G) = α·J_content + β·J_style (+ γ·TV) on VGG-19
 * features, and let backpropagation change G — never the network. Adam (course defaults) or L-BFGS
 * (Gatys). Images are RGB [H, W, 3] in 0-255; G is kept in that range.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AbortedError, assertTensor, gramMatrix, InvalidArgumentError } from '@cnn/ops';
import { contentCost, styleLayerCostFromGram, totalVariation } from './costs.js';
import type { VggFeatures } from './features.js';
import { lbfgs } from './lbfgs.js';

export interface StepLosses {
  step: number;
  /** Cost evaluations so far (Adam: one per step; L-BFGS: line-search trials count too). */
  evaluations: number;
  total: number;
  content: number;
  style: number;
  /** Style cost per style layer (before its weight λ). */
  styleLayers: number[];
  tv: number;
}

export interface StylizeOptions {
  /** 'adam' (default) or 'lbfgs'. */
  optimizer?: 'adam' | 'lbfgs';
  /** Steps (Adam) or cost evaluations (L-BFGS); default 300. */
  iterations?: number;
  /** Adam step size in pixel units (default 2.55: the course's 0.01 on 0-1 images). */
  learningRate?: number;
  /** 'content+noise' (course, default), 'noise', 'content', or a starting image [H, W, 3] (e.g. an upsampled coarser result). */
  init?: 'content+noise' | 'noise' | 'content' | tf.Tensor3D;
  /** Noise amplitude for the init, in pixels (default 0.25·255 ≈ 64, the course's ±0.25). */
  noise?: number;
  /** Content weight α (default 10), style weight β (default 40), total-variation weight γ (default 0). */
  alpha?: number;
  beta?: number;
  gamma?: number;
  /**
   * Activations are multiplied by this before the costs (default 1/16). J_content scales with its square and
   * J_style with its fourth power, so this sets the balance α and β strike. The course feeds VGG images in
   * [0, 1] (scale ≈ 1/255 of our 'caffe' input): there α = 10, β = 40 keep the content close but the style
   * moves slowly (measured: style cost ÷8 in 150 Adam steps); at 1 the style cost swamps the content. 1/16
   * was measured (tubingen + starry night, VGG-19 blocks 1-3, 96 px, 300 steps) to cut the style cost ÷284
   * with the content cost at 64% of J_content(C, S).
   */
  activationScale?: number;
  /** Stop early when the total cost changed by less than this fraction over `stallWindow` steps (default off). */
  stallTolerance?: number;
  stallWindow?: number;
  /** Called after each step with the current image (do not dispose it) and the losses. */
  onStep?: (image: tf.Tensor3D, losses: StepLosses) => void | Promise<void>;
  /** Call onStep every this many steps (default 1). */
  reportEvery?: number;
  signal?: AbortSignal;
  /** Seed of the init noise (default 1). */
  seed?: number;
}

export interface StylizeResult {
  /** The generated image, RGB 0-255, [H, W, 3]. The caller disposes it. */
  image: tf.Tensor3D;
  losses: StepLosses[];
  evaluations: number;
  seconds: number;
  stopped: string;
}

/** The costs of one image: returns the total (differentiable) and its parts. */
interface Targets {
  content: tf.Tensor4D;
  styles: { weight: number; grams: tf.Tensor2D[] }[];
}

function costs(features: VggFeatures, image: tf.Tensor3D, targets: Targets, w: { alpha: number; beta: number; gamma: number; scale: number }) {
  const f = features.extract(image);
  const jc = contentCost(targets.content, tf.mul(f.content, w.scale) as tf.Tensor4D);
  const scaled = f.styles.map((a) => tf.mul(a, w.scale) as tf.Tensor4D);
  // Per style layer: Σ_k w_k·J_layer(S_k, G) (one style: its plain layer cost).
  const layers = scaled.map((a, l) => (targets.styles.length === 1 ? styleLayerCostFromGram(targets.styles[0]!.grams[l]!, a) : (tf.addN(targets.styles.map((st) => tf.mul(styleLayerCostFromGram(st.grams[l]!, a), st.weight))) as tf.Scalar)));
  const js = tf.addN(layers.map((j, l) => tf.mul(j, features.styleLayers[l]![1]))) as tf.Scalar;
  const tv = w.gamma ? totalVariation(image) : tf.scalar(0);
  const total = tf.addN([tf.mul(jc, w.alpha), tf.mul(js, w.beta), tf.mul(tv, w.gamma)]) as tf.Scalar;
  return { total, jc, js, layers, tv };
}

/** Runs the optimization. The content and style images must be RGB 0-255 [H, W, 3] (the style may differ in size). */
/** A style image with its weight, for blending several styles. */
export interface WeightedStyle {
  image: tf.Tensor3D;
  weight: number;
}

/**
 * Runs the optimization. The content image and the style image(s) are RGB 0-255 [H, W, 3] (styles may differ
 * in size). Several styles blend: J_style = Σ_k w_k·J_style(S_k, G), each style with its own Gram matrices.
 */
export async function stylize(content: tf.Tensor3D, style: tf.Tensor3D | readonly WeightedStyle[], features: VggFeatures, options: StylizeOptions = {}): Promise<StylizeResult> {
  assertTensor(content, 'content', { rank: 3 });
  const styles: WeightedStyle[] = style instanceof tf.Tensor ? [{ image: style, weight: 1 }] : [...style];
  if (styles.length === 0 || !styles.every((s) => s && s.image instanceof tf.Tensor && Number.isFinite(s.weight) && s.weight >= 0)) {
    throw new InvalidArgumentError('style', 'an RGB image tensor or a non-empty list of { image, weight >= 0 }', String(style));
  }
  for (const [img, name] of [
    [content, 'content'],
    ...styles.map((s, i) => [s.image, `style[${i}]`] as const),
  ] as const) {
    if (img.rank !== 3 || img.shape[2] !== 3 || img.shape[0]! < 16 || img.shape[1]! < 16) throw new InvalidArgumentError(name, 'an RGB image [H >= 16, W >= 16, 3] in 0-255', `shape [${img.shape}]`);
  }
  const optimizer = options.optimizer ?? 'adam';
  if (optimizer !== 'adam' && optimizer !== 'lbfgs') throw new InvalidArgumentError('options.optimizer', "'adam' or 'lbfgs'", JSON.stringify(optimizer));
  const iterations = options.iterations ?? 300;
  if (!Number.isInteger(iterations) || iterations < 1) throw new InvalidArgumentError('options.iterations', 'a positive integer', String(iterations));
  const w = { alpha: options.alpha ?? 10, beta: options.beta ?? 40, gamma: options.gamma ?? 0, scale: options.activationScale ?? 1 / 16 };
  if (!(w.scale > 0 && Number.isFinite(w.scale))) throw new InvalidArgumentError('options.activationScale', 'a positive number', String(options.activationScale));
  const reportEvery = options.reportEvery ?? 1;
  const started = performance.now();

  // Targets, computed once: the content image's content activations and each style image's Gram matrices.
  const targets = tf.tidy(() => {
    const c = features.extract(content);
    return {
      content: tf.mul(c.content, w.scale) as tf.Tensor4D,
      styles: styles.map((st) => ({ weight: st.weight, grams: features.extract(st.image).styles.map((a) => gramMatrix(tf.mul(a, w.scale) as tf.Tensor4D)) })),
    };
  });
  const init = options.init ?? 'content+noise';
  const noise = options.noise ?? 0.25 * 255;
  const start = tf.tidy(() => {
    const c = tf.cast(content, 'float32');
    const n = tf.randomUniform(content.shape, -noise, noise, 'float32', options.seed ?? 1);
    if (init instanceof tf.Tensor) {
      if (init.shape.join() !== content.shape.join()) throw new InvalidArgumentError('options.init', `a starting image of the content's shape [${content.shape}]`, `shape [${init.shape}]`);
      return tf.clipByValue(tf.cast(init, 'float32'), 0, 255) as tf.Tensor3D;
    }
    const x = init === 'content' ? c : init === 'noise' ? tf.add(tf.fill(content.shape, 127.5), n) : tf.add(c, n);
    return tf.clipByValue(x, 0, 255) as tf.Tensor3D;
  });
  const losses: StepLosses[] = [];
  const record = async (step: number, evaluations: number, image: tf.Tensor3D, parts: { total: tf.Scalar; jc: tf.Scalar; js: tf.Scalar; layers: tf.Scalar[]; tv: tf.Scalar }) => {
    const entry: StepLosses = {
      step,
      evaluations,
      total: (await parts.total.data())[0]!,
      content: (await parts.jc.data())[0]!,
      style: (await parts.js.data())[0]!,
      styleLayers: await Promise.all(parts.layers.map(async (l) => (await l.data())[0]!)),
      tv: (await parts.tv.data())[0]!,
    };
    losses.push(entry);
    if (options.onStep && (step % reportEvery === 0 || step === iterations)) await options.onStep(image, entry);
    return entry;
  };
  const disposeParts = (p: { total: tf.Scalar; jc: tf.Scalar; js: tf.Scalar; layers: tf.Scalar[]; tv: tf.Scalar }) => tf.dispose([p.total, p.jc, p.js, ...p.layers, p.tv]);
  const stalled = () => {
    const tol = options.stallTolerance;
    const win = options.stallWindow ?? 20;
    if (tol === undefined || losses.length <= win) return false;
    const a = losses[losses.length - 1 - win]!.total;
    const b = losses.at(-1)!.total;
    return Math.abs(a - b) <= tol * Math.abs(a);
  };

  let stopped = 'iterations';
  let evaluations = 0;
  let image: tf.Tensor3D;
  try {
    if (optimizer === 'adam') {
      const g = tf.variable(start, true, `stylize_${Date.now()}`);
      const adam = tf.train.adam(options.learningRate ?? 2.55);
      try {
        for (let step = 1; step <= iterations; step++) {
          if (options.signal?.aborted) throw new AbortedError('stylize');
          let parts!: ReturnType<typeof costs>;
          const total = adam.minimize(() => {
            parts = costs(features, g as unknown as tf.Tensor3D, targets, w);
            // The parts outlive minimize's scope for the report; the total drives the gradient.
            tf.keep(parts.jc);
            tf.keep(parts.js);
            parts.layers.forEach((l) => tf.keep(l));
            tf.keep(parts.tv);
            return parts.total;
          }, true, [g])!;
          parts = { ...parts, total };
          evaluations++;
          tf.tidy(() => {
            g.assign(tf.clipByValue(g, 0, 255));
          });
          await record(step, evaluations, g as unknown as tf.Tensor3D, parts);
          disposeParts(parts);
          if (stalled()) {
            stopped = 'stalled';
            break;
          }
        }
        image = tf.clone(g) as tf.Tensor3D;
      } finally {
        adam.dispose();
        g.dispose();
      }
    } else {
      const shape = content.shape;
      const valueAndGrad = tf.valueAndGrad((x: tf.Tensor) => {
        const p = costs(features, x as tf.Tensor3D, targets, w);
        tf.dispose([p.jc, p.js, ...p.layers, p.tv]);
        return p.total;
      });
      let step = 0;
      const f = async (flat: Float64Array) => {
        const x = tf.tensor3d(Float32Array.from(flat), shape);
        const { value, grad } = valueAndGrad(x);
        const out = { value: (await value.data())[0]!, grad: Float64Array.from(await grad.data()) };
        tf.dispose([x, value, grad]);
        return out;
      };
      const x0 = Float64Array.from(await start.data());
      const result = await lbfgs(f, x0, {
        maxEvaluations: iterations,
        ...(options.signal ? { signal: options.signal } : {}),
        onIteration: async ({ x, evaluations: n }) => {
          step++;
          const img = tf.tensor3d(Float32Array.from(x), shape);
          const parts = tf.tidy(() => costs(features, img, targets, w));
          await record(step, n, img, parts);
          disposeParts(parts);
          img.dispose();
          return !stalled();
        },
      });
      evaluations = result.evaluations;
      stopped = result.stopped;
      image = tf.tidy(() => tf.clipByValue(tf.tensor3d(Float32Array.from(result.x), shape), 0, 255) as tf.Tensor3D);
    }
  } catch (err) {
    if ((err as Error)?.name === 'AbortError' && !(err instanceof AbortedError)) throw new AbortedError('stylize');
    throw err;
  } finally {
    tf.dispose([targets.content, ...targets.styles.flatMap((st) => st.grams), start]);
  }
  return { image, losses, evaluations, seconds: (performance.now() - started) / 1000, stopped };
}
