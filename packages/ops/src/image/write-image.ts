/**
 * Writing image files (Node). The whole file is encoded in memory first, then written atomically (temp file
 * in the same folder, fsync, rename; see io/atomic-write), so a failed encode or a crash never leaves a
 * half-written image or clobbers the previous one. Node modules load lazily inside writeFileAtomic, which
 * keeps this module safe to bundle for browsers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.js';
import { describeValue } from '../errors/validate.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { encodeImage, type EncodeFormat, type EncodeImageOptions } from './encode-image.js';

const EXTENSIONS: Readonly<Record<string, EncodeFormat>> = { png: 'png', jpg: 'jpeg', jpeg: 'jpeg', bmp: 'bmp' };

/** The encoding a file name asks for (.png, .jpg/.jpeg, .bmp; case-insensitive), or an InvalidArgumentError. */
export function imageFormatFromPath(path: string): EncodeFormat {
  if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', 'a file path', describeValue(path));
  const name = path.split(/[\\/]/).pop() ?? '';
  const dot = name.lastIndexOf('.');
  const format = dot > 0 ? EXTENSIONS[name.slice(dot + 1).toLowerCase()] : undefined;
  if (!format) {
    throw new InvalidArgumentError('path', 'a file name ending in .png, .jpg, .jpeg or .bmp', JSON.stringify(path), 'The extension picks the format.');
  }
  return format;
}

/**
 * Encodes `image` ([H, W] or [H, W, 1|3|4]) in the format its extension names and writes it atomically,
 * creating missing folders. The tensor is not disposed.
 */
export async function writeImage(path: string, image: tf.Tensor2D | tf.Tensor3D, options: Omit<EncodeImageOptions, 'format'> = {}): Promise<void> {
  const format = imageFormatFromPath(path);
  const bytes = encodeImage(image, { ...options, format }); // throws before any file is touched
  try {
    await writeFileAtomic(path, bytes);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') {
      throw new InvalidArgumentError('path', 'a path to a file', `'${path}', which is a folder`);
    }
    throw err;
  }
}
