/**
 * A tfjs IOHandler for the local file system (Node), for layers and graph models alike:
 *   `tf.loadLayersModel(fileSystem('models/vgg'))`, `model.save(fileSystem('models/vgg'))`.
 * `path` is a model folder (its `model.json` is used) or the path of the `.json` file itself.
 *
 * Loading checks every shard before tfjs sees it: paths may not leave the model folder, a missing shard
 * is named together with the manifest that lists it, and byte counts must match the manifest.
 *
 * Saving is crash-safe. Shards get content-addressed names (`model.weights.<hash>.bin`), so writing them
 * never touches a file the current model.json uses; each file is written to a temp name, fsynced and
 * renamed; model.json is renamed into place last. That rename is the commit point: before it the old
 * model loads unchanged, after it the new one loads complete. Only then are the old model's shards
 * deleted (unless another .json in the folder still lists them). Other files in the folder stay.
 *
 * Node modules are imported lazily so browser bundles of @cnn/ops never load them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FileNotFoundError, InvalidArgumentError, WeightsMismatchError } from '../errors/errors.js';
import { describeValue } from '../errors/validate.js';
import { resolveInside } from './safe-path.js';
import { checkWeightGroupBytes, concatBuffers, normalizeWeightsManifest, toArrayBuffers } from './weights-manifest.js';

export interface FileSystemOptions {
  /**
   * Split saved weights into shard files of at most this many bytes (tfjs-converter uses 4 MiB, which
   * suits browsers' HTTP caches). Default: one file.
   */
  shardSizeBytes?: number;
}

/** A model.json read from disk with its weights: what `load()` builds its ModelArtifacts from. */
export interface ModelFiles {
  /** Absolute path of the model folder (shard paths are relative to it). */
  dir: string;
  /** Absolute path of the model JSON file. */
  json: string;
  modelJSON: tf.io.ModelJSON;
  /** The weights manifest, normalized (legacy quantization forms rewritten), or [] when there is none. */
  manifest: tf.io.WeightsManifestConfig;
  /** Each group's shard bytes, in manifest order. */
  groups: ArrayBuffer[][];
}

const node = async () => ({
  fs: await import('node:fs/promises'),
  path: await import('node:path'),
  crypto: await import('node:crypto'),
});

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

/** The folder and JSON file `target` names: a folder means `<folder>/model.json`. */
async function locate(target: string, forSave: boolean): Promise<{ dir: string; json: string }> {
  const { fs, path } = await node();
  const abs = path.resolve(target);
  const stat = await fs.stat(abs).catch(() => undefined);
  if (stat?.isDirectory()) return { dir: abs, json: path.join(abs, 'model.json') };
  if (/\.json$/i.test(abs)) return { dir: path.dirname(abs), json: abs };
  if (stat && forSave) {
    throw new InvalidArgumentError('path', 'a model folder or the path of a .json file', `the existing file '${abs}'`, 'Refusing to overwrite a file that is not a model JSON.');
  }
  return stat ? { dir: path.dirname(abs), json: abs } : { dir: abs, json: path.join(abs, 'model.json') };
}

async function readModelJSON(json: string): Promise<tf.io.ModelJSON> {
  const { fs } = await node();
  let text: string;
  try {
    text = await fs.readFile(json, 'utf8');
  } catch (err) {
    if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') {
      throw new FileNotFoundError(json, 'model file', 'Pass the folder that holds model.json, or the path of the model .json file itself.');
    }
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new WeightsMismatchError(`'${json}' is not valid JSON (${(err as Error).message}); it is truncated or not a tfjs model.json.`);
  }
  const obj = parsed as Partial<tf.io.ModelJSON> | null;
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj) || (obj.modelTopology == null && obj.weightsManifest == null)) {
    throw new WeightsMismatchError(`'${json}' has neither 'modelTopology' nor 'weightsManifest': it is not a tfjs model.json.`);
  }
  return obj as tf.io.ModelJSON;
}

