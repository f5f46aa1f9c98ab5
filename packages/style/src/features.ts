/**
 * VGG-19 features for style transfer: the conv stack of keras.applications.VGG19 (Keras layer names, so its
 * weights load by name), cut after the deepest layer asked for, with one output per content/style layer.
 * Gatys et al. suggest average instead of max pooling; both are offered. Inputs are RGB in 0-255; the
 * Keras 'caffe' preprocessing (RGB -> BGR, minus the ImageNet means) happens inside, so gradients reach the
 * pixels. Weights: 'imagenet' (Keras' vgg19 no-top file through resolveWeights), a path or id (tfjs layers
 * model folder or Keras .h5, e.g. `vgg19-imagenet-block1-3`), or 'random' (He initialization: the offline
 * default, after He et al. 2016 "A powerful generative model using random weights").
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, isWeightsUrl, resolveWeights, WeightsNotFoundError, type ResolveOptions } from '@cnn/ops';
import { assignWeightsByName, kerasImagenetWeights, loadWeightsByName, readKerasH5Weights, resolveKerasWeights } from '@cnn/architectures';

const BLOCKS = [2, 2, 4, 4, 4];
const FILTERS = [64, 128, 256, 512, 512];
/** Every layer of the VGG-19 conv stack, in order. */
export const VGG19_LAYERS: readonly string[] = BLOCKS.flatMap((n, b) => [...Array.from({ length: n }, (_, i) => `block${b + 1}_conv${i + 1}`), `block${b + 1}_pool`]);

export interface VggFeaturesOptions {
  /**
   * 'auto' (default: ImageNet weights when they can be found or fetched, else `randomMultiScaleFeatures` with a
   * notice — measured the better download-free extractor, see bench/offline-features.mjs),
   * 'imagenet' (an error when they cannot be found), a weights path/id, the URL of a tfjs layers model folder
   * (a browser: e.g. blocks 1-3 of VGG-19 served next to the page), or 'random'.
   */
  weights?: string;
  /** Where the offline-fallback notice goes (default console.warn). */
  onNotice?: (message: string) => void;
  /** Content layer (default 'block4_conv2', Gatys et al.). */
  contentLayer?: string;
  /** Style layers and their weights λ (default block1..5_conv1, 0.2 each). */
  styleLayers?: readonly (readonly [string, number])[];
  /** Pooling between blocks (default 'max', as trained; Gatys et al. prefer 'avg'). */
  pooling?: 'max' | 'avg';
  /** How the weights are found (search path, offline, progress ...). */
  weightsOptions?: ResolveOptions;
  /** Seed of the random weights (default 1). */
  seed?: number;
}

export const DEFAULT_STYLE_LAYERS: readonly (readonly [string, number])[] = [
  ['block1_conv1', 0.2],
  ['block2_conv1', 0.2],
  ['block3_conv1', 0.2],
  ['block4_conv1', 0.2],
  ['block5_conv1', 0.2],
];

export interface Features {
  content: tf.Tensor4D;
  styles: tf.Tensor4D[];
}

/** A feature extractor holding its model: call `dispose()` when done. */
export class VggFeatures {
  constructor(
    readonly model: tfl.LayersModel,
    readonly contentLayer: string,
    readonly styleLayers: readonly (readonly [string, number])[],
    readonly pooling: 'max' | 'avg',
    readonly weights: string,
  ) {}

