import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceDetector, createFaceDetector, detectFaces, disposeDefaultFaceDetector } from './face-detector.js';
import { preprocessFaceImage } from './preprocess.js';
import { decodeFaceGrid } from './decode.js';

describe('FaceDetector', () => {
  let detector: FaceDetector;
  let image: tf.Tensor3D;
  beforeAll(async () => {
    await ready();
    detector = await createFaceDetector();
    // A smooth synthetic picture (no faces needed: these tests check plumbing, not accuracy).
    image = tf.tidy(() => {
      const y = tf.reshape(tf.linspace(0, 255, 48), [48, 1, 1]);
      const x = tf.reshape(tf.linspace(0, 255, 80), [1, 80, 1]);
      return tf.cast(tf.concat([tf.add(tf.mul(y, 0), x), tf.add(y, tf.mul(x, 0)), tf.add(tf.mul(y, 0.5), tf.mul(x, 0.5))], 2), 'int32') as tf.Tensor3D;
    });
  });
  afterAll(() => {
    detector.dispose();
    image.dispose();
  });

  it('detects without leaking tensors and equals preprocess -> model -> decode', async () => {
    const options = { inputSize: 64, scoreThreshold: 0.01, iouThreshold: 0.4 };
    const faces = await expectNoLeaks(() => detector.detect(image, options));
    const { input, geometry } = preprocessFaceImage(image, options);
    const out = detector.model.predict(input) as tf.Tensor;
    expect(faces).toEqual(decodeFaceGrid(out.dataSync(), geometry, options));
    tf.dispose([input, out]);
    for (const f of faces) {
      expect(f.format).toBe('xyxy');
      expect(f.box[2]).toBeGreaterThan(f.box[0]);
      expect(f.score).toBeGreaterThan(0.01);
    }
    expect(faces.map((f) => f.score)).toEqual([...faces.map((f) => f.score)].sort((a, b) => b - a));
  });

  it('uses its defaults unless a call overrides them', async () => {
    const model = (await createFaceDetector()).model;
    const d = new FaceDetector(model, { inputSize: 64, scoreThreshold: 0.01 });
    const a = await d.detect(image);
    const b = await detector.detect(image, { inputSize: 64, scoreThreshold: 0.01 });
    expect(a).toEqual(b);
    expect(await d.detect(image, { scoreThreshold: 0.999 })).toEqual([]);
    d.dispose();
    expect(d.isDisposed).toBe(true);
    await expect(d.detect(image)).rejects.toThrow(/disposed/);
    d.dispose(); // twice is fine
  });

  it('rejects bad input with typed errors and leaks nothing', async () => {
    const rgba = tf.zeros([8, 8, 4], 'int32') as tf.Tensor3D;
    const batch = tf.zeros([1, 8, 8, 3], 'int32') as unknown as tf.Tensor3D;
    await expectNoLeaks(async () => {
      await expect(detector.detect(rgba)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(detector.detect(batch)).rejects.toThrow(/'image'.*rank-3/);
      await expect(detector.detect(null as unknown as tf.Tensor3D)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(detector.detect(image, { inputSize: 50 })).rejects.toThrow(/options.inputSize/);
      await expect(detector.detect(image, { scoreThreshold: 2 })).rejects.toThrow(/options.scoreThreshold/);
      await expect(detector.detect(image, { iouThreshold: Number.NaN })).rejects.toThrow(/options.iouThreshold/);
      await expect(detector.detect(image, null as unknown as object)).rejects.toThrow(/'options'/);
    });
    tf.dispose([rgba, batch]);
    expect(() => new FaceDetector({} as never)).toThrow(InvalidArgumentError);
    await expect(createFaceDetector({ weightsPath: '/nonexistent' })).rejects.toThrow(/does not exist/);
  });

  it('detectFaces loads a shared detector once; later calls leak nothing', async () => {
    const first = await detectFaces(image, { inputSize: 64, scoreThreshold: 0.01 });
    const again = await expectNoLeaks(() => detectFaces(image, { inputSize: 64, scoreThreshold: 0.01 }));
    expect(again).toEqual(first);
    const before = tf.memory().numTensors;
    await disposeDefaultFaceDetector();
    expect(tf.memory().numTensors).toBeLessThan(before);
    await disposeDefaultFaceDetector();
  });
});