/** A Node Buffer as an ArrayBuffer, without a copy when the Buffer owns its whole backing store. */
function bufferToArrayBuffer(b: Buffer): ArrayBuffer {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? (b.buffer as ArrayBuffer) : (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
}

/**
 * Reads `target`'s model JSON and every shard its manifest lists, checking paths (UnsafePathError),
 * presence (FileNotFoundError naming shard and manifest) and byte counts (WeightsMismatchError).
 */
export async function readModelFiles(target: string): Promise<ModelFiles> {
  if (typeof target !== 'string' || target.length === 0) throw new InvalidArgumentError('path', 'a model folder or model.json path', describeValue(target));
  const { fs } = await node();
  const { dir, json } = await locate(target, false);
  const modelJSON = await readModelJSON(json);
  const manifest = modelJSON.weightsManifest == null ? [] : normalizeWeightsManifest(modelJSON.weightsManifest, `The weightsManifest of '${json}'`);
  const groups: ArrayBuffer[][] = [];
  for (const [g, group] of manifest.entries()) {
    const parts: ArrayBuffer[] = [];
    for (const p of group.paths) {
      const file = await resolveInside(dir, p);
      try {
        parts.push(bufferToArrayBuffer(await fs.readFile(file)));
      } catch (err) {
        if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') {
          throw new FileNotFoundError(file, 'weight shard', `It is listed in weightsManifest[${g}].paths of '${json}'. Copy the whole model folder (the .json and every shard it lists), or download the model again.`);
        }
        throw err;
      }
    }
    const label = `The shard${group.paths.length === 1 ? '' : 's'} ${group.paths.map((p) => `'${p}'`).join(', ')} listed in weightsManifest[${g}] of '${json}'`;
    checkWeightGroupBytes(group, parts, label);
    groups.push(parts);
  }
  return { dir, json, modelJSON, manifest, groups };
}

/** Shard file paths (absolute) a model JSON lists, or [] when it is missing or unreadable. */
async function listedShards(dir: string, json: string): Promise<string[]> {
  const { fs } = await node();
  try {
    const parsed = JSON.parse(await fs.readFile(json, 'utf8')) as Partial<tf.io.ModelJSON>;
    const files: string[] = [];
    for (const group of Array.isArray(parsed.weightsManifest) ? parsed.weightsManifest : []) {
      for (const p of Array.isArray(group?.paths) ? group.paths : []) {
        // An unsafe path is never ours to delete; skip it.
        files.push(await resolveInside(dir, p).catch(() => ''));
      }
    }
    return files.filter(Boolean);
  } catch {
    return [];
  }
}

