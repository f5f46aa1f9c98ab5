/**
 * `cnn-face verify <imageA> <imageB> [image...]`: the course's verification rule d(a, b) <= τ on the largest
 * face of each picture. Two pictures: same person or not. More: every pair, as a text matrix and as the
 * distance-matrix picture (renderDistanceMatrix with each face's crop as its thumbnail).
 */
import * as tf from '@tensorflow/tfjs-core';
import { writePicture } from '@cnn/cli-kit';
import { defaultThreshold, distanceMatrix, FACE_API_MODEL_ID, renderDistanceMatrix, verify, type DistanceMetric } from '@cnn/face';
import { describeFace, describePictures, openPipeline, pictureLabels, type Log } from './faces.js';

export interface VerifySettings {
  images: string[];
  metric: DistanceMetric;
  threshold: number | undefined;
  /** The matrix picture (undefined: none). */
  out: string | undefined;
  faceApiModels: string | undefined;
  progress: boolean;
}

export async function verifyPictures(s: VerifySettings, log: Log) {
  const threshold = s.threshold ?? defaultThreshold(FACE_API_MODEL_ID, s.metric);
  const crops: tf.Tensor3D[] = [];
  try {
    const pipeline = await openPipeline({}, s.faceApiModels, log);
    let faces;
    try {
      faces = await describePictures(pipeline, s.images, s.progress, s.out ? (crop) => crops.push(crop) : undefined);
    } finally {
      pipeline.dispose();
    }
    const labels = pictureLabels(s.images);
    faces.forEach((f, i) => log(`${labels[i]}: ${describeFace(f)}`));
    const pictures = faces.map(({ descriptor: _d, ...f }) => f);
    const files: Record<string, string> = {};

    if (faces.length === 2) {
      const r = verify(faces[0]!.descriptor, faces[1]!.descriptor, { metric: s.metric, threshold });
      log(`\n${r.verified ? 'same person' : 'different people'}: ${s.metric} distance ${r.distance.toFixed(4)} ${r.verified ? '<=' : '>'} threshold ${r.threshold}`);
      if (s.out) await writeMatrix(s.out, [[0, r.distance], [r.distance, 0]], labels, crops, threshold, s.metric, log, files);
      return { images: pictures, verified: r.verified, distance: r.distance, threshold: r.threshold, metric: r.metric, modelId: r.modelId, files };
    }

    const matrix = distanceMatrix(faces.map((f) => f.descriptor), undefined, s.metric).map((row) => Array.from(row));
    log(`\n${s.metric} distances (* same person: distance <= ${threshold})\n${formatDistanceMatrix(matrix, labels, threshold)}`);
    const pairs = [];
    for (let a = 0; a < matrix.length; a++) for (let b = a + 1; b < matrix.length; b++) pairs.push({ a: s.images[a]!, b: s.images[b]!, distance: matrix[a]![b]!, verified: matrix[a]![b]! <= threshold });
    if (s.out) await writeMatrix(s.out, matrix, labels, crops, threshold, s.metric, log, files);
    return { images: pictures, metric: s.metric, threshold, modelId: FACE_API_MODEL_ID, matrix, pairs, files };
  } finally {
    tf.dispose(crops);
  }
}

async function writeMatrix(path: string, matrix: number[][], labels: string[], crops: tf.Tensor3D[], threshold: number, metric: DistanceMetric, log: Log, files: Record<string, string>): Promise<void> {
  const picture = renderDistanceMatrix(matrix, { threshold, rowLabels: labels, colLabels: labels, rowImages: crops, colImages: crops, title: `${metric} distance`, excludeSelf: true, digits: metric === 'cosine' ? 3 : 2 });
  await writePicture(path, picture);
  files['matrix'] = path;
  log(`wrote ${path}`);
}

/** The matrix as text, '*' after each distance <= threshold (the diagonal shows as '-'). */
function formatDistanceMatrix(matrix: number[][], labels: string[], threshold: number): string {
  const short = labels.map((l) => (l.length > 12 ? `${l.slice(0, 11)}~` : l));
  const width = Math.max(8, ...short.map((l) => l.length)) + 1;
  const header = ''.padEnd(width) + short.map((l) => l.padStart(width)).join('');
  const rows = matrix.map((row, i) => short[i]!.padEnd(width) + row.map((d, j) => (i === j ? '-' : `${d.toFixed(3)}${d <= threshold ? '*' : ' '}`).padStart(width)).join(''));
  return [header, ...rows].join('\n');
}
