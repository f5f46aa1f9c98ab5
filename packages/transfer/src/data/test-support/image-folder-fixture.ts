/** Tiny image folders for the data tests, written as PNGs into the OS temp dir. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeImage } from '@cnn/ops';

/** A fresh temp folder; remove it with removeDir. */
export function makeTempDir(prefix = 'cnn-transfer-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export function removeDir(dir: string | undefined): Promise<void> {
  return dir ? rm(dir, { recursive: true, force: true }) : Promise.resolve();
}

export interface PngSpec {
  height: number;
  width: number;
  /** 1 (gray) or 3 (RGB). Default 3. */
  channels?: 1 | 3;
  /** Pixel value function (row, col, channel) -> 0-255. Default: a seeded pattern. */
  pixel?: (row: number, col: number, channel: number) => number;
  seed?: number;
}

/** Writes one PNG (creating folders). */
export async function writePng(path: string, spec: PngSpec): Promise<void> {
  const { height, width } = spec;
  const channels = spec.channels ?? 3;
  const seed = spec.seed ?? 1;
  const pixel = spec.pixel ?? ((r: number, c: number, k: number) => (r * 37 + c * 11 + k * 71 + seed * 13) % 256);
  const data = new Int32Array(height * width * channels);
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) for (let k = 0; k < channels; k++) data[(r * width + c) * channels + k] = pixel(r, c, k);
  await mkdir(dirname(path), { recursive: true });
  const t = tf.tensor3d(data, [height, width, channels], 'int32');
  try {
    await writeImage(path, t);
  } finally {
    t.dispose();
  }
}

/** Writes `root/<class>/<i>.png` for each class with `count` images of size h x w; returns the root. */
export async function writeImageFolder(root: string, classes: Record<string, number>, size: [number, number] = [8, 8]): Promise<string> {
  let seed = 0;
  for (const [name, count] of Object.entries(classes)) {
    for (let i = 0; i < count; i++) await writePng(join(root, name, `${String(i).padStart(3, '0')}.png`), { height: size[0], width: size[1], seed: seed++ });
  }
  return root;
}