/** Writes `ranges` to a fresh temp file beside `dest`, fsyncs it and returns the temp path (removed on failure). */
async function writeTemp(dest: string, ranges: Iterable<Uint8Array>, stamp: string): Promise<string> {
  const { fs, path } = await node();
  const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.${stamp}.tmp`);
  const handle = await fs.open(tmp, 'wx');
  try {
    try {
      for (const bytes of ranges) {
        // handle.write may write less than asked; loop until the range is out.
        for (let done = 0; done < bytes.byteLength; ) done += (await handle.write(bytes, done, bytes.byteLength - done)).bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  return tmp;
}

/** Views of bytes [start, end) of the concatenation of `chunks`, without copying. */
function* byteRange(chunks: readonly ArrayBuffer[], start: number, end: number): Generator<Uint8Array> {
  let offset = 0;
  for (const c of chunks) {
    const from = Math.max(start, offset);
    const to = Math.min(end, offset + c.byteLength);
    if (from < to) yield new Uint8Array(c, from - offset, to - from);
    offset += c.byteLength;
    if (offset >= end) return;
  }
}

export class FileSystemHandler implements tf.io.IOHandler {
  readonly path: string;
  readonly options: FileSystemOptions;

  constructor(path: string, options: FileSystemOptions = {}) {
    if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', 'a model folder or model.json path', describeValue(path));
    const shard = options.shardSizeBytes;
    if (shard !== undefined && (!Number.isInteger(shard) || shard < 1)) {
      throw new InvalidArgumentError('options.shardSizeBytes', 'an integer >= 1 (bytes per shard file)', describeValue(shard));
    }
    this.path = path;
    this.options = { ...options };
  }

  async load(): Promise<tf.io.ModelArtifacts> {
    const files = await readModelFiles(this.path);
    // One ArrayBuffer, never an ArrayBuffer[] of unequal shards (see concatBuffers: tfjs 4.22 misreads those).
    const weightData = concatBuffers(files.groups.flat());
    return tf.io.getModelArtifactsForJSON({ ...files.modelJSON, weightsManifest: files.manifest }, async (manifest) => [tf.io.getWeightSpecs(manifest), weightData]);
  }

  async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
    if (typeof artifacts !== 'object' || artifacts === null) throw new InvalidArgumentError('artifacts', 'tfjs ModelArtifacts', describeValue(artifacts));
    if (artifacts.modelTopology instanceof ArrayBuffer) {
      throw new InvalidArgumentError('artifacts.modelTopology', 'a JSON topology (layers or graph model)', 'an ArrayBuffer', 'A binary GraphDef cannot be written as model.json.');
    }
    const wd: unknown = artifacts.weightData;
    if (wd != null && !(wd instanceof ArrayBuffer) && !ArrayBuffer.isView(wd) && !(Array.isArray(wd) && wd.every((c) => c instanceof ArrayBuffer || ArrayBuffer.isView(c)))) {
      throw new InvalidArgumentError('artifacts.weightData', 'an ArrayBuffer or an array of them', describeValue(wd));
    }
    const chunks = wd == null ? [] : toArrayBuffers(wd as ArrayBuffer | ArrayBuffer[]).filter((c) => c.byteLength > 0);
    const total = chunks.reduce((s, c) => s + c.byteLength, 0);
    if (total > 0 && artifacts.weightSpecs == null) {
      throw new InvalidArgumentError('artifacts.weightSpecs', 'the specs of the weights in weightData', 'undefined');
    }
    // Validate specs against the bytes before touching the disk.
    const weights = normalizeWeightsManifest([{ paths: [], weights: artifacts.weightSpecs ?? [] }], 'artifacts.weightSpecs')[0]!.weights;
    checkWeightGroupBytes({ weights }, chunks, 'artifacts.weightData');

    const { fs, path, crypto } = await node();
    const { dir, json } = await locate(this.path, true);
    await fs.mkdir(dir, { recursive: true });
    const stem = path.basename(json).replace(/\.json$/i, '');
    const stamp = `${process.pid}.${crypto.randomBytes(4).toString('hex')}`;

    // Content-addressed shard names: a new save never overwrites a shard the current model.json lists
    // (same name means same bytes and the same split).
    const shardSize = this.options.shardSizeBytes;
    const hash = crypto.createHash('sha256');
    for (const c of chunks) hash.update(new Uint8Array(c));
    hash.update(`\0shard:${shardSize ?? 'one'}`);
    const tag = hash.digest('hex').slice(0, 16);
    const count = weights.length === 0 && total === 0 ? 0 : shardSize ? Math.max(1, Math.ceil(total / shardSize)) : 1;
    const names = Array.from({ length: count }, (_, i) => (count === 1 ? `${stem}.weights.${tag}.bin` : `${stem}.weights.${tag}.${i + 1}of${count}.bin`));
    const manifest: tf.io.WeightsManifestConfig = count === 0 ? [] : [{ paths: names, weights }];
    const modelJSON: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      weightsManifest: manifest,
    };
    for (const key of ['trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'] as const) {
      if (artifacts[key] != null) (modelJSON as unknown as Record<string, unknown>)[key] = artifacts[key];
    }

    const oldShards = await listedShards(dir, json);
    const temps: string[] = [];
    const created: string[] = [];
    try {
      for (const [i, name] of names.entries()) {
        const dest = path.join(dir, name);
        const start = shardSize ? i * shardSize : 0;
        const end = shardSize ? Math.min(total, start + shardSize) : total;
        const tmp = await writeTemp(dest, byteRange(chunks, start, end), stamp);
        temps.push(tmp);
        const existed = await fs.stat(dest).then(
          () => true,
          () => false,
        );
        await fs.rename(tmp, dest);
        temps.pop();
        if (!existed) created.push(dest);
      }
      await syncDir(dir); // the shards' renames reach the disk before the JSON that lists them
      const tmpJson = await writeTemp(json, [new TextEncoder().encode(JSON.stringify(modelJSON))], stamp);
      temps.push(tmpJson);
      await fs.rename(tmpJson, json); // the commit point
      temps.pop();
    } catch (err) {
      // Not committed: the old model.json and its shards are untouched; remove what we added.
      await Promise.all([...temps, ...created].map((f) => fs.rm(f, { force: true }).catch(() => undefined)));
      throw err;
    }
    await syncDir(dir);
    await removeUnlisted(dir, json, oldShards);
    return {
      modelArtifactsInfo: { ...tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData: undefined }), weightDataBytes: total },
    };
  }
}

/** fsync a folder so the renames in it survive a power cut (a no-op where folders cannot be opened). */
async function syncDir(dir: string): Promise<void> {
  const { fs } = await node();
  try {
    const h = await fs.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Windows cannot fsync a directory; the renames are still atomic.
  }
}

/** Deletes the previous model's shards unless the current JSON or any other .json in the folder lists them. */
async function removeUnlisted(dir: string, json: string, oldShards: readonly string[]): Promise<void> {
  if (oldShards.length === 0) return;
  const { fs, path } = await node();
  const keep = new Set<string>();
  const jsons = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => /\.json$/i.test(f)).map((f) => path.join(dir, f));
  for (const other of new Set([json, ...jsons])) for (const f of await listedShards(dir, other)) keep.add(f);
  await Promise.all(oldShards.filter((f) => !keep.has(f)).map((f) => fs.rm(f, { force: true }).catch(() => undefined)));
}

/**
 * An IOHandler reading and writing a model folder (or a model .json path) on the local disk:
 * `tf.loadLayersModel(fileSystem(dir))`, `tf.loadGraphModel(fileSystem(dir))`, `model.save(fileSystem(dir))`.
 */
export function fileSystem(path: string, options: FileSystemOptions = {}): FileSystemHandler {
  return new FileSystemHandler(path, options);
}

/** Alias of `fileSystem` under the name the brief and tfjs-node users look for. */
export const fileSystemHandler = fileSystem;
