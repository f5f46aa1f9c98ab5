/**
 * Loading weights into a model by layer/weight name, checking every shape: what lets Keras and tfjs-converter
 * weights load into our builders. Partial loads (e.g. a no-top model from a full file) are allowed; a shape
 * mismatch, or a model weight with no stored value, is a WeightsMismatchError listing the layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystem, resolveWeights, WeightsMismatchError } from '@cnn/ops';
import { readKerasH5Weights } from './keras-h5.js';

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
 * Loads weights into `model` by name from a Keras .h5 file (save_weights or full model) or a tfjs layers
 * model folder / model.json — a path, or an id found on CNN_WEIGHTS_PATH / in the cache.
 */
export async function loadWeightsByName(model: tfl.LayersModel, pathOrId: string, options: { allowMissing?: boolean } = {}): Promise<{ assigned: number; unused: string[] }> {
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