  /** Content and style activations of RGB images [1, H, W, 3] or [H, W, 3] in 0-255 (differentiable). */
  extract(rgb: tf.Tensor3D | tf.Tensor4D): Features {
    return tf.tidy(() => {
      const x = rgb.rank === 3 ? tf.expandDims(rgb, 0) : rgb;
      const out = this.model.apply(caffe(x as tf.Tensor4D)) as tf.Tensor4D | tf.Tensor4D[];
      const list = Array.isArray(out) ? out : [out];
      return { content: list[0]!, styles: list.slice(1) };
    });
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Keras 'caffe' preprocessing, differentiable: RGB -> BGR, minus the ImageNet BGR means. */
export function caffe(rgb: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.sub(tf.reverse(rgb, -1), tf.tensor1d([103.939, 116.779, 123.68])) as tf.Tensor4D);
}

/** Builds the VGG-19 feature extractor and loads its weights. */
export async function vggFeatures(options: VggFeaturesOptions = {}): Promise<VggFeatures> {
  const contentLayer = options.contentLayer ?? 'block4_conv2';
  const styleLayers = options.styleLayers ?? DEFAULT_STYLE_LAYERS;
  const pooling = options.pooling ?? 'max';
  const requested = options.weights ?? 'auto';
  const weights = requested === 'auto' ? 'imagenet' : requested;
  if (pooling !== 'max' && pooling !== 'avg') throw new InvalidArgumentError('options.pooling', "'max' or 'avg'", JSON.stringify(pooling));
  if (!Array.isArray(styleLayers) || styleLayers.length === 0) throw new InvalidArgumentError('options.styleLayers', 'a non-empty list of [layer, weight]', JSON.stringify(styleLayers));
  for (const name of [contentLayer, ...styleLayers.map((s) => s[0])]) {
    if (!VGG19_LAYERS.includes(name) || name.endsWith('_pool')) throw new InvalidArgumentError('layer', `a VGG-19 conv layer (${VGG19_LAYERS.filter((l) => !l.endsWith('pool')).join(', ')})`, JSON.stringify(name));
  }
  for (const [name, w] of styleLayers) if (!(typeof w === 'number' && w >= 0 && Number.isFinite(w))) throw new InvalidArgumentError('options.styleLayers', `a non-negative weight for ${name}`, String(w));
  const wanted = [contentLayer, ...styleLayers.map((s) => s[0])];
  const deepest = Math.max(...wanted.map((n) => VGG19_LAYERS.indexOf(n)));
  const seed = options.seed ?? 1;

  const input = tfl.input({ shape: [null, null, 3], name: 'input_1' });
  const outputs = new Map<string, tfl.SymbolicTensor>();
  let x = input as tfl.SymbolicTensor;
  let k = 0;
  for (const name of VGG19_LAYERS.slice(0, deepest + 1)) {
    if (name.endsWith('_pool')) {
      const cfg = { poolSize: 2, strides: 2, name };
      x = (pooling === 'max' ? tfl.layers.maxPooling2d(cfg) : tfl.layers.averagePooling2d(cfg)).apply(x) as tfl.SymbolicTensor;
    } else {
      const block = Number(name[5]) - 1;
      x = tfl.layers
        .conv2d({ filters: FILTERS[block]!, kernelSize: 3, padding: 'same', activation: 'relu', name, kernelInitializer: tfl.initializers.heNormal({ seed: seed + k++ }) })
        .apply(x) as tfl.SymbolicTensor;
    }
    outputs.set(name, x);
  }
  const model = tfl.model({ inputs: input, outputs: wanted.map((n) => outputs.get(n)!), name: `vgg19_features_${pooling}` });
  try {
    let file: string | undefined;
    if (weights === 'imagenet') {
      try {
        file = await resolveKerasWeights(kerasImagenetWeights('VGG19', false), options.weightsOptions);
      } catch (err) {
        if (requested !== 'auto' || !(err instanceof WeightsNotFoundError)) throw err;
        model.dispose();
        (options.onNotice ?? console.warn)(
          `@cnn/style: ImageNet VGG-19 weights not found, so the features are one layer of random multi-scale filters ` +
            `(Ustyuzhaninov et al. 2016; measured against VGG-19 with random weights: the same style error, lower content error, ` +
            `half the time). Results keep the style's colors and textures but are less painterly. For the real thing put ` +
            `${kerasImagenetWeights('VGG19', false).file} (${kerasImagenetWeights('VGG19', false).url}) on CNN_WEIGHTS_PATH or in ~/.cache/cnn.`,
        );
        return randomMultiScaleFeatures({ seed });
      }
    }
    if (file) {
      const named = await readKerasH5Weights(file);
      try {
        assignWeightsByName(model, named);
      } finally {
        tf.dispose(Object.values(named));
      }
    } else if (weights !== 'random') {
      // A URL (a browser) is fetched by loadWeightsByName; a path or id must be found first (a clear error if not).
      if (!isWeightsUrl(weights)) await resolveWeights(weights, { offline: true, ...options.weightsOptions });
      await loadWeightsByName(model, weights);
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  return new VggFeatures(model, contentLayer, styleLayers, pooling, weights);
}

export interface RandomMultiScaleOptions {
  /** Filter sizes (default [3, 5, 7, 11]: several scales in one layer, as in Ustyuzhaninov et al. 2016). */
  sizes?: readonly number[];
  /** Filters per size (default 32). */
  filters?: number;
  seed?: number;
}

/**
 * The other download-free extractor: one layer of random filters at several sizes, ReLU (Ustyuzhaninov et al.
 * 2016, "Texture synthesis using shallow convolutional networks with random filters"). Its single output serves
 * as both the content and the (one) style layer.
 */
export function randomMultiScaleFeatures(options: RandomMultiScaleOptions = {}): VggFeatures {
  const sizes = options.sizes ?? [3, 5, 7, 11];
  const filters = options.filters ?? 32;
  if (!sizes.length || !sizes.every((k) => Number.isInteger(k) && k > 0 && k % 2 === 1)) throw new InvalidArgumentError('options.sizes', 'odd filter sizes', JSON.stringify(sizes));
  if (!Number.isInteger(filters) || filters < 1) throw new InvalidArgumentError('options.filters', 'a positive integer', String(filters));
  const seed = options.seed ?? 1;
  const input = tfl.input({ shape: [null, null, 3], name: 'input_1' });
  const branches = sizes.map(
    (k, i) =>
      tfl.layers.conv2d({ filters, kernelSize: k, padding: 'same', activation: 'relu', name: `random_${k}x${k}`, kernelInitializer: tfl.initializers.heNormal({ seed: seed + i }), biasInitializer: 'zeros' }).apply(input) as tfl.SymbolicTensor,
  );
  const merged = branches.length === 1 ? branches[0]! : (tfl.layers.concatenate({ axis: 3, name: 'multiscale' }).apply(branches) as tfl.SymbolicTensor);
  // tfjs-layers drops a repeated output, so the style output is the same tensor through an identity layer.
  const same = tfl.layers.activation({ activation: 'linear', name: 'multiscale_style' }).apply(merged) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [merged, same], name: 'random_multiscale_features' });
  return new VggFeatures(model, 'multiscale', [['multiscale', 1]], 'max', 'random-multiscale');
}
