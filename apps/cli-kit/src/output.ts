/**
 * Output that keeps stdout clean for --json: result lines through `makeLog`, progress on stderr, pictures as
 * files.
 */
import * as tf from '@tensorflow/tfjs-core';
import { writeImage } from '@cnn/ops';

/** Prints to stdout unless --json is on (then stdout carries only the JSON result). */
export function makeLog(json: boolean): (line: string) => void {
  return (line) => {
    if (!json) console.log(line);
  };
}

export const percent = (v: number): string => `${(100 * v).toFixed(1)}%`;

/**
 * Progress of `total` steps on stderr: one line rewritten in place on a terminal, else a line about every
 * tenth of the way and at the end (logs stay short). Returns undefined when `show` is off, so it can be passed
 * as an optional onProgress callback as is.
 */
export function makeProgress(label: string, total: number, show: boolean): ((done: number, suffix?: string) => void) | undefined {
  if (!show) return undefined;
  const every = Math.max(1, Math.ceil(total / 10));
  return (done, suffix = '') => {
    const line = `  ${label} ${done}/${total}${suffix ? ` ${suffix}` : ''}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K${done >= total ? '\n' : ''}`);
    else if (done % every === 0 || done >= total) process.stderr.write(`${line}\n`);
  };
}

/** Writes an RGB picture (row-major, 3 bytes per pixel) such as the packages' render functions give. */
export async function writePicture(path: string, picture: { width: number; height: number; pixels: Uint8Array }): Promise<void> {
  const image = tf.tensor3d(picture.pixels, [picture.height, picture.width, 3], 'int32');
  try {
    await writeImage(path, image);
  } finally {
    image.dispose();
  }
}
