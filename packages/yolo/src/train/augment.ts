/**
 * Data augmentation for detection: every transform that moves pixels moves the boxes with them (the course's
 * "if you flip the image, flip the label"). Horizontal flip, random scale with crop or pad (boxes clipped to
 * the picture, boxes mostly cut away dropped), and color jitter (brightness, contrast, saturation, hue), which
 * moves no box. Images are [H, W, 3] in 0-255; the output keeps the input's size. Seeded: the same seed gives
 * the same picture and boxes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, assertFiniteNumber, assertTensor, describeValue } from '@cnn/ops';
import { createRng, type Rng } from '../data/prng.js';

/** A box in pixel 'xyxy' of its image, and its class. */
export interface AugmentBox {
  box: [number, number, number, number];
  class: number;
}

export interface ColorJitterOptions {
  /** Brightness factor drawn in [1 - b, 1 + b] (default 0.25). */
  brightness?: number;
  /** Contrast factor drawn in [1 - c, 1 + c] around the image's mean gray (default 0.25). */
  contrast?: number;
  /** Saturation factor drawn in [1 - s, 1 + s] (default 0.3). */
  saturation?: number;
  /** Hue rotation drawn in [-h, h] turns (default 0.03, about ±11°). */
  hue?: number;
}

export interface AugmentOptions {
  /** Probability of a horizontal flip (default 0.5; 0 turns it off). */
  flip?: number;
  /**
   * Zoom factor range [min, max] (default [0.75, 1.25]): > 1 zooms in and crops, < 1 zooms out and pads with
   * `fill`. [1, 1] turns it off.
   */
  scale?: readonly [number, number];
  /** Extra random shift of the view, as a fraction of the side (default 0.1). */
  translate?: number;
  /** Color jitter settings, or false for none (default: the ColorJitterOptions defaults). */
  color?: ColorJitterOptions | false;
  /** A box keeps its label when at least this fraction of its area stays in the picture (default 0.4). */
  minVisible?: number;
  /** A kept box must stay at least this many pixels wide and high (default 2). */
  minSize?: number;
  /** Padding value where a zoomed-out view shows no image (default 114, as letterbox). */
  fill?: number;
}

export interface AugmentResult {
  /** float32 [H, W, 3] in 0-255. The caller owns it. */
  image: tf.Tensor3D;
  boxes: AugmentBox[];
  /** What was drawn, for inspection: flipped, the zoom, the view's top-left in source pixels. */
  applied: { flip: boolean; scale: number; offsetX: number; offsetY: number; color: boolean };
}

interface Checked {
  flip: number;
  scale: [number, number];
  translate: number;
  color: Required<ColorJitterOptions> | false;
  minVisible: number;
  minSize: number;
  fill: number;
}

/** Checks augmentation options and fills in the defaults. */
export function readAugmentOptions(options: unknown, argument = 'options'): Checked {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError(argument, 'an options object { flip?, scale?, translate?, color?, minVisible? }', describeValue(options));
  }
  const o = options as AugmentOptions;
  const frac = (v: unknown, name: string, fallback: number, max = 1) => {
    const x = v ?? fallback;
    assertFiniteNumber(x, `${argument}.${name}`, { min: 0, max });
    return x;
  };
  const scale = o.scale ?? [0.75, 1.25];
  if (!Array.isArray(scale) || scale.length !== 2 || !scale.every((s) => typeof s === 'number' && Number.isFinite(s) && s > 0) || scale[0]! > scale[1]!) {
    throw new InvalidArgumentError(`${argument}.scale`, '[min, max] zoom factors, 0 < min <= max', describeValue(scale));
  }
  let color: Checked['color'] = false;
  if (o.color !== false) {
    const c = o.color ?? {};
    if (c === null || typeof c !== 'object') throw new InvalidArgumentError(`${argument}.color`, 'color jitter options or false', describeValue(c));
    color = {
      brightness: frac(c.brightness, 'color.brightness', 0.25),
      contrast: frac(c.contrast, 'color.contrast', 0.25),
      saturation: frac(c.saturation, 'color.saturation', 0.3),
      hue: frac(c.hue, 'color.hue', 0.03, 0.5),
    };
  }
  const fill = o.fill ?? 114;
  assertFiniteNumber(fill, `${argument}.fill`);
  const minSize = o.minSize ?? 2;
  assertFiniteNumber(minSize, `${argument}.minSize`, { min: 0 });
  return {
    flip: frac(o.flip, 'flip', 0.5),
    scale: [scale[0]!, scale[1]!],
    translate: frac(o.translate, 'translate', 0.1),
    color,
    minVisible: frac(o.minVisible, 'minVisible', 0.4),
    minSize,
    fill,
  };
}

