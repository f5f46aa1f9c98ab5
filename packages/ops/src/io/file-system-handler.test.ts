import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { FileNotFoundError, InvalidArgumentError, UnsafePathError, WeightsMismatchError } from '../errors/errors.js';
import { expectNoLeaks } from '../testing/index.js';
import { fileSystem, fileSystemHandler, readModelFiles } from './file-system-handler.js';

let dir: string;
beforeAll(async () => {
  await ready({ backend: 'cpu' });
  dir = await mkdtemp(join(tmpdir(), 'cnn-fs-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const topology = (version: number) => ({ class_name: 'Sequential', config: { name: `toy_v${version}`, layers: [{ class_name: 'Dense', config: { units: 3 } }] }, keras_version: '2.1.6' });

/** A small layers model: a float32 kernel, an int32 counter and a bool mask. */
function layersArtifacts(version = 1): tf.io.ModelArtifacts {
  const kernel = Float32Array.from({ length: 6 }, (_, i) => (i - 2.5) * version + 1e-7);
  const count = Int32Array.from([7 * version, -8]);
  const mask = Uint8Array.from([1, 0, 1, 1]);
  const data = new Uint8Array(kernel.byteLength + count.byteLength + mask.byteLength);
  data.set(new Uint8Array(kernel.buffer), 0);
  data.set(new Uint8Array(count.buffer), 24);
  data.set(mask, 32);
  return {
    modelTopology: topology(version),
    format: 'layers-model',
    generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
    convertedBy: null,
    trainingConfig: { loss: 'categorical_crossentropy', metrics: ['accuracy'], optimizer_config: { class_name: 'Adam', config: {} } },
    weightSpecs: [
      { name: 'dense/kernel', shape: [2, 3], dtype: 'float32' },
      { name: 'dense/count', shape: [2], dtype: 'int32' },
      { name: 'dense/mask', shape: [4], dtype: 'bool', group: 'model' },
    ],
    weightData: data.buffer,
  };
}

const asBytes = (d: tf.io.WeightData | undefined) => Buffer.from(tf.io.CompositeArrayBuffer.join(d!));

describe('fileSystem IOHandler: save -> load', () => {
  it('round-trips a layers model: topology, training config and specs equal, weights bit for bit', async () => {
    const target = join(dir, 'layers');
    const a = layersArtifacts();
    const result = await fileSystem(target).save(a);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(36);
    const files = await readdir(target);
    expect(files).toHaveLength(2);
    expect(files).toContain('model.json');
    expect(files.find((f) => f !== 'model.json')).toMatch(/^model\.weights\.[0-9a-f]{16}\.bin$/);
    for (const handler of [fileSystem(target), fileSystemHandler(join(target, 'model.json'))]) {
      const back = await handler.load();
      expect(back.modelTopology).toEqual(a.modelTopology);
      expect(back.format).toBe('layers-model');
      expect(back.generatedBy).toBe(a.generatedBy);
      expect(back.trainingConfig).toEqual(a.trainingConfig);
      expect(back.weightSpecs).toEqual(a.weightSpecs);
      expect(back.weightData).toBeInstanceOf(ArrayBuffer);
      expect(asBytes(back.weightData).equals(asBytes(a.weightData))).toBe(true);
    }
  });

  it('round-trips a graph model (signature, metadata, initializer, quantized specs) from ArrayBuffer[] weight data', async () => {
    const target = join(dir, 'graph');
    const q = Uint8Array.from([0, 1, 2, 3]);
    const f = Float32Array.from([0.5, -1.25, 3]);
    const graph: tf.io.ModelArtifacts = {
      modelTopology: { node: [{ name: 'x', op: 'Placeholder' }, { name: 'w', op: 'Const' }, { name: 'y', op: 'MatMul', input: ['x', 'w'] }], versions: { producer: 1395 } },
      format: 'graph-model',
      generatedBy: '2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      signature: { inputs: { x: { name: 'x:0' } }, outputs: { y: { name: 'y:0' } } },
      userDefinedMetadata: { labels: ['cat', 'dog'] },
      modelInitializer: { node: [] },
      initializerSignature: { outputs: {} },
      weightSpecs: [
        { name: 'w', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 0.5 } },
        { name: 'b', shape: [3], dtype: 'float32' },
      ],
      // Unequal pieces (4 + 12 bytes) as tfjs save paths may hand them over.
      weightData: [q.buffer, f.buffer],
    };
    await fileSystem(target).save(graph);
    const back = await fileSystem(target).load();
    for (const key of ['format', 'modelTopology', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature', 'weightSpecs'] as const) {
      expect(back[key], key).toEqual(graph[key]);
    }
    const w = await expectNoLeaks(() => tf.io.decodeWeights(back.weightData!, back.weightSpecs!), { allowReturned: true });
    expect(Array.from(w['w']!.dataSync())).toEqual([0, 0.5, 1, 1.5]);
    expect(Array.from(w['b']!.dataSync())).toEqual([0.5, -1.25, 3]);
    tf.dispose(Object.values(w));
  });

  it('writes shards of at most shardSizeBytes and loads them back', async () => {
    const target = join(dir, 'sharded');
    await fileSystem(target, { shardSizeBytes: 10 }).save(layersArtifacts());
    const json = JSON.parse(await readFile(join(target, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    const paths = json.weightsManifest[0]!.paths;
    expect(paths).toHaveLength(4);
    expect(paths[0]).toMatch(/^model\.weights\.[0-9a-f]{16}\.1of4\.bin$/);
    expect(await Promise.all(paths.map(async (p) => (await stat(join(target, p))).size))).toEqual([10, 10, 10, 6]);
    expect(asBytes((await fileSystem(target).load()).weightData).equals(asBytes(layersArtifacts().weightData))).toBe(true);
    expect(() => fileSystem(target, { shardSizeBytes: 0 })).toThrow(InvalidArgumentError);
  });

  it('saves to a named .json beside other models without touching them, and saves weight-less models', async () => {
    const folder = join(dir, 'two-models');
    await fileSystem(join(folder, 'a.json')).save(layersArtifacts(1));
    await fileSystem(join(folder, 'b.json')).save(layersArtifacts(2));
    await fileSystem(join(folder, 'a.json')).save(layersArtifacts(3));
    expect(((await fileSystem(join(folder, 'a.json')).load()).modelTopology as { config: { name: string } }).config.name).toBe('toy_v3');
    expect(asBytes((await fileSystem(join(folder, 'b.json')).load()).weightData).equals(asBytes(layersArtifacts(2).weightData))).toBe(true);
    expect((await readdir(folder)).sort()).toHaveLength(4);
    const empty = join(dir, 'no-weights');
    await fileSystem(empty).save({ modelTopology: topology(0), format: 'layers-model' });
    const back = await fileSystem(empty).load();
    expect(back.weightSpecs).toEqual([]);
    expect((back.weightData as ArrayBuffer).byteLength).toBe(0);
  });
});

describe('fileSystem IOHandler: overwriting', () => {
  it('replaces the model, keeps unrelated files, deletes the old shards unless another .json lists them', async () => {
    const target = join(dir, 'over');
    await fileSystem(target).save(layersArtifacts(1));
    const v1Shards = (await readdir(target)).filter((f) => f.endsWith('.bin'));
    await writeFile(join(target, 'labels.txt'), 'cat\ndog\n');
    await fileSystem(target).save(layersArtifacts(2));
    const files = await readdir(target);
    expect(files.filter((f) => v1Shards.includes(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.bin'))).toHaveLength(1);
    expect(await readFile(join(target, 'labels.txt'), 'utf8')).toBe('cat\ndog\n');
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(asBytes((await fileSystem(target).load()).weightData).equals(asBytes(layersArtifacts(2).weightData))).toBe(true);

    // A converter folder where model.full.json shares a shard with model.json (like vgg19-imagenet-block1-3).
    const shared = join(dir, 'shared-shards');
    await mkdir(shared);
    const spec = [{ name: 'w', shape: [2], dtype: 'float32' }];
    await writeFile(join(shared, 'group1-shard1of1'), Buffer.from(Float32Array.from([1, 2]).buffer));
    await writeFile(join(shared, 'group2-shard1of1'), Buffer.from(Float32Array.from([3, 4]).buffer));
    await writeFile(join(shared, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['group1-shard1of1'], weights: spec }, { paths: ['group2-shard1of1'], weights: [{ ...spec[0], name: 'v' }] }] }));
    await writeFile(join(shared, 'model.full.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['group1-shard1of1'], weights: spec }] }));
    await fileSystem(shared).save(layersArtifacts(5));
    const left = await readdir(shared);
    expect(left).toContain('group1-shard1of1'); // still listed by model.full.json
    expect(left).not.toContain('group2-shard1of1');
    expect((await fileSystem(join(shared, 'model.full.json')).load()).weightSpecs).toEqual(spec);
  });

  it('refuses artifacts whose weights do not match their specs before touching the disk', async () => {
    const target = join(dir, 'never-written');
    await expect(fileSystem(target).save({ ...layersArtifacts(), weightData: new ArrayBuffer(35) })).rejects.toThrow(/artifacts.weightData: 35 bytes.*need 36/);
    await expect(fileSystem(target).save({ ...layersArtifacts(), weightSpecs: undefined })).rejects.toThrow(InvalidArgumentError);
    await expect(fileSystem(target).save({ ...layersArtifacts(), weightData: 42 as never })).rejects.toThrow(/artifacts.weightData/);
    await expect(fileSystem(target).save({ modelTopology: new ArrayBuffer(8) })).rejects.toThrow(/binary GraphDef/);
    await expect(stat(target)).rejects.toThrow();
    await writeFile(join(dir, 'a-file'), 'x');
    await expect(fileSystem(join(dir, 'a-file')).save(layersArtifacts())).rejects.toThrow(/Refusing to overwrite/);
    expect(() => fileSystem('')).toThrow(InvalidArgumentError);
  });
});

describe('fileSystem IOHandler: loading checks', () => {
  const manifestJson = (paths: string[]) => JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths, weights: [{ name: 'w', shape: [2], dtype: 'float32' }] }] });

  it.each(['../secret.bin', '../../etc/passwd', '/etc/passwd', 'C:\\x.bin', '..\\x.bin', 'sub/../../x.bin'])('rejects the manifest path %j with UnsafePathError', async (p) => {
    const m = join(dir, 'evil');
    await mkdir(m, { recursive: true });
    await writeFile(join(dir, 'secret.bin'), Buffer.alloc(8));
    await writeFile(join(m, 'model.json'), manifestJson([p]));
    await expect(fileSystem(m).load()).rejects.toThrow(UnsafePathError);
  });

  it('names a missing shard and its manifest; names short and long shards with both byte counts', async () => {
    const m = join(dir, 'broken');
    await mkdir(m, { recursive: true });
    await writeFile(join(m, 'model.json'), manifestJson(['w1.bin', 'w2.bin']));
    await writeFile(join(m, 'w1.bin'), Buffer.alloc(4));
    const missing = (await fileSystem(m).load().catch((e: unknown) => e)) as FileNotFoundError;
    expect(missing).toBeInstanceOf(FileNotFoundError);
    expect(missing.path).toBe(join(m, 'w2.bin'));
    expect(missing.message).toContain(`weightsManifest[0].paths of '${join(m, 'model.json')}'`);
    await writeFile(join(m, 'w2.bin'), Buffer.alloc(3));
    await expect(fileSystem(m).load()).rejects.toThrow(/The shards 'w1\.bin', 'w2\.bin' listed in weightsManifest\[0\] of '.*model\.json': 7 bytes, but the manifest's weights \(w\) need 8\. A file is truncated/);
    await writeFile(join(m, 'w2.bin'), Buffer.alloc(5));
    await expect(fileSystem(m).load()).rejects.toThrow(WeightsMismatchError);
    await writeFile(join(m, 'w2.bin'), Buffer.alloc(4));
    expect(((await fileSystem(m).load()).weightData as ArrayBuffer).byteLength).toBe(8);
  });

  it('explains a missing model.json, invalid JSON and a JSON that is not a model', async () => {
    await expect(fileSystem(join(dir, 'nope')).load()).rejects.toThrow(FileNotFoundError);
    await expect(fileSystem(join(dir, 'nope', 'm.json')).load()).rejects.toThrow(/model file '.*m\.json' does not exist/);
    const m = join(dir, 'bad-json');
    await mkdir(m, { recursive: true });
    await writeFile(join(m, 'model.json'), '{"modelTopology": {');
    await expect(fileSystem(m).load()).rejects.toThrow(/not valid JSON/);
    await writeFile(join(m, 'model.json'), '{"hello": 1}');
    await expect(fileSystem(m).load()).rejects.toThrow(/neither 'modelTopology' nor 'weightsManifest'/);
    await writeFile(join(m, 'model.json'), '{"modelTopology": {}, "weightsManifest": {"paths": []}}');
    await expect(fileSystem(m).load()).rejects.toThrow(WeightsMismatchError);
  });

  it('readModelFiles returns the normalized manifest and per-group shard bytes', async () => {
    const m = join(dir, 'legacy');
    await mkdir(m, { recursive: true });
    await writeFile(join(m, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['q'], weights: [{ name: 'w', shape: [2], dtype: 'uint8', quantization: { min: 0, scale: 2, original_dtype: 'float32' } }] }] }));
    await writeFile(join(m, 'q'), Buffer.from([1, 2]));
    const files = await readModelFiles(m);
    expect(files.manifest[0]!.weights[0]).toEqual({ name: 'w', shape: [2], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 2 } });
    expect(files.groups.map((g) => g.map((b) => b.byteLength))).toEqual([[2]]);
    // load() hands tfjs the normalized specs, so tfjs-layers/converter can decode legacy manifests too.
    const back = await fileSystem(m).load();
    const w = tf.io.decodeWeights(back.weightData!, back.weightSpecs!);
    expect(Array.from(w['w']!.dataSync())).toEqual([2, 4]);
    tf.dispose(Object.values(w));
  });

  it('save and load create no tensors', async () => {
    await expectNoLeaks(async () => {
      await fileSystem(join(dir, 'leak')).save(layersArtifacts());
      await fileSystem(join(dir, 'leak')).load();
    });
  });
});
