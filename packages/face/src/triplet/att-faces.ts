/**
 * The AT&T (ORL) face database: 40 people × 10 grayscale pictures of 92×112 px, `s<person>/<picture>.png`
 * (persons 1-40, pictures 1-10; the original files are PGM, this project's copy is PNG). Found through
 * `CNN_DATA_PATH` as `faces-att` (or give the folder), decoded with @cnn/ops' `decodeImage`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, decodeImage, describeValue, resolveData, type ResolveOptions } from '@cnn/ops';
import { loadFacePictures } from './face-pictures.js';

export interface AttFacesOptions {
  /** Persons to load, 1-based (default 1-40). */
  identities?: number[];
  /** Pictures per person, 1-based (default 1-10). */
  pictures?: number[];
  /** [height, width] to resize to (default [56, 46], half size; null keeps 112×92). */
  size?: [number, number] | null;
  /** How the folder is found when `root` is not given (search path, offline...). */
  resolve?: ResolveOptions;
}

/** Labeled pictures in memory. `images` [N, h, w, 1] float32 0-255; `labels[i]` the person of picture i. */
export interface FaceDataset {
  images: tf.Tensor4D;
  labels: number[];
  /** Picture number (1-based) of each row, for protocols such as "enroll picture 1". */
  pictures: number[];
  paths: string[];
  dispose(): void;
}

function listOf(value: unknown, argument: string, max: number, fallback: number): number[] {
  const v = value ?? Array.from({ length: fallback }, (_, i) => i + 1);
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => !Number.isInteger(x) || x < 1 || x > max) || new Set(v).size !== v.length) {
    throw new InvalidArgumentError(argument, `a non-empty list of distinct integers in 1..${max}`, describeValue(value));
  }
  return v as number[];
}

/**
 * Loads AT&T faces as one tensor, in person-then-picture order.
 *
 *     const train = await loadAttFaces(undefined, { identities: range(1, 35) });   // via CNN_DATA_PATH
 */
export async function loadAttFaces(root?: string, options: AttFacesOptions = {}): Promise<FaceDataset> {
  const identities = listOf(options.identities, 'options.identities', 40, 40);
  const pictures = listOf(options.pictures, 'options.pictures', 10, 10);
  const size = options.size === undefined ? ([56, 46] as [number, number]) : options.size;
  if (size !== null && (!Array.isArray(size) || size.length !== 2 || size.some((s) => !Number.isInteger(s) || s < 1))) {
    throw new InvalidArgumentError('options.size', '[height, width] of positive integers, or null', describeValue(size));
  }
  const dir = root ?? (await resolveData('faces-att', options.resolve ?? {}));
  const labels: number[] = [];
  const pics: number[] = [];
  const paths: string[] = [];
  for (const person of identities) {
    for (const picture of pictures) {
      labels.push(person);
      pics.push(picture);
      paths.push(`${dir}/s${person}/${picture}.png`);
    }
  }
  // Every AT&T face is 112×92: checked on the first one (a wrong folder fails before anything is loaded).
  const first = await decodeImage(paths[0]!, { channels: 1 });
  const [h, w] = first.shape;
  first.dispose();
  if (h !== 112 || w !== 92) throw new InvalidArgumentError(paths[0]!, 'an AT&T face of 112×92 pixels', `${h}×${w}`);
  const images = await loadFacePictures(paths, { size: size ?? [112, 92] });
  return { images, labels, pictures: pics, paths, dispose: () => images.dispose() };
}
