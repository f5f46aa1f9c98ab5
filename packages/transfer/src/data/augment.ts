/**
 * Data augmentation on image batches [b, h, w, c] of float 0-255 pixels, as Keras' preprocessing layers do
 * it (RandomFlip, RandomCrop/RandomZoom, RandomRotation, RandomBrightness/Contrast) plus AlexNet's PCA color
 * augmentation (color-pca.ts). Every op draws one set of parameters per image from a seeded generator in
 * JavaScript (`random`: a seed or a Random), so a seed gives the same batch on every backend. Ops return a new
 * float32 tensor and never dispose their input; intermediates are freed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { assertBatch, checkOptions, toFloat, toRange, type Augment, type RandomOptions } from './augment-common.js';
import { pcaColorAugment, type PcaColorAugmentOptions } from './color-pca.js';
import { seededRandom, toRandom, uniform } from './random.js';

export type { Augment, RandomOptions } from './augment-common.js';

export type FlipMode = 'horizontal' | 'vertical' | 'horizontal_and_vertical';

export interface RandomFlipOptions extends RandomOptions {
  /** Which flips (Keras' RandomFlip modes; with both, each axis is flipped independently). Default 'horizontal'. */
  mode?: FlipMode;
  /** Chance of each flip per image. Default 0.5. */
  probability?: number;
}

/** Mirrors each image left-right and/or up-down with probability `probability` (pixels move exactly). */
export function randomFlip(batch: tf.Tensor4D, options: RandomFlipOptions = {}): tf.Tensor4D {
  assertBatch(batch);
  checkOptions(options, 'mode?, probability?, random?');
  const mode = options.mode ?? 'horizontal';
  if (!['horizontal', 'vertical', 'horizontal_and_vertical'].includes(mode)) {
    throw new InvalidArgumentError('options.mode', "'horizontal', 'vertical' or 'horizontal_and_vertical'", describeValue(mode));
  }
  const p = options.probability ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new InvalidArgumentError('options.probability', 'a number in [0, 1]', describeValue(p));
  const random = toRandom(options.random);
  const b = batch.shape[0];
  const axes: number[] = mode === 'horizontal' ? [2] : mode === 'vertical' ? [1] : [2, 1];
  const masks = axes.map(() => Array.from({ length: b }, () => random() < p));
  return tf.tidy(() => {
    let x = toFloat(batch);
    axes.forEach((axis, k) => {
      if (!masks[k]!.some(Boolean)) return;
      const flip = tf.tensor4d(masks[k]!.map(Number), [b, 1, 1, 1], 'bool');
      x = tf.where(flip, tf.reverse(x, axis), x);
    });
    return x === batch ? tf.clone(x) : x;
  });
}

export interface RandomCropZoomOptions extends RandomOptions {
  /**
   * Side of the crop as a fraction of the image side, drawn per image from [lo, hi] (default [0.8, 1]; a
   * number s: always s).
   * Below 1 zooms in (crop, then resize back); above 1 zooms out, filling outside with `fillValue`.
   */
  scale?: [number, number] | number;
  /** Crop aspect ratio (width / height relative to the image's), drawn from [lo, hi]. Default [1, 1]. */
  aspectRatio?: [number, number];
  /** Default 'bilinear'. */
  interpolation?: 'bilinear' | 'nearest';
  /** Value outside the image when zooming out. Default 0. */
  fillValue?: number;
}

/**
 * Random crop then resize back to [h, w] (Inception-style crops, Keras RandomZoom): each image gets a window
 * of side fraction `scale` at a uniformly random position inside it (tf.image.cropAndResize, whose box
 * corners are the corner pixel centers, so scale 1 is the identity).
 */
