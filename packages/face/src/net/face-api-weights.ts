/**
 * Reading face-api's shipped weights (a tfjs weights manifest + `.bin` shard per model, uint8-quantized):
 * the folder is found through the optional peer `@vladmandic/face-api` (its `model/` folder) or given by
 * the caller, and read by @cnn/ops `readWeightsManifest` (as @cnn/yolo's detector weights): shard paths stay
 * inside the folder, byte counts match the manifest, then dequantization. Node only (dynamic `node:` imports); in a
 * browser fetch the files and call @cnn/ops `decodeWeightsManifest` yourself.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  FileNotFoundError,
  InvalidArgumentError,
  WeightsMismatchError,
  describeValue,
  isNode,
  readWeightsManifest,
} from '@cnn/ops';

/** The npm package whose `model/` folder holds the weights. */
export const FACE_API_PACKAGE = '@vladmandic/face-api';

/**
 * `node_modules/@vladmandic/face-api/model/` resolved from this module (with a trailing separator), or
 * FileNotFoundError saying how to get it.
 */
export async function defaultFaceApiModelDir(): Promise<string> {
  const { createRequire } = await import('node:module');
  const nodePath = await import('node:path');
  const fs = await import('node:fs/promises');
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve(`${FACE_API_PACKAGE}/package.json`);
  } catch {
    throw new FileNotFoundError(
      `${FACE_API_PACKAGE}/model`,
      'weights folder',
      `The pretrained face nets come from the optional peer dependency ${FACE_API_PACKAGE}: run \`npm install ${FACE_API_PACKAGE}\`, or pass the folder holding the face-api weights manifests and .bin files.`,
    );
  }
  const dir = nodePath.join(nodePath.dirname(packageJson), 'model');
  if (!(await fs.stat(dir).then((s) => s.isDirectory(), () => false))) {
    throw new FileNotFoundError(dir, 'weights folder', `${FACE_API_PACKAGE} is installed without its 'model' folder: reinstall it, or pass the folder holding the weights.`);
  }
  return dir + nodePath.sep;
}

/**
 * Reads and dequantizes one face-api model: `path` is a folder holding `<model>-weights_manifest.json` (and
 * its shards), or the manifest's own path; default the installed `@vladmandic/face-api/model/`. In a browser
 * (or for an http URL) `path` is the URL of that folder or manifest, fetched. The caller disposes the tensors.
 */
export async function readFaceApiWeights(model: string, path?: string): Promise<tf.NamedTensorMap> {
  if (typeof model !== 'string' || model.length === 0) throw new InvalidArgumentError('model', "a face-api model name such as 'face_recognition_model'", describeValue(model));
  if (path !== undefined && (typeof path !== 'string' || path.length === 0)) {
    throw new InvalidArgumentError('path', "the weights folder or its manifest's path", describeValue(path));
  }
  const manifestName = `${model}-weights_manifest.json`;
  if (path === undefined && !isNode()) {
    throw new InvalidArgumentError('path', `the URL of the folder serving face-api's ${manifestName} and ${model}.bin (a browser has no installed ${FACE_API_PACKAGE} to read)`, 'undefined', "e.g. createFacePipeline({ faceApiModelDir: '/models/face-api/' }).");
  }
  return readWeightsManifest(path ?? (await defaultFaceApiModelDir()), {
    manifestName,
    hint: `Pass the folder holding ${manifestName} and ${model}.bin (e.g. node_modules/${FACE_API_PACKAGE}/model), or the manifest itself.`,
  });
}

/** Throws WeightsMismatchError naming the first missing, extra or wrongly shaped tensor. */
export function checkFaceApiWeights(label: string, weights: tf.NamedTensorMap, expected: ReadonlyMap<string, readonly number[]>): void {
  if (weights === null || typeof weights !== 'object') throw new InvalidArgumentError('weights', 'a map of face-api weight name -> tensor', describeValue(weights));
  const unknown = Object.keys(weights).filter((n) => !expected.has(n));
  if (unknown.length > 0) {
    throw new WeightsMismatchError(`${label} weights: unexpected tensor(s) ${unknown.slice(0, 8).map((n) => `'${n}'`).join(', ')}${unknown.length > 8 ? ', …' : ''}; these are not ${label}'s weights.`);
  }
  for (const [name, shape] of expected) {
    const t = weights[name];
    if (!(t instanceof tf.Tensor) || t.isDisposed) {
      throw new WeightsMismatchError(`${label} weights: '${name}' (shape [${shape.join(', ')}]) is missing${t ? ' or disposed' : ''}.`);
    }
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new WeightsMismatchError(`${label} weights: '${name}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}].`);
    }
    if (t.dtype !== 'float32') throw new WeightsMismatchError(`${label} weights: '${name}' is ${t.dtype}, expected float32.`);
  }
}

/**
 * Sets a model's weights from tensors keyed by the weights' original names (`<layer>/<weight>`). Every model
 * weight needs exactly one tensor of its shape and every tensor must be used (else WeightsMismatchError,
 * nothing changed). The tensors are copied.
 */
export function setWeightsByName(model: tfl.LayersModel, weights: tf.NamedTensorMap, label: string): void {
  if (!(model instanceof tfl.LayersModel)) throw new InvalidArgumentError('model', `a tfjs-layers model built by ${label}`, describeValue(model));
  const order: tf.Tensor[] = [];
  const used = new Set<string>();
  for (const w of model.weights) {
    const t = weights[w.originalName];
    if (!(t instanceof tf.Tensor) || t.isDisposed) throw new WeightsMismatchError(`${label}: no tensor for the model weight '${w.originalName}' (shape [${w.shape.join(', ')}]).`);
    if (t.shape.length !== w.shape.length || t.shape.some((d, i) => d !== w.shape[i])) {
      throw new WeightsMismatchError(`${label}: '${w.originalName}' has shape [${t.shape.join(', ')}] but the model needs [${w.shape.join(', ')}].`);
    }
    used.add(w.originalName);
    order.push(t);
  }
  const unused = Object.keys(weights).filter((n) => !used.has(n));
  if (unused.length > 0) throw new WeightsMismatchError(`${label}: tensor(s) ${unused.slice(0, 8).join(', ')} match no model weight; build the model with ${label}.`);
  model.setWeights(order);
}
