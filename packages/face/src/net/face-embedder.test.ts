import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceEmbedder, computeFaceDescriptor, createFaceEmbedder, disposeDefaultFaceEmbedder } from './face-embedder.js';
import { readFaceApiWeights } from './face-api-weights.js';
import { FACE_RECOGNITION_MODEL, faceRecognitionNet } from './face-recognition-net.js';
import { recognitionForwardImages } from './test-support/face-api-forward.js';

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('FaceEmbedder', () => {
  let embedder: FaceEmbedder;
  let faces: tf.Tensor3D[];
  beforeAll(async () => {
    await ready({ backend: 'wasm' });
    embedder = await createFaceEmbedder();
    faces = [
      tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([150, 150, 3], 0, 256, 'float32', 1)), 'int32')) as tf.Tensor3D,
      tf.randomUniform([120, 90, 3], 0, 255, 'float32', 2) as tf.Tensor3D,
      tf.randomUniform([64, 64, 3], 0, 255, 'float32', 3) as tf.Tensor3D,
    ];
  });
  afterAll(async () => {
    embedder?.dispose();
    tf.dispose(faces);
    await disposeDefaultFaceEmbedder();
  });

  it('gives one 128-number descriptor per face, equal to face-api’s forward pass, in any batching, leaking nothing', async () => {
    const all = await expectNoLeaks(() => embedder.embed(faces));
    expect(all).toHaveLength(3);
    for (const d of all) {
      expect(d).toBeInstanceOf(Float32Array);
      expect(d).toHaveLength(128);
    }
    const weights = await readFaceApiWeights(FACE_RECOGNITION_MODEL);
    const ref = recognitionForwardImages(weights, faces, 256);
    const refRows = await ref.array();
    all.forEach((d, i) => expect(maxDiff(d, refRows[i]!), `face ${i}`).toBeLessThan(1e-5));
    tf.dispose([ref, ...Object.values(weights)]);
    for (const batchSize of [1, 2]) {
      const again = await expectNoLeaks(() => embedder.embed(faces, { batchSize }));
      again.forEach((d, i) => expect(maxDiff(d, all[i]!), `batchSize ${batchSize}, face ${i}`).toBeLessThan(1e-5));
    }
    const [one] = await embedder.embed(faces[1]!);
    expect(maxDiff(one!, all[1]!)).toBeLessThan(1e-5);
  });

  it('takes a [N, H, W, C] batch and gray faces', async () => {
    const batch = tf.stack([faces[1]!, faces[1]!, faces[1]!]) as tf.Tensor4D;
    const out = await expectNoLeaks(() => embedder.embed(batch, { batchSize: 2 }));
    const [single] = await embedder.embed(faces[1]!);
    expect(out).toHaveLength(3);
    out.forEach((d) => expect(maxDiff(d, single!)).toBeLessThan(1e-5));
    const gray = tf.randomUniform([50, 40, 1], 0, 255, 'float32', 5) as tf.Tensor3D;
    const rgb = tf.tile(gray, [1, 1, 3]) as tf.Tensor3D;
    const [g] = await embedder.embed(gray);
    const [c] = await embedder.embed(rgb);
    expect(maxDiff(g!, c!)).toBe(0);
    tf.dispose([batch, gray, rgb]);
  });

  it('computeFaceDescriptor uses a shared embedder (loaded once) and matches embed()', async () => {
    const d = await computeFaceDescriptor(faces[2]!);
    const [e] = await embedder.embed(faces[2]!);
    expect(maxDiff(d, e!)).toBeLessThan(1e-5);
    const before = tf.memory().numTensors;
    await computeFaceDescriptor(faces[0]!, { divisor: 255 });
    expect(tf.memory().numTensors).toBe(before);
    await disposeDefaultFaceEmbedder();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });

  it('rejects bad faces and options with InvalidArgumentError before any work', async () => {
    const rgba = tf.zeros([8, 8, 4], 'int32') as tf.Tensor3D;
    await expectNoLeaks(async () => {
      await expect(embedder.embed(rgba)).rejects.toThrow(/Drop the alpha channel/);
      await expect(embedder.embed([faces[0]!, rgba])).rejects.toThrow(/faces\[1\]/);
      await expect(embedder.embed([])).rejects.toThrow(InvalidArgumentError);
      await expect(embedder.embed(faces[0]!, { batchSize: 0 })).rejects.toThrow(/options.batchSize/);
      await expect(embedder.embed(faces[0]!, { batchSize: 2.5 })).rejects.toThrow(InvalidArgumentError);
      await expect(embedder.embed(faces[0]!, { divisor: -1 })).rejects.toThrow(/options.divisor/);
      await expect(embedder.embed(faces[0]!, null as never)).rejects.toThrow(/options/);
      await expect(computeFaceDescriptor(faces as never)).rejects.toThrow(/For several faces use FaceEmbedder.embed/);
      await expect(computeFaceDescriptor(rgba)).rejects.toThrow(InvalidArgumentError);
    });
    expect(() => new FaceEmbedder({} as never)).toThrow(InvalidArgumentError);
    expect(() => new FaceEmbedder(embedder.model, { batchSize: -3 })).toThrow(/options.batchSize/);
    await expect(createFaceEmbedder(null as never)).rejects.toThrow(InvalidArgumentError);
    await expect(createFaceEmbedder({ weightsPath: '/nonexistent/face-weights' })).rejects.toThrow(/does not exist/);
    rgba.dispose();
  });

  it('owns a given model and refuses work after dispose()', async () => {
    const model = faceRecognitionNet();
    const own = await createFaceEmbedder({ model, defaults: { batchSize: 4 } });
    expect(own.model).toBe(model);
    expect(own.defaults).toEqual({ batchSize: 4 });
    const before = tf.memory().numTensors;
    own.dispose();
    own.dispose();
    expect(own.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before - model.weights.length);
    await expect(own.embed(faces[0]!)).rejects.toThrow(/a disposed one/);
  });
});
