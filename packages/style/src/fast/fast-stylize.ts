/**
 * Fast style transfer: one forward pass of a trained transform network (Johnson et al.) instead of hundreds
 * of optimization steps on the pixels. Any size works: the net needs H and W divisible by 4 (two stride-2
 * convs, two stride-2 conv-transposes), so other sizes are padded up to the next multiple of 4 by reflection
 * (split between the two sides, at most 3 pixels; reflection continues the picture without a hard edge,
 * which zero padding would stylize into a frame) and the output is cropped back to H × W.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { assertTensor, InvalidArgumentError } from '@cnn/ops';

/** [before, after] padding that brings n up to a multiple of `multiple`. */
export function padToMultiple(n: number, multiple = 4): [number, number] {
  const total = (multiple - (n % multiple)) % multiple;
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * Stylizes RGB images in 0-255 — [H, W, 3] or a batch [N, H, W, 3], int32 or float32, H and W ≥ 4 — with a
 * transform net (`transformNet` / `loadFastStyle`). Returns float32 pixels in [0, 255] of the input's shape;
 * the caller disposes the result. No other tensors are left behind.
 */
export function fastStylize<T extends tf.Tensor3D | tf.Tensor4D>(net: tfl.LayersModel, image: T): T {
  assertTensor(image, 'image', { rank: [3, 4], dtype: ['int32', 'float32'] });
  const shape = image.shape;
  const [h, w, c] = shape.slice(-3) as [number, number, number];
  if (c !== 3 || h < 4 || w < 4) throw new InvalidArgumentError('image', 'RGB pixels [H, W, 3] or [N, H, W, 3] with H, W >= 4', `shape [${shape.join(', ')}]`);
  return tf.tidy(() => {
    const x = tf.cast(image.rank === 3 ? tf.expandDims(image, 0) : image, 'float32') as tf.Tensor4D;
    const [top, bottom] = padToMultiple(h);
    const [left, right] = padToMultiple(w);
    const padded = top + bottom + left + right > 0 ? tf.mirrorPad(x, [[0, 0], [top, bottom], [left, right], [0, 0]], 'reflect') : x;
    let y = net.predict(padded) as tf.Tensor4D;
    if (padded !== x) y = tf.slice(y, [0, top, left, 0], [-1, h, w, 3]);
    return (image.rank === 3 ? tf.squeeze(y, [0]) : y) as T;
  });
}
