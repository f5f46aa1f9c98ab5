/**
 * A pretrained backbone for transfer learning (the course: "download a network someone else trained and use
 * its features"): a builder of @cnn/architectures with its weights, any tfjs layers model (in memory, or a
 * folder / id such as 'darknet-tiny-imagenet' found on CNN_WEIGHTS_PATH), or a Keras .h5 file with its
 * architecture; cut at a named layer, globally pooled, with the preprocessing its weights expect recorded.
 *
 *   const backbone = await loadBackbone({ architecture: 'mobilenet', weights: 'imagenet', alpha: 0.25 },
 *     { cutLayer: 'conv_pw_13_relu', pooling: 'avg', inputShape: [160, 160, 3] });
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ShapeMismatchError, WeightsMismatchError, assertTensor, describeValue, resolveWeights, type ResolveOptions } from '@cnn/ops';
import * as arch from '@cnn/architectures';
import { applyKerasBatchNormRule } from './batch-norm-rule.js';
import { disposeModels } from './dispose-layers.js';
import { applyPreprocessing, readPreprocessing, type Preprocessing } from './preprocessing.js';

type Builder = (options: Record<string, unknown>) => Promise<tfl.LayersModel>;

/** The builders a backbone can come from (each mirrors keras.applications). */
export const BACKBONE_BUILDERS = {
  mobilenet: arch.mobilenet as Builder,
  mobilenetV2: arch.mobilenetV2 as Builder,
  resnet50: arch.resnet50 as Builder,
  resnet101: arch.resnet101 as Builder,
  resnet152: arch.resnet152 as Builder,
  resnet18: arch.resnet18 as Builder,
  resnet34: arch.resnet34 as Builder,
  basicResNet: arch.basicResNet as unknown as Builder,
  vgg16: arch.vgg16 as Builder,
  vgg19: arch.vgg19 as Builder,
  inceptionV3: arch.inceptionV3 as Builder,
  alexnet: arch.alexnet as Builder,
  googlenet: arch.googlenet as Builder,
} as const;

export type BackboneArchitecture = keyof typeof BACKBONE_BUILDERS;

/** A builder of @cnn/architectures and its weights. */
export interface ArchitectureSource {
  architecture: BackboneArchitecture;
  /**
   * 'imagenet' (the official Keras files), the path / id of a Keras .h5 file (loaded by name, else in layer
   * order as Keras does) or of a tfjs layers model (by name), or null for random weights (default null).
   */
  weights?: 'imagenet' | string | null;
  /** MobileNet width multiplier. */
  alpha?: number;
  /** Further builder options, e.g. `{ blocks: [1], filters: [8] }` for basicResNet. */
  options?: Record<string, unknown>;
  /** How weights are found (search path, cache, offline, progress, signal). */
  weightsOptions?: ResolveOptions;
}

/** A backbone source: a builder + weights, a tfjs layers model, or the path / weights id of one. */
export type BackboneSource = ArchitectureSource | tfl.LayersModel | string;

export interface LoadBackboneOptions {
  /** The layer whose output is the features (default: the model's output). */
  cutLayer?: string;
  /** Global pooling of 4-D features into a vector (default 'avg'); null keeps [h, w, c] maps. */
  pooling?: 'avg' | 'max' | null;
  /** [height, width, channels] the backbone takes (builders: any size they accept; loaded models: their own). */
  inputShape?: [number | null, number | null, number];
  /** The preprocessing the weights expect; default from the model's metadata, its name, or a known id. */
  preprocessing?: Preprocessing | Preprocessing['mode'];
}

/** Weights ids whose preprocessing is known though their model.json does not say it (DATA.md). */
export const KNOWN_PREPROCESSING: Readonly<Record<string, Preprocessing>> = {
  // ml5's darknet classifiers: RGB / 255, resizeBilinear with alignCorners, no mean subtraction.
  'darknet-tiny-imagenet': { mode: 'rescale', scale: 1 / 255, offset: 0, alignCorners: true },
  darknettiny: { mode: 'rescale', scale: 1 / 255, offset: 0, alignCorners: true },
};

