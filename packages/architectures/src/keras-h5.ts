/**
 * Keras HDF5 weights (h5wasm, Node): both `model.save_weights('x.h5')` files (layers at the root) and
 * full-model files (`model.save('x.h5')`: layers under /model_weights). Each layer group lists its
 * `weight_names` ('block1_conv1/kernel:0', ...), which map to our layers' weight names, so loading is by
 * name with every shape checked. `saveKerasH5Weights` writes the save_weights layout (round-trips, and Keras
 * can read it).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FileNotFoundError, WeightsMismatchError } from '@cnn/ops';

type H5 = typeof import('h5wasm');
type H5Group = InstanceType<H5['Group']>;
type H5Dataset = InstanceType<H5['Dataset']>;

async function h5(): Promise<H5> {
  const mod = (await import('h5wasm/node')) as unknown as { default: H5 } & H5;
  const lib = mod.default ?? mod;
  await lib.ready;
  return lib;
}

function strings(value: unknown): string[] {
  if (value == null) return [];
  const arr = Array.isArray(value) ? value : [value];
  return arr.map((v) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v))).filter((v) => v.length > 0);
}

/** One layer group of a Keras weights file, in the file's order, with its weights in `weight_names` order. */
export interface KerasH5Layer {
  layer: string;
  weights: { name: string; tensor: tf.Tensor }[];
}

/**
 * Every layer of a Keras .h5 weights file in the file's `layer_names` order (what Keras' topological
 * `load_weights` walks). Layers without weights are kept with an empty list. Caller disposes the tensors.
 */
export async function readKerasH5Layers(path: string): Promise<KerasH5Layer[]> {
  const { existsSync } = await import('node:fs');
  if (!existsSync(path)) throw new FileNotFoundError(path, 'Keras weights file');
  const lib = await h5();
  const file = new lib.File(path, 'r');
  const out: KerasH5Layer[] = [];
  try {
    const root = (file.keys().includes('model_weights') ? file.get('model_weights') : file) as H5Group;
    const layerNames = strings(root.attrs['layer_names']?.value);
    if (layerNames.length === 0) throw new WeightsMismatchError(`'${path}' has no 'layer_names' attribute: it is not a Keras weights file (save_weights or full model).`);
    for (const layer of layerNames) {
      const group = root.get(layer) as H5Group | null;
      if (!group) throw new WeightsMismatchError(`'${path}' lists layer '${layer}' but has no group for it.`);
      const entry: KerasH5Layer = { layer, weights: [] };
      out.push(entry);
      for (const weightName of strings(group.attrs['weight_names']?.value)) {
        const ds = group.get(weightName) as H5Dataset | null;
        if (!ds) throw new WeightsMismatchError(`'${path}': layer '${layer}' lists weight '${weightName}' but it is missing.`);
        const shape = ds.shape ?? [];
        const value = ds.value as ArrayLike<number>;
        entry.weights.push({ name: weightName.replace(/:0$/, ''), tensor: tf.tensor(value instanceof Float32Array ? value : Float32Array.from(value), shape, 'float32') });
      }
    }
    return out;
  } catch (err) {
    tf.dispose(out.flatMap((l) => l.weights.map((w) => w.tensor)));
    throw err;
  } finally {
    file.close();
  }
}

/** Reads every weight of a Keras .h5 file as named tensors ('layer/weight' without ':0'). Caller disposes. */
export async function readKerasH5Weights(path: string): Promise<tf.NamedTensorMap> {
  const out: tf.NamedTensorMap = {};
  for (const l of await readKerasH5Layers(path)) for (const w of l.weights) out[w.name] = w.tensor;
  return out;
}

/** Writes `model`'s weights in Keras' save_weights .h5 layout, atomically (temp file + rename). */
export async function saveKerasH5Weights(model: tfl.LayersModel, path: string): Promise<void> {
  const { rename, rm, mkdir } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const lib = await h5();
  const file = new lib.File(tmp, 'w');
  try {
    file.create_attribute('layer_names', model.layers.map((l) => l.name));
    file.create_attribute('backend', 'tensorflow');
    file.create_attribute('keras_version', '2.15.0');
    for (const layer of model.layers) {
      const group = file.create_group(layer.name);
      const names = layer.weights.map((w) => `${w.originalName}:0`);
      // Keras writes an empty string array for layers without weights.
      if (names.length) group.create_attribute('weight_names', names);
      else group.create_attribute('weight_names', [], [0], '|S1');
      layer.weights.forEach((w, i) => {
        const [prefix, ...rest] = names[i]!.split('/');
        const sub = (group.get(prefix!) as H5Group | null) ?? group.create_group(prefix!);
        sub.create_dataset({ name: rest.join('/'), data: w.read().dataSync() as Float32Array, shape: w.shape as number[] });
      });
    }
  } catch (err) {
    file.close();
    await rm(tmp, { force: true });
    throw err;
  }
  file.close();
  await rename(tmp, path);
}
