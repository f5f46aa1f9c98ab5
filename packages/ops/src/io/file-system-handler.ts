/**
 * A tfjs IOHandler for the local file system (Node), for layers and graph models:
 * `tf.loadLayersModel(fileSystem('path/to/model'))`, `model.save(fileSystem('path/to/model'))`.
 * Loading checks every shard; saving is atomic (a new folder is written beside the target, then swapped in).
 */
import * as tf from '@tensorflow/tfjs-core';
import { FileNotFoundError, InvalidArgumentError, UnsafePathError, WeightsMismatchError } from '../errors/errors.js';
import { describeValue } from '../errors/validate.js';
import { groupBytes } from './weights-manifest.js';

const node = async () => ({
  fs: await import('node:fs/promises'),
  path: await import('node:path'),
  crypto: await import('node:crypto'),
});

/** Resolves `rel` inside `root`, refusing absolute paths, drive letters and `..` escapes. */
export async function resolveInside(root: string, rel: string): Promise<string> {
  const { path } = await node();
  if (typeof rel !== 'string' || rel.length === 0 || path.isAbsolute(rel) || /^[a-zA-Z]:/.test(rel) || rel.includes('\0')) throw new UnsafePathError(String(rel), root);
  const full = path.resolve(root, rel);
  const back = path.relative(root, full);
  if (back.startsWith('..') || path.isAbsolute(back)) throw new UnsafePathError(rel, root);
  return full;
}

async function modelJsonPath(target: string): Promise<{ dir: string; json: string }> {
  const { fs, path } = await node();
  const stat = await fs.stat(target).catch(() => undefined);
  if (stat?.isDirectory()) return { dir: target, json: path.join(target, 'model.json') };
  return { dir: path.dirname(target), json: target };
}

export class FileSystemHandler implements tf.io.IOHandler {
  constructor(readonly target: string) {
    if (typeof target !== 'string' || target.length === 0) throw new InvalidArgumentError('path', 'a model folder or model.json path', describeValue(target));
  }

  async load(): Promise<tf.io.ModelArtifacts> {
    const { fs } = await node();
    const { dir, json } = await modelJsonPath(this.target);
    let text: string;
    try {
      text = await fs.readFile(json, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FileNotFoundError(json, 'model file', 'Pass the folder that holds model.json or the model.json path itself.');
      throw err;
    }
    let modelJSON: tf.io.ModelJSON;
    try {
      modelJSON = JSON.parse(text) as tf.io.ModelJSON;
    } catch (err) {
      throw new WeightsMismatchError(`'${json}' is not valid JSON: ${(err as Error).message}`);
    }
    if (modelJSON.modelTopology == null && modelJSON.weightsManifest == null) {
      throw new WeightsMismatchError(`'${json}' has neither modelTopology nor weightsManifest: it is not a tfjs model.json.`);
    }
    return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => this.loadWeights(dir, json, manifest));
  }

  private async loadWeights(dir: string, json: string, manifest: tf.io.WeightsManifestConfig): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
    const { fs } = await node();
    const buffers: ArrayBuffer[] = [];
    const specs: tf.io.WeightsManifestEntry[] = [];
    for (const group of manifest) {
      const parts: ArrayBuffer[] = [];
      for (const p of group.paths) {
        const file = await resolveInside(dir, p);
        let bytes: Buffer;
        try {
          bytes = await fs.readFile(file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FileNotFoundError(file, 'weight shard', `It is listed in '${json}'; copy the complete model folder.`);
          throw err;
        }
        parts.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      }
      const data = tf.io.concatenateArrayBuffers(parts);
      const want = groupBytes(group);
      if (data.byteLength !== want) {
        throw new WeightsMismatchError(`The shards ${group.paths.join(', ')} of '${json}' hold ${data.byteLength} bytes; the manifest needs ${want}. The files are truncated or from another model.`);
      }
      buffers.push(data);
      specs.push(...group.weights);
    }
    return [specs, tf.io.concatenateArrayBuffers(buffers)];
  }

  async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
    const { fs, path, crypto } = await node();
    const { dir, json } = await modelJsonPath(this.target);
    const jsonName = path.basename(json).endsWith('.json') ? path.basename(json) : 'model.json';
    const finalDir = path.basename(json).endsWith('.json') ? dir : this.target;
    const weightsFile = `${path.basename(jsonName, '.json')}.weights.bin`;
    const data = artifacts.weightData == null ? undefined : new Uint8Array(tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]));
    const modelJSON: Record<string, unknown> = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      weightsManifest: data ? [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }] : [],
    };
    for (const key of ['trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'] as const) {
      if (artifacts[key] != null) modelJSON[key] = artifacts[key];
    }
    await fs.mkdir(path.dirname(path.resolve(finalDir)), { recursive: true });
    const stamp = `${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    const staging = `${path.resolve(finalDir)}.saving-${stamp}`;
    const old = `${path.resolve(finalDir)}.old-${stamp}`;
    await fs.mkdir(staging, { recursive: true });
    try {
      const write = async (name: string, bytes: Uint8Array | string) => {
        const h = await fs.open(path.join(staging, name), 'w');
        try {
          await h.writeFile(bytes);
          await h.sync();
        } finally {
          await h.close();
        }
      };
      if (data) await write(weightsFile, data);
      await write(jsonName, JSON.stringify(modelJSON));
      // Swap in: keep the old folder until the new one is in place.
      const exists = await fs.stat(finalDir).then(() => true, () => false);
      if (exists) {
        // Carry over unrelated files (e.g. labels) the old folder had.
        for (const f of await fs.readdir(finalDir)) {
          if (f !== jsonName && f !== weightsFile) await fs.cp(path.join(finalDir, f), path.join(staging, f), { recursive: true });
        }
        await fs.rename(finalDir, old);
      }
      await fs.rename(staging, finalDir);
      if (exists) await fs.rm(old, { recursive: true, force: true });
    } catch (err) {
      await fs.rm(staging, { recursive: true, force: true });
      const oldExists = await fs.stat(old).then(() => true, () => false);
      if (oldExists && !(await fs.stat(finalDir).then(() => true, () => false))) await fs.rename(old, finalDir);
      throw err;
    }
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }
}

/** An IOHandler reading/writing a model folder (or a model.json path) on the local disk. */
export function fileSystem(path: string): FileSystemHandler {
  return new FileSystemHandler(path);
}