/** What a backbone records about itself (saved with a classifier). */
export interface BackboneInfo {
  /** The builder name, the model's architecture metadata, or its model name. */
  architecture: string;
  /** Where it came from: 'mobilenet (weights imagenet)', a path, or 'a LayersModel'. */
  source: string;
  cutLayer: string | null;
  pooling: 'avg' | 'max' | null;
  inputShape: [number | null, number | null, number];
  /** Feature shape without the batch: [d] when pooled, else [h, w, c]. */
  featureShape: number[];
  preprocessing: Preprocessing;
}

export class Backbone implements BackboneInfo {
  readonly architecture: string;
  readonly source: string;
  readonly cutLayer: string | null;
  readonly pooling: 'avg' | 'max' | null;
  readonly inputShape: [number | null, number | null, number];
  readonly featureShape: number[];
  readonly preprocessing: Preprocessing;
  /** Preprocessed pictures [b, h, w, c] -> features. Shares its layers with the source model. */
  readonly model: tfl.LayersModel;
  private readonly owned: tfl.LayersModel[];
  private disposed = false;

  /** @internal Use loadBackbone. */
  constructor(model: tfl.LayersModel, info: BackboneInfo, owned: tfl.LayersModel[]) {
    this.model = model;
    this.architecture = info.architecture;
    this.source = info.source;
    this.cutLayer = info.cutLayer;
    this.pooling = info.pooling;
    this.inputShape = info.inputShape;
    this.featureShape = info.featureShape;
    this.preprocessing = info.preprocessing;
    this.owned = owned;
  }

  /** The plain-JSON description (what a saved classifier keeps). */
  info(): BackboneInfo {
    return { architecture: this.architecture, source: this.source, cutLayer: this.cutLayer, pooling: this.pooling, inputShape: [...this.inputShape], featureShape: [...this.featureShape], preprocessing: { ...this.preprocessing } };
  }

  /** Pictures [b, h, w, 3] RGB 0-255 -> the backbone's input (preprocessed float32). */
  preprocess(images: tf.Tensor4D): tf.Tensor4D {
    checkImages(images, this.inputShape, 'images');
    return applyPreprocessing(images, this.preprocessing);
  }

