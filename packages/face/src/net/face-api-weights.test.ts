import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { FileNotFoundError, InvalidArgumentError, UnsafePathError, WeightsMismatchError, ready } from '@cnn/ops';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FACE_API_PACKAGE, defaultFaceApiModelDir, readFaceApiWeights } from './face-api-weights.js';

const MODEL = 'face_landmark_68_model';

describe('face-api weights', () => {
  let root: string;
  let modelDir: string;
  beforeAll(async () => {
    await ready({ backend: 'wasm' });
    modelDir = await defaultFaceApiModelDir();
    root = await mkdtemp(join(tmpdir(), 'cnn-face-weights-'));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function copyModel(name: string): Promise<string> {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    await copyFile(join(modelDir, `${MODEL}-weights_manifest.json`), join(dir, `${MODEL}-weights_manifest.json`));
    await copyFile(join(modelDir, `${MODEL}.bin`), join(dir, `${MODEL}.bin`));
    return dir;
  }

  it("finds the installed @vladmandic/face-api's model folder", async () => {
    expect(modelDir.endsWith(`${join('@vladmandic', 'face-api', 'model')}${sep}`)).toBe(true);
  });

  it('reads and dequantizes a model from the default folder, a given folder or its manifest', async () => {
    const weights = await readFaceApiWeights(MODEL);
    expect(Object.keys(weights)).toHaveLength(49); // dense0: 2 + 3 × 3, dense1..3: 4 × 3 each, fc: 2
    expect(weights['fc/weights']!.shape).toEqual([256, 136]);
    expect(weights['fc/weights']!.dtype).toBe('float32');
    const dir = await copyModel('copy');
    const fromDir = await readFaceApiWeights(MODEL, dir);
    const fromManifest = await readFaceApiWeights(MODEL, join(dir, `${MODEL}-weights_manifest.json`));
    expect(Array.from(fromDir['dense3/conv2/bias']!.dataSync())).toEqual(Array.from(weights['dense3/conv2/bias']!.dataSync()));
    expect(Object.keys(fromManifest)).toEqual(Object.keys(weights));
    tf.dispose([...Object.values(weights), ...Object.values(fromDir), ...Object.values(fromManifest)]);
  });

  it('says what is wrong with missing, broken, truncated or escaping files', async () => {
    await expect(readFaceApiWeights(MODEL, join(root, 'nowhere'))).rejects.toThrow(FileNotFoundError);
    await expect(readFaceApiWeights(MODEL, join(root, 'nowhere'))).rejects.toThrow(/face_landmark_68_model-weights_manifest.json and face_landmark_68_model.bin/);

    const broken = await copyModel('broken');
    await writeFile(join(broken, `${MODEL}-weights_manifest.json`), '{ not json');
    await expect(readFaceApiWeights(MODEL, broken)).rejects.toThrow(WeightsMismatchError);

    const truncated = await copyModel('truncated');
    await truncate(join(truncated, `${MODEL}.bin`), 1000);
    await expect(readFaceApiWeights(MODEL, truncated)).rejects.toThrow(/truncated/);

    const noShard = await copyModel('no-shard');
    await rm(join(noShard, `${MODEL}.bin`));
    await expect(readFaceApiWeights(MODEL, noShard)).rejects.toThrow(FileNotFoundError);

    const escaping = await copyModel('escaping');
    const manifestPath = join(escaping, `${MODEL}-weights_manifest.json`);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { paths: string[] }[];
    manifest[0]!.paths = ['../copy/face_landmark_68_model.bin'];
    await writeFile(manifestPath, JSON.stringify(manifest));
    await expect(readFaceApiWeights(MODEL, escaping)).rejects.toThrow(UnsafePathError);

    await expect(readFaceApiWeights('', modelDir)).rejects.toThrow(InvalidArgumentError);
    await expect(readFaceApiWeights(MODEL, '')).rejects.toThrow(InvalidArgumentError);
    await expect(readFaceApiWeights(MODEL, 42 as never)).rejects.toThrow(InvalidArgumentError);
  });

  it(`without ${FACE_API_PACKAGE} installed: FileNotFoundError saying to install it or pass the folder`, async () => {
    vi.resetModules();
    vi.doMock('node:module', async (importOriginal) => ({
      ...(await importOriginal<typeof import('node:module')>()),
      createRequire: () => ({
        resolve: () => {
          throw Object.assign(new Error(`Cannot find module '${FACE_API_PACKAGE}/package.json'`), { code: 'MODULE_NOT_FOUND' });
        },
      }),
    }));
    try {
      const fresh = await import('./face-api-weights.js');
      const err = await fresh.defaultFaceApiModelDir().catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'FileNotFoundError', code: 'FILE_NOT_FOUND' });
      expect((err as Error).message).toMatch(/npm install @vladmandic\/face-api/);
      expect((err as Error).message).toMatch(/pass the folder/);
      await expect(fresh.readFaceApiWeights(MODEL)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    } finally {
      vi.doUnmock('node:module');
      vi.resetModules();
    }
  });
});
