/**
 * The pretrained face nets against (a) face-api.js's recorded outputs on face-api-reference (CNN_DATA_PATH):
 * descriptors of face1.png, face2.png, face_rectangular.png (< 0.1), and the full pipeline on faces.jpg
 * (detect with @cnn/yolo at inputSize 416 -> 68 landmarks within 10 px -> dlib-aligned crop -> descriptor
 * within 0.2); and (b) @vladmandic/face-api's own nets run here on the same tensors and the same backend.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage, ready, resolveData } from '@cnn/ops';
import { createFaceDetector, type FaceDetection, type FaceDetector } from '@cnn/yolo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACE_API_DIR, loadFaceApiModule } from '../../../yolo/src/face/test-support/face-api-node.mjs';
import { alignedFaceBox, alignedFaceCrops, type LandmarkPoint } from './align.js';
import { createFaceEmbedder, type FaceEmbedder } from './face-embedder.js';
import { createFaceLandmarker, type FaceLandmarker } from './face-landmarker.js';

const hasData = Boolean(process.env['CNN_DATA_PATH']);

const euclidean = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
};

/** face-api.js's sortBoxes: by the distance of the top-left corner from the origin. */
const byCorner = (faces: readonly FaceDetection[]): FaceDetection[] => [...faces].sort((a, b) => Math.hypot(a.box[0], a.box[1]) - Math.hypot(b.box[0], b.box[1]));

interface FaceApiNet {
  loadFromDisk(dir: string): Promise<void>;
  dispose(): void;
}
interface FaceApiRecognitionNet extends FaceApiNet {
  computeFaceDescriptor(input: tf.Tensor3D | tf.Tensor3D[]): Promise<Float32Array | Float32Array[]>;
}
interface FaceApiLandmarkNet extends FaceApiNet {
  detectLandmarks(input: tf.Tensor3D): Promise<{ positions: { x: number; y: number }[] }>;
}
interface FaceApiModule {
  FaceRecognitionNet: new () => FaceApiRecognitionNet;
  FaceLandmark68Net: new () => FaceApiLandmarkNet;
}

const IMAGES = [
  ['face1.png', 'faceDescriptor1.json'],
  ['face2.png', 'faceDescriptor2.json'],
  ['face_rectangular.png', 'faceDescriptorRect.json'],
] as const;

