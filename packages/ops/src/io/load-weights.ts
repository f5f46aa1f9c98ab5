/**
 * Named weight tensors straight from a tfjs model folder: `await loadWeights('vgg19-imagenet-block1-3')`
 * resolves the id (search path, cache, download), reads model.json and its shards through the same checks
 * as `fileSystem().load()`, and decodes them (dequantizing uint8/uint16/float16). This is how builders with
 * Keras layer names pick weights by name. The caller owns and disposes the tensors. Node only.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { readModelFiles } from './file-system-handler.js';
import { resolveWeights, type ResolveOptions } from './resolve-weights.js';
import { decodeWeightsManifest } from './weights-manifest.js';

/** Decoded weights of the tfjs model at `idOrPath` (a weights id, a model folder or a model .json path). */
export async function loadWeights(idOrPath: string, options: ResolveOptions = {}): Promise<tf.NamedTensorMap> {
  const files = await readModelFiles(await resolveWeights(idOrPath, options));
  return decodeWeightsManifest(files.manifest, files.groups);
}