function checkBoxes(boxes: unknown, argument: string): AugmentBox[] {
  if (!Array.isArray(boxes)) throw new InvalidArgumentError(argument, 'an array of { box: [x1, y1, x2, y2], class }', describeValue(boxes));
  return boxes.map((b, i) => {
    const box = (b as AugmentBox | null)?.box;
    if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new InvalidArgumentError(`${argument}[${i}].box`, '[x1, y1, x2, y2] finite pixels', describeValue(box));
    }
    return { box: [box[0], box[1], box[2], box[3]], class: (b as AugmentBox).class };
  });
}

/**
 * The 3 x 3 color matrix M (row vectors: rgb' = rgb · M) of a saturation change s and a hue rotation of
 * `turns` about the gray axis (YIQ's hue rotation), times brightness b.
 */
function colorMatrix(b: number, s: number, turns: number): number[] {
  const toYiq = [0.299, 0.596, 0.211, 0.587, -0.274, -0.523, 0.114, -0.322, 0.312]; // rgb · toYiq = yiq (row-major 3x3)
  const fromYiq = [1, 1, 1, 0.956, -0.272, -1.106, 0.621, -0.647, 1.703];
  const [c, sn] = [Math.cos(2 * Math.PI * turns) * s, Math.sin(2 * Math.PI * turns) * s];
  const hsMat = [1, 0, 0, 0, c, -sn, 0, sn, c]; // y kept, (i, q) rotated and scaled
  const mul = (a: number[], m: number[]) => {
    const r = new Array<number>(9).fill(0);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) r[i * 3 + j]! += a[i * 3 + k]! * m[k * 3 + j]!;
    return r;
  };
  return mul(mul(toYiq, hsMat), fromYiq).map((v) => v * b);
}

/**
 * Applies a random flip, zoom (crop or pad) and color jitter to `image` ([H, W, 3], 0-255, int32 or
 * float32; not disposed) and moves `boxes` (pixel 'xyxy') with the pixels: a box is clipped to the picture,
 * and dropped when less than `minVisible` of it stays. `seed` (an integer) or `rng` picks the draws.
 *
 *     const { image, boxes } = augmentDetection(picture, labels, { seed: 7 });
 */
