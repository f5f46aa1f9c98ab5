/**
 * Loading weights into a model by layer/weight name, checking every shape: what lets Keras and tfjs-converter
 * weights load into our builders. Partial loads (e.g. a no-top model from a full file) are allowed; a shape
 * mismatch, or a model weight with no stored value, is a WeightsMismatchError listing the layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fetchWeights, fileSystem, InvalidArgumentError, isWeightsUrl, jsonFileUrl, resolveWeights, WeightsMismatchError } from '@cnn/ops';
import { kerasImagenetWeights, resolveKerasWeights, type KerasImagenetModel } from './imagenet.js';
import { readKerasH5Layers, readKerasH5Weights, type KerasH5Layer } from './keras-h5.js';
import type { ResolvedOptions } from './options.js';
import { preprocessModeFor, type PreprocessMode } from './preprocess.js';

/** Stored name -> tensor. Names are tfjs/Keras style: 'block1_conv1/kernel' (optionally with a ':0' suffix). */
export function assignWeightsByName(model: tfl.LayersModel, named: tf.NamedTensorMap, options: { allowMissing?: boolean } = {}): { assigned: number; unused: string[] } {
  const byName = new Map<string, tf.Tensor>();
  for (const [k, v] of Object.entries(named)) byName.set(k.replace(/:0$/, ''), v);
  const used = new Set<string>();
  const missing: string[] = [];
  const mismatched: string[] = [];
  const pairs: [tfl.LayerVariable, tf.Tensor][] = [];
  for (const w of model.weights) {
    const name = w.originalName;
    const value = byName.get(name);
    if (!value) {
      missing.push(name);
      continue;
    }
    used.add(name);
    if (value.shape.join() !== w.shape.join()) mismatched.push(`${name}: model [${w.shape}] vs stored [${value.shape}]`);
    else pairs.push([w, value]);
  }
  if (mismatched.length) throw new WeightsMismatchError(`Weight shapes differ for ${mismatched.length} weights: ${mismatched.join('; ')}. Were the weights saved from a model with the same options (classes, inputShape channels)?`);
  if (missing.length && !options.allowMissing) {
    throw new WeightsMismatchError(`${missing.length} weights of '${model.name}' have no stored value: ${missing.slice(0, 12).join(', ')}${missing.length > 12 ? ', ...' : ''}. The file holds ${byName.size} weights; is it for another model or a no-top variant?`);
  }
  for (const [w, value] of pairs) w.write(value);
  return { assigned: pairs.length, unused: [...byName.keys()].filter((k) => !used.has(k)) };
}

/**
 * Assigns Keras layers to `model`'s layers in order, as Keras' default (topological) `load_weights` does:
 * the i-th layer with weights in the file goes to the i-th layer with weights in the model, whatever the
 * names (files saved by older Keras number auto-named layers differently, e.g. 'conv2d_1' for the first).
 * Every layer's weight count and every shape is checked; any mismatch is a WeightsMismatchError listing them.
 */
export function assignWeightsInOrder(model: tfl.LayersModel, layers: readonly KerasH5Layer[]): { assigned: number } {
  const stored = layers.filter((l) => l.weights.length > 0);
  const ours = model.layers.filter((l) => l.weights.length > 0);
  if (stored.length !== ours.length) {
    throw new WeightsMismatchError(`The file has ${stored.length} layers with weights, '${model.name}' has ${ours.length}: it is for another model (or the top/no-top variant).`);
  }
  const problems: string[] = [];
  const pairs: [tfl.LayerVariable, tf.Tensor][] = [];
  ours.forEach((layer, i) => {
    const file = stored[i]!;
    if (file.weights.length !== layer.weights.length) {
      problems.push(`${layer.name} (${layer.weights.length} weights) vs stored ${file.layer} (${file.weights.length})`);
      return;
    }
    layer.weights.forEach((w, j) => {
      const v = file.weights[j]!.tensor;
      if (v.shape.join() !== w.shape.join()) problems.push(`${w.originalName} [${w.shape}] vs stored ${file.weights[j]!.name} [${v.shape}]`);
      else pairs.push([w, v]);
    });
  });
  if (problems.length) throw new WeightsMismatchError(`Layers differ from the stored ones in order: ${problems.slice(0, 12).join('; ')}${problems.length > 12 ? '; ...' : ''}.`);
  for (const [w, v] of pairs) w.write(v);
  return { assigned: pairs.length };
}

/**
 * Loads a Keras .h5 file the way keras.applications does: by name when every weight's name matches,
 * otherwise in layer order (Keras' topological rule) with every shape checked.
 */
export async function loadKerasWeights(model: tfl.LayersModel, path: string): Promise<{ assigned: number; by: 'name' | 'order' }> {
  const layers = await readKerasH5Layers(path);
  try {
    const names = new Set(layers.flatMap((l) => l.weights.map((w) => w.name)));
    const allNamed = model.weights.every((w) => names.has(w.originalName)) && names.size === model.weights.length;
    if (allNamed) {
      const named: tf.NamedTensorMap = {};
      for (const l of layers) for (const w of l.weights) named[w.name] = w.tensor;
      return { ...assignWeightsByName(model, named), by: 'name' };
    }
    return { ...assignWeightsInOrder(model, layers), by: 'order' };
  } finally {
    tf.dispose(layers.flatMap((l) => l.weights.map((w) => w.tensor)));
  }
}

