/**
 * Face pictures from files into one training tensor: decoded gray (or RGB), resized to the embedding net's
 * input with bilinear sampling at pixel centres (a half-size resize then averages 2×2 blocks exactly), float32
 * 0-255, stacked [N, h, w, C]. For folder-per-identity sets list the files with @cnn/ops `readImageFolder`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, decodeImage, describeValue, resizeImage } from '@cnn/ops';

export interface LoadFacePicturesOptions {
  /** [height, width] of the net's input. */
  size: [number, number];
  /** 1 (gray, default) or 3 (RGB). */
  channels?: 1 | 3;
  /** Called after each picture. */
  onProgress?: (done: number, total: number) => void;
}

export async function loadFacePictures(paths: readonly string[], options: LoadFacePicturesOptions): Promise<tf.Tensor4D> {
  if (!Array.isArray(paths) || paths.length === 0 || paths.some((p) => typeof p !== 'string' || p.length === 0)) {
    throw new InvalidArgumentError('paths', 'a non-empty list of picture files', describeValue(paths));
  }
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', '{ size: [height, width], channels?, onProgress? }', describeValue(options));
  const { size } = options;
  if (!Array.isArray(size) || size.length !== 2 || size.some((s) => !Number.isInteger(s) || s < 1)) throw new InvalidArgumentError('options.size', '[height, width] of positive integers', describeValue(size));
  const channels = options.channels ?? 1;
  if (channels !== 1 && channels !== 3) throw new InvalidArgumentError('options.channels', '1 (gray) or 3 (RGB)', describeValue(options.channels));
  const pictures: tf.Tensor3D[] = [];
  try {
    for (const [i, path] of paths.entries()) {
      const raw = (await decodeImage(path, { channels, dtype: 'float32' })) as tf.Tensor3D;
      pictures.push(raw.shape[0] === size[0] && raw.shape[1] === size[1] ? raw : tf.tidy(() => resizeImage(raw, size, { halfPixelCenters: true })));
      if (pictures.at(-1) !== raw) raw.dispose();
      options.onProgress?.(i + 1, paths.length);
    }
    return tf.stack(pictures) as tf.Tensor4D;
  } finally {
    tf.dispose(pictures);
  }
}
