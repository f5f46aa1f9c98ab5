/**
 * The pipeline on @vladmandic/face-api's demo photos (installed with the package's devDependencies): real
 * detector, landmark and descriptor nets. The chip check is independent of the chip code's own math: the
 * landmark net, run again on the produced chip, must find the eyes and the nose where dlib's template puts them.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { AbortedError, InvalidArgumentError, decodeImage, ready } from '@cnn/ops';
import { expectNoLeaks, serveFolder } from '@cnn/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distance } from '../distance.js';
import { DLIB_CHIP_LANDMARKS, DLIB_CHIP_TEMPLATE } from './chip.js';
import { FacePipeline, NoFaceFoundError, createFacePipeline } from './face-pipeline.js';

const demo = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');
let pipeline: FacePipeline;
let photo: tf.Tensor3D;

beforeAll(async () => {
  await ready({ backend: 'wasm' });
  pipeline = await createFacePipeline();
  photo = (await decodeImage(join(demo, 'sample1.jpg'), { channels: 3 })) as tf.Tensor3D;
}, 120_000);

afterAll(() => {
  pipeline?.dispose();
  photo?.dispose();
});

describe('FacePipeline on a real photo', () => {
  it('finds the three faces of sample1.jpg and describes each (128 numbers, landmarks inside the box)', async () => {
    const faces = await pipeline.describe(photo);
    expect(faces.length).toBe(3);
    for (const f of faces) {
      expect(f.descriptor.length).toBe(128);
      expect(f.descriptor.every(Number.isFinite)).toBe(true);
      expect(f.landmarks).toHaveLength(68);
      const [x1, y1, x2, y2] = f.box;
      const w = x2 - x1;
      const h = y2 - y1;
      const inside = f.landmarks!.filter((p) => p.x > x1 - 0.2 * w && p.x < x2 + 0.2 * w && p.y > y1 - 0.2 * h && p.y < y2 + 0.2 * h).length;
      expect(inside).toBeGreaterThanOrEqual(64);
    }
    // Three different people: every pair is farther apart than dlib's 0.6 same-person threshold.
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) expect(distance(faces[i]!.descriptor, faces[j]!.descriptor)).toBeGreaterThan(0.6);
  });

  it('puts the eyes and the nose of a chip where dlib\'s template says (landmarks found again on the chip)', async () => {
    // The most tilted of the three faces (the middle one leans her head).
    const found = await pipeline.describe(photo);
    const tilt = (points: readonly { x: number; y: number }[]) => {
      const centre = (a: number, b: number) => {
        const ps = points.slice(a, b);
        return { x: ps.reduce((s, p) => s + p.x, 0) / ps.length, y: ps.reduce((s, p) => s + p.y, 0) / ps.length };
      };
      const l = centre(36, 42);
      const r = centre(42, 48);
      return (Math.atan2(r.y - l.y, r.x - l.x) * 180) / Math.PI;
    };
    const face = found.reduce((a, b) => (Math.abs(tilt(b.landmarks!)) > Math.abs(tilt(a.landmarks!)) ? b : a));
    const before = tilt(face.landmarks!);
    expect(Math.abs(before)).toBeGreaterThan(10);
    const { faces } = await pipeline.align(photo, [face.box]);
    expect(faces[0]!.shape).toEqual([150, 150, 3]);
    const [again] = await pipeline.landmarker.detect(faces[0]!);
    tf.dispose(faces);
    const errors = DLIB_CHIP_LANDMARKS.map((index, k) => {
      const [tu, tv] = DLIB_CHIP_TEMPLATE[k]!;
      const p = again!.positions[index]!;
      return Math.hypot(p.x - ((0.25 + tu) / 1.5) * 150, p.y - ((0.25 + tv) / 1.5) * 150);
    });
    // A few pixels (measured 1-4): the landmark net's own error on a 150 px chip.
    expect(Math.max(...errors)).toBeLessThan(6);
    // The eye line, tilted by 46 degrees in the photo, is level in the chip to within the landmark error
    // (measured 2.5 degrees).
    expect(Math.abs(tilt(again!.positions))).toBeLessThan(5);
  });

  it('one person, two crops of the same photo: the descriptor stays far below the threshold; alignment choices give different crops', async () => {
    const [face] = await pipeline.detect(photo);
    const [x1, y1, x2, y2] = face!.box.map(Math.round) as [number, number, number, number];
    // A second view: the face region cut with a generous border, as its own picture.
    const pad = Math.round(0.6 * (x2 - x1));
    const crop = tf.slice(photo, [Math.max(0, y1 - pad), Math.max(0, x1 - pad), 0], [y2 - y1 + 2 * pad, x2 - x1 + 2 * pad, 3]);
    const whole = (await pipeline.describeBoxes(photo, [face!]))[0]!;
    const single = await pipeline.describeSingle(crop);
    crop.dispose();
    expect(single.score).toBeGreaterThan(0.5);
    // Measured 0.16 (the detector's box and so the landmarks move a little): far below dlib's 0.6 threshold.
    expect(distance(whole.descriptor, single.descriptor)).toBeLessThan(0.25);
    const boxOnly = await createFacePipeline({ alignment: 'box', detector: pipeline.detector, landmarker: pipeline.landmarker, embedder: pipeline.embedder });
    const plain = (await boxOnly.describeBoxes(photo, [face!]))[0]!;
    expect(plain.landmarks).toBeUndefined();
    expect(distance(plain.descriptor, whole.descriptor)).toBeGreaterThan(0.01);
    boxOnly.dispose();
    // The given parts are not the box-only pipeline's to dispose.
    expect(pipeline.embedder.isDisposed).toBe(false);
  });

  it('describes in chunks with progress, gives the same descriptors, and stops on an aborted signal', async () => {
    const all = await pipeline.describe(photo);
    const seen: [number, number][] = [];
    const chunked = await pipeline.describe(photo, { chunk: 2, onProgress: (d, n) => seen.push([d, n]) });
    expect(seen).toEqual([[2, 3], [3, 3]]);
    for (let i = 0; i < 3; i++) expect(distance(chunked[i]!.descriptor, all[i]!.descriptor)).toBeLessThan(1e-5);
    const stop = new AbortController();
    const before = tf.memory().numTensors;
    await expect(pipeline.describe(photo, { chunk: 1, onProgress: () => stop.abort(), signal: stop.signal })).rejects.toThrow(AbortedError);
    expect(tf.memory().numTensors).toBe(before);
    await expect(pipeline.describe(photo, { chunk: 0 })).rejects.toThrow(/chunk/);
  });

  it('averages the mirrored face with flip: true', async () => {
    const flip = new FacePipeline({ detector: pipeline.detector, landmarker: pipeline.landmarker, embedder: pipeline.embedder }, { flip: true });
    const [face] = await pipeline.detect(photo);
    const { faces } = await pipeline.align(photo, [face!.box]);
    const mirrored = tf.reverse(faces[0]!, 1) as tf.Tensor3D;
    const [a, b] = await pipeline.embedder.embed([faces[0]!, mirrored]);
    const [avg] = await flip.embedFaces(faces);
    tf.dispose([...faces, mirrored]);
    for (let k = 0; k < 128; k++) expect(avg![k]).toBeCloseTo((a![k]! + b![k]!) / 2, 5);
  });

  it('falls back to the whole picture when no face is found, or throws NoFaceFoundError', async () => {
    const blank = tf.fill([120, 100, 3], 128) as tf.Tensor3D;
    const d = await pipeline.describeSingle(blank);
    expect(d.score).toBe(0);
    expect(d.box).toEqual([0, 0, 100, 120]);
    await expect(pipeline.describeSingle(blank, { fallback: 'error' })).rejects.toThrow(NoFaceFoundError);
    blank.dispose();
  });

  it('leaks no tensors (gray pictures too)', async () => {
    const gray = tf.tidy(() => tf.mean(photo, 2, true)) as tf.Tensor3D;
    await pipeline.describe(gray); // warm-up: first calls create kernels' cached tensors
    await expectNoLeaks(async () => {
      const faces = await pipeline.describe(gray);
      expect(faces.length).toBeGreaterThanOrEqual(2);
      await pipeline.describeSingle(gray);
    });
    gray.dispose();
  });

  it('refuses bad input and options with typed errors', async () => {
    await expect(pipeline.describe(tf.zeros([10, 10]) as never)).rejects.toThrow(InvalidArgumentError);
    await expect(createFacePipeline({ alignment: 'rotate' as never })).rejects.toThrow(/chip/);
    await expect(createFacePipeline({ margin: 3 })).rejects.toThrow(InvalidArgumentError);
    await expect(pipeline.describeSingle(photo, { fallback: 'none' as never })).rejects.toThrow(/whole-image/);
    const p = new FacePipeline({ detector: pipeline.detector, landmarker: pipeline.landmarker, embedder: pipeline.embedder });
    p.dispose();
    await expect(p.describe(photo)).rejects.toThrow(/disposed/);
  });

  it('loads all three nets from a URL serving face-api\'s model folder (a browser\'s way) and describes the same', async () => {
    const modelDir = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'model');
    const served = await serveFolder(modelDir);
    const url = served.url;
    try {
      const before = tf.memory().numTensors;
      const fetched = await createFacePipeline({ faceApiModelDir: url });
      expect(served.hits.filter((h) => h.endsWith('-weights_manifest.json')).sort()).toEqual(['/face_landmark_68_model-weights_manifest.json', '/face_recognition_model-weights_manifest.json', '/tiny_face_detector_model-weights_manifest.json']);
      const a = await pipeline.describe(photo);
      const b = await fetched.describe(photo);
      expect(b.map((f) => f.box)).toEqual(a.map((f) => f.box));
      expect(b.map((f) => Array.from(f.descriptor))).toEqual(a.map((f) => Array.from(f.descriptor)));
      fetched.dispose();
      expect(tf.memory().numTensors).toBe(before);
      // A folder without the files is a clear error, and nothing stays allocated.
      await expect(createFacePipeline({ faceApiModelDir: `${url}missing/` })).rejects.toThrow(/tiny_face_detector_model-weights_manifest\.json/);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await served.close();
    }
  }, 120_000);
});
