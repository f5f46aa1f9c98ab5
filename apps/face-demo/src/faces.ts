/**
 * What the commands share: the face pipeline (detector, landmarks, dlib descriptor, all from @cnn/face),
 * describing the largest face of a picture file, the face database file, and short labels for pictures.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { makeProgress } from '@cnn/cli-kit';
import { createFacePipeline, cropFaces, defaultFaceApiModelDir, FACE_API_EMBEDDING_SIZE, FACE_API_MODEL_ID, FaceDatabase, type DescribedFace, type FacePipeline, type FacePipelineOptions } from '@cnn/face';
import { decodeImage, FileNotFoundError, type Box } from '@cnn/ops';

export type Log = (line: string) => void;

/** The pretrained pipeline; `faceApiModels` is the --face-api-models folder (default: the installed face-api). */
export async function openPipeline(options: FacePipelineOptions, faceApiModels: string | undefined, log: Log): Promise<FacePipeline> {
  const pipeline = await createFacePipeline({ ...options, ...(faceApiModels ? { faceApiModelDir: faceApiModels } : {}) });
  const o = pipeline.options;
  const alignment = o.alignment === 'chip' ? "dlib's face chip" : o.alignment === 'dlib-box' ? "face-api's square box" : `the detector's box + ${o.margin * 100}%`;
  log(`face nets: tiny face detector, 68 landmarks, dlib ResNet-34 descriptor (weights: ${faceApiModels ?? (await defaultFaceApiModelDir())}); aligned on ${alignment}${o.flip ? ', + mirrored' : ''}`);
  return pipeline;
}

/** Decodes a picture (RGB, 0-255), runs `fn` on it, frees it. */
export async function withPicture<T>(path: string, fn: (image: tf.Tensor3D) => Promise<T>): Promise<T> {
  const image = (await decodeImage(path, { channels: 3 })) as tf.Tensor3D;
  try {
    return await fn(image);
  } finally {
    image.dispose();
  }
}

/** One picture's largest face, where it is, and whether the detector found it (else the whole picture was used). */
export interface PictureFace {
  path: string;
  box: Box;
  score: number;
  detected: boolean;
  descriptor: Float32Array;
}

/**
 * The largest face of each picture (`describeSingle`: the whole picture when the detector finds none, as for
 * tight face crops), with progress on stderr. `keep` gets each face's crop (the caller disposes it).
 */
export async function describePictures(pipeline: FacePipeline, paths: readonly string[], progress: boolean, keep?: (crop: tf.Tensor3D) => void): Promise<PictureFace[]> {
  const show = makeProgress('describing pictures', paths.length, progress && paths.length > 2);
  const out: PictureFace[] = [];
  for (const [i, path] of paths.entries()) {
    out.push(
      await withPicture(path, async (image) => {
        const face: DescribedFace = await pipeline.describeSingle(image);
        if (keep) keep(cropFaces(image, [face.box])[0]!);
        return { path, box: face.box, score: face.score, detected: face.score > 0, descriptor: face.descriptor };
      }),
    );
    show?.(i + 1);
  }
  return out;
}

/** 'face [x1, y1, x2, y2] score 0.93', or 'whole picture (no face detected)'. */
export function describeFace(f: { box: Box; score: number }): string {
  return f.score > 0 ? `face [${f.box.map((v) => Math.round(v)).join(', ')}] score ${f.score.toFixed(2)}` : 'whole picture (no face detected)';
}

/** '1 face', '2 faces'. */
export const count = (n: number, noun: string, plural = `${noun}s`): string => `${n} ${n === 1 ? noun : plural}`;

/** '5 people, 7 faces'. */
export const people = (db: FaceDatabase): string => `${count(db.identityCount, 'person', 'people')}, ${count(db.size, 'face')}`;

/** Short distinct labels for pictures: the file name, with its folder when two pictures share a name. */
export function pictureLabels(paths: readonly string[]): string[] {
  const names = paths.map((p) => basename(p));
  return paths.map((p, i) => (names.filter((n) => n === names[i]).length > 1 ? `${basename(dirname(p))}/${names[i]}` : names[i]!));
}

/**
 * The face database at `path`, checked to hold dlib / face-api descriptors. Missing: a new empty one when
 * `create`, else a FileNotFoundError that says how to make one.
 */
export async function openDatabase(path: string, create: boolean): Promise<{ db: FaceDatabase; created: boolean }> {
  const exists = await stat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
  if (!exists) {
    if (!create) throw new FileNotFoundError(path, 'face database', `Enroll faces into it first: cnn-face enroll --db ${path} <name> <image...>`);
    return { db: new FaceDatabase({ modelId: FACE_API_MODEL_ID }), created: true };
  }
  return { db: await FaceDatabase.load(path, { modelId: FACE_API_MODEL_ID, embeddingSize: FACE_API_EMBEDDING_SIZE }), created: false };
}
