/**
 * evaluateFaceFolder on a small folder-per-identity set made here from @vladmandic/face-api's demo photo
 * sample1.jpg: its three people, each as two different crops (tight and wide, the wide one mirrored), so
 * the truth is known: 3 genuine pairs, every other pair an impostor.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { AbortedError, InvalidArgumentError, decodeImage, ready, writeImage } from '@cnn/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FacePipeline, createFacePipeline } from './face-pipeline.js';
import { evaluateFaceFolder } from './evaluate-folder.js';

const demo = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');
let pipeline: FacePipeline;
let root: string;

beforeAll(async () => {
  await ready({ backend: 'wasm' });
  pipeline = await createFacePipeline();
  root = await mkdtemp(join(tmpdir(), 'cnn-face-folder-'));
  const photo = (await decodeImage(join(demo, 'sample1.jpg'), { channels: 3 })) as tf.Tensor3D;
  const faces = await pipeline.detect(photo);
  expect(faces.length).toBe(3);
  const [h, w] = photo.shape;
  for (const [k, face] of faces.entries()) {
    await mkdir(join(root, `person${k}`));
    for (const [n, grow, mirror] of [[1, 0.5, false], [2, 1, true]] as const) {
      const [x1, y1, x2, y2] = face.box;
      const dx = grow * (x2 - x1);
      const dy = grow * (y2 - y1);
      const top = Math.max(0, Math.round(y1 - dy));
      const left = Math.max(0, Math.round(x1 - dx));
      const crop = tf.tidy(() => {
        const c = tf.slice(photo, [top, left, 0], [Math.min(h, Math.round(y2 + dy)) - top, Math.min(w, Math.round(x2 + dx)) - left, 3]);
        return mirror ? tf.reverse(c, 1) : c;
      });
      await writeImage(join(root, `person${k}`, `${n}.png`), crop as tf.Tensor3D);
      crop.dispose();
    }
  }
  photo.dispose();
}, 180_000);

afterAll(async () => {
  pipeline?.dispose();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('evaluateFaceFolder', () => {
  it('describes every picture and scores the known identities perfectly, leaking no tensors', async () => {
    const seen: number[] = [];
    const before = tf.memory().numTensors;
    const report = await evaluateFaceFolder(root, { pipeline, folds: 2, onProgress: (d) => seen.push(d) });
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(report.identities).toBe(3);
    expect(report.images).toBe(6);
    expect(report.detected).toBe(6);
    expect(report.labels).toEqual(['person0', 'person0', 'person1', 'person1', 'person2', 'person2']);
    expect(report.verification.genuinePairs).toBe(3);
    expect(report.verification.impostorPairs).toBe(3);
    expect(report.verification.auc).toBe(1);
    // Enrolling image 1 of each person, each image 2 is identified as its own person.
    expect(report.identification.rankAccuracy[0]).toEqual({ rank: 1, accuracy: 1 });
    // The genuine pairs sit below dlib's 0.6, the impostors above.
    expect(report.verification.eer).toBe(0);
  });

  it('stops on an aborted signal and refuses a missing pipeline', async () => {
    const stop = new AbortController();
    stop.abort();
    await expect(evaluateFaceFolder(root, { pipeline, signal: stop.signal })).rejects.toThrow(AbortedError);
    await expect(evaluateFaceFolder(root, {} as never)).rejects.toThrow(InvalidArgumentError);
    await expect(evaluateFaceFolder(root, { pipeline, pick: 'last' as never })).rejects.toThrow(/first/);
  });
});

describe('evaluateFaceFolder with whole: true', () => {
  it('embeds each picture as it is: no detection, no landmarks, no alignment', async () => {
    const report = await evaluateFaceFolder(root, { pipeline, whole: true, folds: 2 });
    expect(report.detected).toBe(0);
    const first = (await decodeImage(join(root, 'person0', '1.png'), { channels: 3 })) as tf.Tensor3D;
    const [direct] = await pipeline.embedder.embed(first);
    first.dispose();
    expect(Array.from(report.descriptors[0]!)).toEqual(Array.from(direct!));
  });
});
