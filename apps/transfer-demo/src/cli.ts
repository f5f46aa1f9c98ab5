/**
 * What the three commands share: usage errors (exit 2), option parsing with clear messages, paths as the user
 * typed them, output that stays quiet under --json, and writing RGB pictures.
 */
import { isAbsolute, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeImage } from '@cnn/ops';

/** A mistake in the command line itself: main prints it with the help and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A positive integer option (or >= `min`). */
export function intOption(name: string, raw: string, min = 1): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${raw}'`);
  return v;
}

/** A number option in [lo, hi] (hi excluded when `openHigh`). */
export function numberOption(name: string, raw: string, lo: number, hi: number, openHigh = false): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < lo || (openHigh ? v >= hi : v > hi)) {
    throw new UsageError(`--${name} must be a number in [${lo}, ${hi}${openHigh ? ')' : ']'}, got '${raw}'`);
  }
  return v;
}

/**
 * A path as the user meant it. `pnpm --filter @cnn/demo-transfer start ...` runs in the app's folder, so a
 * relative path is resolved against INIT_CWD (where pnpm / npm was started) when it is set.
 */
export function userPath(path: string): string {
  if (isAbsolute(path)) return path;
  return resolve(process.env['INIT_CWD'] ?? process.cwd(), path);
}

/** Prints to stdout unless --json is on (then stdout carries only the JSON result). */
export function makeLog(json: boolean): (line: string) => void {
  return (line) => {
    if (!json) console.log(line);
  };
}

/** Writes an RGB picture (row-major, 3 bytes per pixel) such as renderConfusionMatrix / learningCurves give. */
export async function writePicture(path: string, picture: { width: number; height: number; pixels: Uint8Array }): Promise<void> {
  const image = tf.tensor3d(picture.pixels, [picture.height, picture.width, 3], 'int32');
  try {
    await writeImage(path, image);
  } finally {
    image.dispose();
  }
}

/** The confusion matrix as a text table (rows true, columns predicted), for terminals; labels cut to 8 characters. */
export function formatConfusionMatrix(matrix: readonly (readonly number[])[], labels: readonly string[]): string {
  const short = labels.map((l) => (l.length > 8 ? `${l.slice(0, 7)}~` : l));
  const width = Math.max(4, ...short.map((l) => l.length), ...matrix.flat().map((v) => String(v).length));
  const labelWidth = Math.max(10, ...short.map((l) => l.length));
  const header = `${'true \\ pred'.padEnd(labelWidth + 1)}${short.map((l) => l.padStart(width + 1)).join('')}`;
  const rows = matrix.map((row, i) => `${(short[i] ?? String(i)).padEnd(labelWidth + 1)}${row.map((v) => String(v).padStart(width + 1)).join('')}`);
  return [header, ...rows].join('\n');
}

export const percent = (v: number): string => `${(100 * v).toFixed(1)}%`;