export function augmentDetection(image: tf.Tensor3D, boxes: readonly AugmentBox[], options: AugmentOptions & { seed?: number; rng?: Rng } = {}): AugmentResult {
  assertTensor(image, 'image', { rank: 3, dtype: ['int32', 'float32'] });
  const [H, W, C] = image.shape;
  if (C !== 3) throw new InvalidArgumentError('image', 'an RGB image [height, width, 3]', `shape [${image.shape.join(', ')}]`);
  const labels = checkBoxes(boxes, 'boxes');
  const o = readAugmentOptions(options);
  if (options.rng === undefined && options.seed !== undefined && !Number.isInteger(options.seed)) {
    throw new InvalidArgumentError('options.seed', 'an integer', describeValue(options.seed));
  }
  const rng = options.rng ?? createRng(options.seed ?? 0);

  const flip = rng.next() < o.flip;
  const scale = o.scale[0] === o.scale[1] ? o.scale[0] : Math.exp(rng.range(Math.log(o.scale[0]), Math.log(o.scale[1])));
  // The view: a window of the source (W / scale) x (H / scale) pixels whose top-left is (ox, oy), in
  // source pixel-edge coordinates. Zooming in, it lies inside the source; zooming out, the source inside it.
  const [vw, vh] = [W / scale, H / scale];
  const place = (side: number, view: number) => {
    const lo = Math.min(0, side - view);
    const hi = Math.max(0, side - view);
    const jitter = o.translate * side;
    const v = rng.range(lo - jitter, hi + jitter);
    return Math.min(Math.max(v, lo - jitter), hi + jitter);
  };
  const ox = scale === 1 && o.translate === 0 ? 0 : place(W, vw);
  const oy = scale === 1 && o.translate === 0 ? 0 : place(H, vh);
  const jitter = o.color
    ? {
        b: rng.range(1 - o.color.brightness, 1 + o.color.brightness),
        c: rng.range(1 - o.color.contrast, 1 + o.color.contrast),
        s: rng.range(1 - o.color.saturation, 1 + o.color.saturation),
        h: rng.range(-o.color.hue, o.color.hue),
      }
    : undefined;

  // Boxes: x' = (x - ox) · scale (edges map to edges), then the flip x' -> W - x'.
  const moved: AugmentBox[] = [];
  for (const l of labels) {
    let [x1, y1, x2, y2] = l.box;
    x1 = (x1 - ox) * scale;
    x2 = (x2 - ox) * scale;
    y1 = (y1 - oy) * scale;
    y2 = (y2 - oy) * scale;
    if (flip) [x1, x2] = [W - x2, W - x1];
    const area = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
    const c = [Math.min(Math.max(x1, 0), W), Math.min(Math.max(y1, 0), H), Math.min(Math.max(x2, 0), W), Math.min(Math.max(y2, 0), H)] as [number, number, number, number];
    const w = c[2] - c[0];
    const h = c[3] - c[1];
    if (area <= 0 || w < o.minSize || h < o.minSize || (w * h) / area < o.minVisible) continue;
    moved.push({ box: c, class: l.class });
  }

  const out = tf.tidy(() => {
    let x = tf.cast(image, 'float32') as tf.Tensor3D;
    if (scale !== 1 || ox !== 0 || oy !== 0) {
      // cropAndResize samples output pixel i at source index y1·(H - 1) + i·(y2 - y1)·(H - 1) / (H - 1)
      // (align-corners). Output pixel centre u + 0.5 is the source point oy + (u + 0.5) / scale, i.e. source
      // index oy + (u + 0.5) / scale - 0.5, so y1·(H - 1) = oy + 0.5 / scale - 0.5 and the step is 1 / scale.
      const y1 = (oy + 0.5 / scale - 0.5) / Math.max(H - 1, 1);
      const x1 = (ox + 0.5 / scale - 0.5) / Math.max(W - 1, 1);
      const y2 = y1 + ((H - 1) / scale) / Math.max(H - 1, 1);
      const x2 = x1 + ((W - 1) / scale) / Math.max(W - 1, 1);
      const boxes2d = tf.tensor2d([[y1, x1, y2, x2]]);
      const crops = tf.image.cropAndResize(tf.expandDims(x, 0) as tf.Tensor4D, boxes2d, tf.tensor1d([0], 'int32'), [H, W], 'bilinear', o.fill);
      x = tf.squeeze(crops, [0]) as tf.Tensor3D;
    }
    if (flip) x = tf.reverse(x, 1);
    if (jitter) {
      const m = colorMatrix(jitter.b, jitter.s, jitter.h);
      const flat = tf.reshape(x, [H * W, 3]);
      let y = tf.matMul(flat, tf.tensor2d(m, [3, 3]));
      // Contrast around the (jittered) mean gray: y' = (y - mean) · c + mean.
      const mean = tf.mean(tf.matMul(y, tf.tensor2d([0.299, 0.587, 0.114], [3, 1])));
      y = tf.add(tf.mul(tf.sub(y, mean), jitter.c), mean);
      x = tf.reshape(tf.clipByValue(y, 0, 255), [H, W, 3]) as tf.Tensor3D;
    }
    return x;
  });
  return { image: out, boxes: moved, applied: { flip, scale, offsetX: ox, offsetY: oy, color: jitter !== undefined } };
}