export function randomCropZoom(batch: tf.Tensor4D, options: RandomCropZoomOptions = {}): tf.Tensor4D {
  assertBatch(batch);
  checkOptions(options, 'scale?, aspectRatio?, interpolation?, fillValue?, random?');
  const scale = options.scale ?? [0.8, 1];
  if (typeof scale === 'number' && !(Number.isFinite(scale) && scale > 0)) {
    throw new InvalidArgumentError('options.scale', 'a side fraction > 0 or a range [lo, hi]', describeValue(scale));
  }
  const [sLo, sHi] = toRange(typeof scale === 'number' ? [scale, scale] : scale, 'options.scale', 1, { min: 1e-3 });
  const [aLo, aHi] = toRange(options.aspectRatio ?? [1, 1], 'options.aspectRatio', 1, { min: 1e-3 });
  const interpolation = options.interpolation ?? 'bilinear';
  if (interpolation !== 'bilinear' && interpolation !== 'nearest') throw new InvalidArgumentError('options.interpolation', "'bilinear' or 'nearest'", describeValue(interpolation));
  const fillValue = options.fillValue ?? 0;
  if (typeof fillValue !== 'number' || !Number.isFinite(fillValue)) throw new InvalidArgumentError('options.fillValue', 'a finite number', describeValue(fillValue));
  const random = toRandom(options.random);
  const [b, h, w] = batch.shape;
  const boxes: number[] = [];
  for (let i = 0; i < b; i++) {
    const s = uniform(random, sLo, sHi);
    // Log-uniform ratio, as torchvision's RandomResizedCrop: r and 1/r are equally likely.
    const ratio = aLo === aHi ? aLo : Math.exp(uniform(random, Math.log(aLo), Math.log(aHi)));
    const bh = s / Math.sqrt(ratio);
    const bw = s * Math.sqrt(ratio);
    const y0 = uniform(random, 0, 1 - bh);
    const x0 = uniform(random, 0, 1 - bw);
    boxes.push(y0, x0, y0 + bh, x0 + bw);
  }
  return tf.tidy(() =>
    tf.image.cropAndResize(
      toFloat(batch),
      tf.tensor2d(boxes, [b, 4]),
      tf.tensor1d(Array.from({ length: b }, (_, i) => i), 'int32'),
      [h, w],
      interpolation,
      fillValue,
    ),
  );
}

export type FillMode = 'constant' | 'reflect' | 'wrap' | 'nearest';

export interface RandomRotationOptions extends RandomOptions {
  /** Angle in degrees, drawn per image from [lo, hi]; a number d means [-d, d]. Positive turns counter-clockwise. Default 15. */
  degrees?: [number, number] | number;
  /** How points outside the image are filled (Keras' fill_mode). Default 'reflect', as Keras. */
  fillMode?: FillMode;
  /** The value for fillMode 'constant'. Default 0. */
  fillValue?: number;
  /** Default 'bilinear'. */
  interpolation?: 'bilinear' | 'nearest';
}

/**
 * The projective transform (tf.image.transform's [a0, a1, a2, b0, b1, b2, c0, c1]) that rotates an h x w image
 * by `radians` counter-clockwise about its center: output pixel (x, y) samples the input at
 * (a0 x + a1 y + a2, b0 x + b1 y + b2), i.e. the inverse rotation about ((w - 1) / 2, (h - 1) / 2).
 * The same matrix as Keras' `get_rotation_matrix`.
 */
export function rotationTransform(radians: number, h: number, w: number): number[] {
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  const xOffset = (w - 1 - (cos * (w - 1) - sin * (h - 1))) / 2;
  const yOffset = (h - 1 - (sin * (w - 1) + cos * (h - 1))) / 2;
  return [cos, -sin, xOffset, sin, cos, yOffset, 0, 0];
}