/**
 * Loads weights into `model` by name from a Keras .h5 file (save_weights or full model) or a tfjs layers
 * model folder / model.json — a path, or an id found on CNN_WEIGHTS_PATH / in the cache. An http(s) URL of a
 * tfjs model folder or model.json (in a browser: any path, relative to the page) is fetched with @cnn/ops
 * `fetchWeights` (shards beside model.json, byte counts checked).
 */
export async function loadWeightsByName(model: tfl.LayersModel, pathOrId: string, options: { allowMissing?: boolean } = {}): Promise<{ assigned: number; unused: string[] }> {
  if (isWeightsUrl(pathOrId)) {
    if (/\.(h5|hdf5)([?#].*)?$/i.test(pathOrId)) {
      throw new InvalidArgumentError('pathOrId', 'the URL of a tfjs model folder or model.json (Keras .h5 files are read from disk)', JSON.stringify(pathOrId), 'Convert it (tensorflowjs_converter) or load it in Node.');
    }
    const named = await fetchWeights(jsonFileUrl(pathOrId, 'model.json'));
    try {
      return assignWeightsByName(model, named, options);
    } finally {
      tf.dispose(Object.values(named));
    }
  }
  const dir = await resolveWeights(pathOrId, { offline: true });
  if (/\.(h5|hdf5)$/i.test(dir)) {
    const named = await readKerasH5Weights(dir);
    try {
      return assignWeightsByName(model, named, options);
    } finally {
      tf.dispose(Object.values(named));
    }
  }
  const artifacts = await fileSystem(dir).load();
  if (!artifacts.weightSpecs || !artifacts.weightData) throw new WeightsMismatchError(`'${dir}' holds no weights.`);
  const named = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  try {
    return assignWeightsByName(model, named, options);
  } finally {
    tf.dispose(Object.values(named));
  }
}

/** A sub-model ending at `layerName` (e.g. VGG-19 up to 'block3_pool'), sharing the layers and their weights. */
export function truncateModel(model: tfl.LayersModel, layerName: string): tfl.LayersModel {
  let layer: tfl.layers.Layer;
  try {
    layer = model.getLayer(layerName);
  } catch {
    throw new WeightsMismatchError(`'${model.name}' has no layer '${layerName}'. Layers: ${model.layers.map((l) => l.name).join(', ')}`);
  }
  return tfl.model({ inputs: model.inputs, outputs: layer.output as tfl.SymbolicTensor, name: `${model.name}_to_${layerName}` });
}

/** What a model built here carries in its user-defined metadata (saved with it in model.json). */
export interface ModelMetadata {
  /** The builder's model name, e.g. 'ResNet50'. */
  architecture: string;
  /** The preprocess_input mode its published weights expect. */
  preprocess?: PreprocessMode;
  /** 'imagenet', the weights path given, or null (random). */
  weights: string | null;
  /** The file the weights came from. */
  weightsFile?: string;
  /** The label set of its classifier: 'imagenet' (Keras' order, see `imagenetLabels`). */
  labels?: 'imagenet';
}

/** The metadata a builder here attached to `model` (kept across tfjs save/load), or undefined. */
export function modelMetadata(model: tfl.LayersModel): ModelMetadata | undefined {
  const meta = model.getUserDefinedMetadata() as { cnn?: ModelMetadata } | undefined;
  return meta?.cnn;
}

/**
 * Every builder's last step: attaches the metadata and loads `weights` ('imagenet' through resolveWeights,
 * or a path/id). The model is disposed if loading fails, so a failed build leaks no variables.
 */
export async function finishModel(model: tfl.LayersModel, o: ResolvedOptions, info: { architecture: string; alpha?: number }): Promise<tfl.LayersModel> {
  try {
    let weightsFile: string | undefined;
    if (o.weights === 'imagenet') {
      const entry = kerasImagenetWeights(info.architecture as KerasImagenetModel, o.includeTop, { ...(info.alpha !== undefined ? { alpha: info.alpha } : {}), rows: o.inputShape[0] === o.inputShape[1] ? o.inputShape[0] : null });
      weightsFile = await resolveKerasWeights(entry, o.weightsOptions);
      await loadKerasWeights(model, weightsFile);
    } else if (o.weights) {
      await loadWeightsByName(model, o.weights);
      weightsFile = o.weights;
    }
    let preprocess: PreprocessMode | undefined;
    try {
      preprocess = preprocessModeFor(model.name);
    } catch {
      preprocess = undefined;
    }
    const meta: ModelMetadata = {
      architecture: info.architecture,
      ...(preprocess ? { preprocess } : {}),
      weights: o.weights,
      ...(weightsFile ? { weightsFile } : {}),
      ...(o.weights === 'imagenet' && o.includeTop ? { labels: 'imagenet' as const } : {}),
    };
    model.setUserDefinedMetadata({ cnn: meta });
    return model;
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/**
 * Builds a model and sets its weights, for loaders of pretrained nets: `weights` (or the promise of them) are
 * disposed once set; the model is disposed if setting them fails (so a bad weights file leaks nothing).
 *
 *     const model = await buildWithWeights(readWeightsManifest(dir), () => myNet(), setMyNetWeights);
 */
export async function buildWithWeights(
  weights: tf.NamedTensorMap | Promise<tf.NamedTensorMap>,
  build: () => tfl.LayersModel,
  set: (model: tfl.LayersModel, weights: tf.NamedTensorMap) => void,
): Promise<tfl.LayersModel> {
  const named = await weights;
  try {
    const model = build();
    try {
      set(model, named);
    } catch (err) {
      model.dispose();
      throw err;
    }
    return model;
  } finally {
    tf.dispose(Object.values(named));
  }
}