describe.runIf(hasData)('face nets (real weights, face-api reference data)', () => {
  let dir: string;
  let embedder: FaceEmbedder;
  let landmarker: FaceLandmarker;
  let detector: FaceDetector;
  let faceApi: FaceApiModule;
  const faces: tf.Tensor3D[] = [];
  const expected: number[][] = [];

  beforeAll(async () => {
    await ready({ backend: 'wasm' });
    dir = await resolveData('face-api-reference', { offline: true });
    embedder = await createFaceEmbedder();
    landmarker = await createFaceLandmarker();
    detector = await createFaceDetector();
    for (const [image, json] of IMAGES) {
      faces.push(await decodeImage(join(dir, 'images', image)));
      expected.push(JSON.parse(await readFile(join(dir, 'data', json), 'utf8')) as number[]);
    }
    try {
      faceApi = loadFaceApiModule(tf) as unknown as FaceApiModule;
    } catch (err) {
      throw new Error(`@vladmandic/face-api could not load in this Node process: ${(err as Error).message}`, { cause: err });
    }
  });
  afterAll(() => {
    embedder?.dispose();
    landmarker?.dispose();
    detector?.dispose();
    tf.dispose(faces);
  });

  it("describes face1, face2 and face_rectangular within 0.1 of face-api.js's descriptors (one by one, as a batch, gray as gray)", async () => {
    const lines: string[] = [];
    const before = tf.memory().numTensors;
    const single: Float32Array[] = [];
    for (const [i, face] of faces.entries()) {
      const [d] = await embedder.embed(face);
      single.push(d!);
      const dist = euclidean(d!, expected[i]!);
      lines.push(`${IMAGES[i]![0]} (${face.shape[1]}×${face.shape[0]}): distance to face-api.js ${dist.toFixed(4)}`);
      expect(dist, IMAGES[i]![0]).toBeLessThan(0.1);
    }
    const batch = await embedder.embed(faces, { batchSize: 3 });
    batch.forEach((d, i) => {
      expect(euclidean(d, expected[i]!), `${IMAGES[i]![0]} in a batch`).toBeLessThan(0.1);
      expect(euclidean(d, single[i]!), `${IMAGES[i]![0]}: batch vs single`).toBeLessThan(1e-5);
    });
    // The grayscale PNGs decoded as 1 channel give the very same descriptor (gray is repeated into RGB).
    for (const i of [0, 1]) {
      const gray = await decodeImage(join(dir, 'images', IMAGES[i]![0]), { channels: 1 });
      expect(gray.shape[2]).toBe(1);
      const [d] = await embedder.embed(gray);
      expect(euclidean(d!, single[i]!)).toBeLessThan(1e-6);
      gray.dispose();
    }
    expect(tf.memory().numTensors, 'no tensors leaked').toBe(before);
    // Same person (face1, face_rectangular) vs different (face2).
    lines.push(`face1-face_rectangular ${euclidean(single[0]!, single[2]!).toFixed(4)} (same person), face1-face2 ${euclidean(single[0]!, single[1]!).toFixed(4)}`);
    console.log(lines.join('\n'));
  });

  it("agrees within 0.01 with @vladmandic/face-api's own FaceRecognitionNet on the same tensors and backend", async () => {
    const net = new faceApi.FaceRecognitionNet();
    await net.loadFromDisk(join(FACE_API_DIR, 'model'));
    const lines = [`backend ${tf.getBackend()}`];
    for (const [i, face] of faces.entries()) {
      const theirs = (await net.computeFaceDescriptor(face)) as Float32Array;
      // The fork divides by 255 where face-api.js divides by 256: with its divisor we compute the same function.
      const [same] = await embedder.embed(face, { divisor: 255 });
      const [ours] = await embedder.embed(face);
      const dSame = euclidean(same!, theirs);
      const dDefault = euclidean(ours!, theirs);
      lines.push(`${IMAGES[i]![0]}: vs face-api (fork) ${dSame.toExponential(2)} with divisor 255, ${dDefault.toFixed(4)} with our default 256; fork vs face-api.js reference ${euclidean(theirs, expected[i]!).toFixed(4)}`);
      expect(dSame).toBeLessThan(0.01);
      expect(dSame).toBeLessThan(1e-4);
      expect(dDefault).toBeLessThan(0.01);
    }
    net.dispose();
    console.log(lines.join('\n'));
  });

  it('faces.jpg: 68 landmarks within 10 px of face-api.js, full-pipeline descriptors (dlib-aligned crops) within 0.2', async () => {
    const image = await decodeImage(join(dir, 'images/faces.jpg'));
    const refLandmarks = JSON.parse(await readFile(join(dir, 'data/facesFaceLandmarkPositions.json'), 'utf8')) as LandmarkPoint[][];
    const refDescriptors = JSON.parse(await readFile(join(dir, 'data/facesFaceDescriptors.json'), 'utf8')) as number[][];
    const before = tf.memory().numTensors;
    const detections = byCorner(await detector.detect(image, { inputSize: 416 }));
    expect(detections).toHaveLength(refLandmarks.length);
    const marks = await landmarker.detect(image, detections);
    const crops = alignedFaceCrops(image, marks);
    const descriptors = await embedder.embed(crops);
    tf.dispose(crops);
    expect(tf.memory().numTensors, 'no tensors leaked').toBe(before);
    const lines: string[] = [];
    let worstLandmark = 0;
    let worstDescriptor = 0;
    marks.forEach((m, i) => {
      const errors = m.positions.map((p, k) => Math.hypot(p.x - refLandmarks[i]![k]!.x, p.y - refLandmarks[i]![k]!.y));
      const maxErr = Math.max(...errors);
      const meanErr = errors.reduce((a, b) => a + b, 0) / errors.length;
      errors.forEach((e, k) => expect(e, `face ${i} landmark ${k}`).toBeLessThan(10));
      const d = euclidean(descriptors[i]!, refDescriptors[i]!);
      expect(d, `face ${i} descriptor`).toBeLessThan(0.2);
      worstLandmark = Math.max(worstLandmark, maxErr);
      worstDescriptor = Math.max(worstDescriptor, d);
      lines.push(`face ${i}: box [${detections[i]!.box.map((v) => v.toFixed(1)).join(', ')}], landmarks max ${maxErr.toFixed(2)} px / mean ${meanErr.toFixed(2)} px, aligned box [${alignedFaceBox(m).join(', ')}], descriptor distance ${d.toFixed(4)}`);
    });
    lines.push(`all: worst landmark ${worstLandmark.toFixed(2)} px (tolerance 10), worst descriptor ${worstDescriptor.toFixed(4)} (tolerance 0.2)`);
    console.log(lines.join('\n'));
    image.dispose();
  });

  it("faces.jpg: landmarks match @vladmandic/face-api's own FaceLandmark68Net on the same crops", async () => {
    const net = new faceApi.FaceLandmark68Net();
    await net.loadFromDisk(join(FACE_API_DIR, 'model'));
    const image = await decodeImage(join(dir, 'images/faces.jpg'));
    const detections = byCorner(await detector.detect(image, { inputSize: 416 }));
    const ours = await landmarker.detect(image, detections);
    let worst = 0;
    for (const m of ours) {
      const [x1, y1, x2, y2] = m.box;
      const crop = tf.slice(image, [y1, x1, 0], [y2 - y1, x2 - x1, 3]);
      const theirs = await net.detectLandmarks(crop);
      crop.dispose();
      theirs.positions.forEach((p, k) => {
        worst = Math.max(worst, Math.hypot(p.x + x1 - m.positions[k]!.x, p.y + y1 - m.positions[k]!.y));
      });
    }
    console.log(`landmarks vs face-api (fork) FaceLandmark68Net on the same ${ours.length} crops: max distance ${worst.toExponential(2)} px`);
    expect(worst).toBeLessThan(0.01);
    net.dispose();
    image.dispose();
  });
});

describe.skipIf(hasData)('face nets (real weights, face-api reference data)', () => {
  it('needs CNN_DATA_PATH (CI sets it to ../shared/data)', () => {
    expect(hasData).toBe(false);
  });
});