/** Rotates each image by a random angle about its center (tf.image.transform, Keras RandomRotation). */
export function randomRotation(batch: tf.Tensor4D, options: RandomRotationOptions = {}): tf.Tensor4D {
  assertBatch(batch);
  checkOptions(options, 'degrees?, fillMode?, fillValue?, interpolation?, random?');
  const [lo, hi] = toRange(options.degrees ?? 15, 'options.degrees', 0, { min: -360, max: 360 });
  const fillMode = options.fillMode ?? 'reflect';
  if (!['constant', 'reflect', 'wrap', 'nearest'].includes(fillMode)) {
    throw new InvalidArgumentError('options.fillMode', "'constant', 'reflect', 'wrap' or 'nearest'", describeValue(fillMode));
  }
  const fillValue = options.fillValue ?? 0;
  if (typeof fillValue !== 'number' || !Number.isFinite(fillValue)) throw new InvalidArgumentError('options.fillValue', 'a finite number', describeValue(fillValue));
  const interpolation = options.interpolation ?? 'bilinear';
  if (interpolation !== 'bilinear' && interpolation !== 'nearest') throw new InvalidArgumentError('options.interpolation', "'bilinear' or 'nearest'", describeValue(interpolation));
  const random = toRandom(options.random);
  const [b, h, w] = batch.shape;
  const transforms: number[] = [];
  for (let i = 0; i < b; i++) transforms.push(...rotationTransform((uniform(random, lo, hi) * Math.PI) / 180, h, w));
  return tf.tidy(() => {
    const x = toFloat(batch);
    // tfjs-backend-cpu 4.22's Transform kernel returns after the first image (the rest stay fillValue), so on
    // cpu each image is transformed alone.
    if (tf.getBackend() === 'cpu' && b > 1) {
      return tf.concat(
        tf.split(x, b, 0).map((image, i) => tf.image.transform(image as tf.Tensor4D, tf.tensor2d(transforms.slice(8 * i, 8 * i + 8), [1, 8]), interpolation, fillMode, fillValue)),
        0,
      );
    }
    return tf.image.transform(x, tf.tensor2d(transforms, [b, 8]), interpolation, fillMode, fillValue);
  });
}

export interface ColorShiftOptions extends RandomOptions {
  /** Added level as a fraction of 255, drawn from [lo, hi]; a number v means [-v, v]. Default 0 (off). */
  brightness?: [number, number] | number;
  /** Factor on the distance from each image's per-channel mean, from [lo, hi]; v means [1 - v, 1 + v]. Default off. */
  contrast?: [number, number] | number;
  /** Factor on the distance from each pixel's gray (BT.601 luma), from [lo, hi]; v means [1 - v, 1 + v]. Default off. */
  saturation?: [number, number] | number;
  /** Clip the result to [0, 255]. Default true. */
  clip?: boolean;
}

const LUMA = [0.299, 0.587, 0.114];

/**
 * Random brightness, contrast and saturation per image, in that order (Keras RandomBrightness and
 * RandomContrast; saturation as tf.image.adjust_saturation approximated by blending with gray):
 *   x <- x + 255 * delta;  x <- mean + c * (x - mean);  x <- gray + s * (x - gray)
 */
export function colorShift(batch: tf.Tensor4D, options: ColorShiftOptions = {}): tf.Tensor4D {
  checkOptions(options, 'brightness?, contrast?, saturation?, clip?, random?');
  assertBatch(batch, 'batch', options.saturation !== undefined ? 3 : undefined);
  const brightness = options.brightness === undefined ? undefined : toRange(options.brightness, 'options.brightness', 0, { min: -1, max: 1 });
  const contrast = options.contrast === undefined ? undefined : toRange(options.contrast, 'options.contrast', 1, { min: 0 });
  const saturation = options.saturation === undefined ? undefined : toRange(options.saturation, 'options.saturation', 1, { min: 0 });
  const clip = options.clip ?? true;
  if (typeof clip !== 'boolean') throw new InvalidArgumentError('options.clip', 'a boolean', describeValue(clip));
  const random = toRandom(options.random);
  const b = batch.shape[0];
  const draw = (range: [number, number] | undefined) => (range ? Array.from({ length: b }, () => uniform(random, range[0], range[1])) : undefined);
  const deltas = draw(brightness);
  const contrasts = draw(contrast);
  const saturations = draw(saturation);
  return tf.tidy(() => {
    let x: tf.Tensor4D = toFloat(batch);
    const perImage = (values: number[]) => tf.tensor4d(values, [b, 1, 1, 1]);
    if (deltas) x = tf.add(x, perImage(deltas.map((d) => d * 255)));
    if (contrasts) {
      const mean = tf.mean(x, [1, 2], true);
      x = tf.add(mean, tf.mul(perImage(contrasts), tf.sub(x, mean)));
    }
    if (saturations) {
      const gray = tf.sum(tf.mul(x, tf.tensor1d(LUMA)), 3, true);
      x = tf.add(gray, tf.mul(perImage(saturations), tf.sub(x, gray)));
    }
    if (clip) x = tf.clipByValue(x, 0, 255);
    return x === batch ? tf.clone(x) : x;
  });
}