  /** Features of pictures [b, h, w, 3] RGB 0-255, in inference mode: [b, ...featureShape]. */
  features(images: tf.Tensor4D): tf.Tensor {
    this.assertLive();
    checkImages(images, this.inputShape, 'images');
    return tf.tidy(() => this.model.apply(applyPreprocessing(images, this.preprocessing), { training: false }) as tf.Tensor);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** @internal The models whose weights this backbone frees (the source model too, layers past the cut included). */
  ownedModels(): tfl.LayersModel[] {
    return [this.model, ...this.owned];
  }

  /** Frees the weights (also those of the source model: the backbone owns it). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeModels(this.ownedModels());
  }

  private assertLive(): void {
    if (this.disposed) throw new InvalidArgumentError('backbone', 'a live backbone', 'a disposed one');
  }
}

/** Checks pictures against an input shape, naming what to change (never a raw tfjs shape error). */
export function checkImages(images: unknown, inputShape: readonly (number | null)[], argument: string): asserts images is tf.Tensor4D {
  assertTensor(images, argument, { rank: 4, dtype: ['float32', 'int32'] });
  const [, h, w, c] = images.shape;
  if (c !== inputShape[2]) throw new ShapeMismatchError(argument, `the backbone takes ${inputShape[2]} channels, the pictures have ${c} (shape [${images.shape}]).`);
  if ((inputShape[0] !== null && h !== inputShape[0]) || (inputShape[1] !== null && w !== inputShape[1])) {
    throw new ShapeMismatchError(argument, `the backbone takes ${inputShape[0]}x${inputShape[1]} pictures, got ${h}x${w} (shape [${images.shape}]). Resize them (e.g. createBatches({ imageSize: [${inputShape[0]}, ${inputShape[1]}] })).`);
  }
}

/** Levenshtein distance, for "did you mean" lists of layer names. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** The layer names closest to `name` (at most `count`), for error messages. */
export function nearestLayerNames(model: tfl.LayersModel, name: string, count = 8): string[] {
  return model.layers
    .map((l, i) => ({ n: l.name, d: editDistance(name, l.name), i }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, count)
    .map((x) => x.n);
}

/** The layer `name` of `model`, or a WeightsMismatchError listing the nearest names and the last layers. */
export function findLayer(model: tfl.LayersModel, name: string, argument = 'options.cutLayer'): tfl.layers.Layer {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError(argument, 'a layer name', describeValue(name));
  const layer = model.layers.find((l) => l.name === name);
  if (layer) return layer;
  const last = model.layers.slice(-6).map((l) => l.name);
  throw new InvalidArgumentError(
    argument,
    `the name of a layer of '${model.name}' (${model.layers.length} layers)`,
    JSON.stringify(name),
    `Nearest names: ${nearestLayerNames(model, name).join(', ')}. Last layers: ${last.join(', ')}.`,
  );
}

function isArchitectureSource(s: unknown): s is ArchitectureSource {
  return s !== null && typeof s === 'object' && !(s instanceof tfl.LayersModel) && 'architecture' in s;
}

async function buildFromArchitecture(source: ArchitectureSource, options: LoadBackboneOptions): Promise<{ model: tfl.LayersModel; description: string }> {
  const builder = (BACKBONE_BUILDERS as Record<string, Builder | undefined>)[source.architecture];
  if (!builder) throw new InvalidArgumentError('source.architecture', `one of ${Object.keys(BACKBONE_BUILDERS).join(', ')}`, describeValue(source.architecture));
  const weights = source.weights ?? null;
  const isH5 = typeof weights === 'string' && /\.(h5|hdf5|keras)$/i.test(weights);
  const builderOptions: Record<string, unknown> = {
    ...(source.options ?? {}),
    includeTop: (source.options?.['includeTop'] as boolean | undefined) ?? false,
    weights: isH5 ? null : weights,
    ...(source.weightsOptions ? { weightsOptions: source.weightsOptions } : {}),
    ...(source.alpha !== undefined ? { alpha: source.alpha } : {}),
    ...(options.inputShape ? { inputShape: options.inputShape } : {}),
  };
  const model = await builder(builderOptions);
  if (isH5) {
    try {
      const file = await resolveWeights(weights, { offline: true, ...(source.weightsOptions ?? {}) });
      // By name first (a full file also fits a no-top model); Keras' layer order when the names differ.
      try {
        await arch.loadWeightsByName(model, file);
      } catch (err) {
        if (!(err instanceof WeightsMismatchError)) throw err;
        await arch.loadKerasWeights(model, file);
      }
    } catch (err) {
      model.dispose();
      throw err;
    }
  }
  return { model, description: `${source.architecture} (weights ${weights ?? 'random'})` };
}

function guessPreprocessing(model: tfl.LayersModel, ids: readonly string[]): Preprocessing | undefined {
  const meta = arch.modelMetadata(model);
  if (meta?.preprocess) return { mode: meta.preprocess };
  try {
    return { mode: arch.preprocessModeFor(model.name) };
  } catch {
    // not a builder name
  }
  for (const id of ids) {
    const base = id.replace(/[\\/]+$/, '').split(/[\\/]/).pop()?.replace(/\/?model\.json$/, '') ?? id;
    const known = KNOWN_PREPROCESSING[base] ?? KNOWN_PREPROCESSING[id];
    if (known) return { ...known };
  }
  return undefined;
}

/**
 * Loads a backbone: builds or loads the model, cuts it at `cutLayer`, adds global pooling, installs the Keras
 * frozen-BN rule on its batch-norm layers and records the preprocessing. The backbone owns the model it was
 * made from (a LayersModel passed in included): dispose the backbone (or the classifier built on it), not it.
 */
export async function loadBackbone(source: BackboneSource, options: LoadBackboneOptions = {}): Promise<Backbone> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', '{ cutLayer?, pooling?, inputShape?, preprocessing? }', describeValue(options));
  const pooling = options.pooling === undefined ? 'avg' : options.pooling;
  if (pooling !== null && pooling !== 'avg' && pooling !== 'max') throw new InvalidArgumentError('options.pooling', "'avg', 'max' or null", describeValue(pooling));
  const explicit = options.preprocessing === undefined ? undefined : readPreprocessing(options.preprocessing, 'options.preprocessing');

  let full: tfl.LayersModel;
  let description: string;
  let architecture: string | undefined;
  const ids: string[] = [];
  if (source instanceof tfl.LayersModel) {
    full = source;
    description = `the LayersModel '${source.name}'`;
  } else if (typeof source === 'string') {
    if (source.length === 0) throw new InvalidArgumentError('source', 'a builder { architecture, weights }, a LayersModel, or the path / id of a tfjs layers model', '""');
    full = await arch.loadLayersModel(source);
    description = source;
    ids.push(source);
  } else if (isArchitectureSource(source)) {
    ({ model: full, description } = await buildFromArchitecture(source, options));
    architecture = source.architecture;
    if (typeof source.weights === 'string') ids.push(source.weights);
  } else {
    throw new InvalidArgumentError('source', 'a builder { architecture, weights }, a LayersModel, or the path / id of a tfjs layers model', describeValue(source));
  }

  try {
    const input = full.inputs[0];
    if (full.inputs.length !== 1 || !input || input.shape.length !== 4) {
      throw new ShapeMismatchError('source', `a backbone takes one input [batch, height, width, channels]; '${full.name}' takes ${full.inputs.map((i) => `[${i.shape}]`).join(', ')}.`);
    }
    const modelShape = input.shape.slice(1) as [number | null, number | null, number];
    let inputShape = modelShape;
    if (options.inputShape && !isArchitectureSource(source)) {
      const want = options.inputShape;
      const fits = want.length === 3 && want.every((v, i) => modelShape[i] === null || modelShape[i] === v);
      if (!fits) throw new InvalidArgumentError('options.inputShape', `a shape the loaded model accepts ([${modelShape.map((v) => v ?? 'any')}])`, JSON.stringify(want), 'A loaded model keeps its input size; resize the pictures instead.');
      inputShape = [...want] as [number | null, number | null, number];
    }

    let out: tfl.SymbolicTensor;
    let cutLayer: string | null = null;
    if (options.cutLayer !== undefined) {
      const layer = findLayer(full, options.cutLayer);
      const o = layer.output;
      if (Array.isArray(o)) throw new InvalidArgumentError('options.cutLayer', 'a layer with one output', `'${layer.name}' with ${o.length} outputs`);
      out = o;
      cutLayer = layer.name;
    } else {
      if (full.outputs.length !== 1) throw new InvalidArgumentError('options.cutLayer', `a layer to cut at ('${full.name}' has ${full.outputs.length} outputs)`, 'undefined');
      out = full.outputs[0]!;
    }
    let appliedPooling: 'avg' | 'max' | null = null;
    if (pooling && out.shape.length === 4) {
      const layer = pooling === 'avg' ? tfl.layers.globalAveragePooling2d({ name: 'features_avg_pool' }) : tfl.layers.globalMaxPooling2d({ name: 'features_max_pool' });
      out = layer.apply(out) as tfl.SymbolicTensor;
      appliedPooling = pooling;
    }
    const model = out === full.outputs[0] ? full : tfl.model({ inputs: full.inputs, outputs: out, name: `${full.name}_backbone` });
    applyKerasBatchNormRule(model);

    const preprocessing = explicit ?? guessPreprocessing(full, ids);
    if (!preprocessing) {
      throw new InvalidArgumentError(
        'options.preprocessing',
        "the preprocessing the backbone's weights expect ('caffe', 'tf', 'torch', { mode: 'rescale', scale }, or 'none')",
        'undefined',
        `'${full.name}' carries no preprocessing metadata and is not a known id (${Object.keys(KNOWN_PREPROCESSING).join(', ')}). Wrong preprocessing silently ruins pretrained features, so say which one.`,
      );
    }
    const info: BackboneInfo = {
      architecture: architecture ?? arch.modelMetadata(full)?.architecture ?? full.name,
      source: description,
      cutLayer,
      pooling: appliedPooling,
      inputShape,
      featureShape: out.shape.slice(1).map((d) => d ?? -1),
      preprocessing,
    };
    return new Backbone(model, info, model === full ? [] : [full]);
  } catch (err) {
    disposeModels([full]);
    throw err;
  }
}