/** Chains augmentation steps, passing each the same generator and freeing the intermediate batches. */
export function compose(...steps: Augment[]): Augment {
  steps.forEach((step, i) => {
    if (typeof step !== 'function') throw new InvalidArgumentError(`steps[${i}]`, 'an augmentation function (batch, random?) => batch', describeValue(step));
  });
  return (batch, random) => {
    assertBatch(batch);
    let x = batch;
    for (const step of steps) {
      const next = step(x, random);
      if (x !== batch && next !== x) x.dispose();
      x = next;
    }
    return x === batch ? tf.clone(batch) : x;
  };
}

export interface AugmentationConfig {
  /** Flip mode, or full randomFlip options. */
  flip?: FlipMode | Omit<RandomFlipOptions, 'random'>;
  cropZoom?: Omit<RandomCropZoomOptions, 'random'>;
  /** Degrees (d means [-d, d]) or full randomRotation options. */
  rotation?: number | [number, number] | Omit<RandomRotationOptions, 'random'>;
  color?: Omit<ColorShiftOptions, 'random'>;
  /** AlexNet PCA color augmentation: true for the ImageNet defaults, or its options. */
  pca?: boolean | Omit<PcaColorAugmentOptions, 'random' | 'alphas'>;
  /**
   * Seed of the generator used when the returned function is called without one: call k then gives the same
   * batch on every run (createBatches passes its own per-step generator instead).
   */
  seed?: number;
}

/**
 * A standard augmentation pipeline from a config, geometric steps first, then color:
 * flip -> cropZoom -> rotation -> color -> pca. Steps left out are skipped.
 *
 *   const augment = augmentation({ flip: 'horizontal', rotation: 10, cropZoom: { scale: [0.8, 1] }, pca: true, seed: 1 });
 *   const y = augment(x);  // a new batch; x is kept
 */
export function augmentation(config: AugmentationConfig = {}): Augment {
  checkOptions(config, 'flip?, cropZoom?, rotation?, color?, pca?, seed?');
  const steps: Augment[] = [];
  if (config.flip !== undefined) {
    const flip = typeof config.flip === 'string' ? { mode: config.flip } : config.flip;
    steps.push((x, random) => randomFlip(x, { ...flip, random }));
  }
  if (config.cropZoom !== undefined) {
    const cropZoom = config.cropZoom;
    steps.push((x, random) => randomCropZoom(x, { ...cropZoom, random }));
  }
  if (config.rotation !== undefined) {
    const rotation = typeof config.rotation === 'number' || Array.isArray(config.rotation) ? { degrees: config.rotation } : config.rotation;
    steps.push((x, random) => randomRotation(x, { ...rotation, random }));
  }
  if (config.color !== undefined) {
    const color = config.color;
    steps.push((x, random) => colorShift(x, { ...color, random }));
  }
  if (config.pca !== undefined && config.pca !== false) {
    const pca = config.pca === true ? {} : config.pca;
    steps.push((x, random) => pcaColorAugment(x, { ...pca, random }));
  }
  const pipeline = compose(...steps);
  const own = config.seed === undefined ? undefined : seededRandom(config.seed);
  return (batch, random) => pipeline(batch, random ?? own ?? toRandom(undefined));
}
