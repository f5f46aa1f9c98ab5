/**
 * The shapes detector: a small Darknet-style backbone (3 x 3 conv, batch norm, leaky ReLU; stride-2 convs
 * instead of max pooling) with a YOLOv2 head, for the synthetic sun/moon/star/square/triangle/ring scenes
 * (generateScene). The trained one ships in the package's `model/shapes-detector/` folder.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { SHAPE_CLASSES } from '../data/synthetic-scenes.js';
import type { Anchor } from '../targets/grid-spec.js';
import { yoloHead } from '../targets/yolo-head.js';
import { loadDetector, type Detector } from './detector.js';
import { initObjectnessPrior } from './head-init.js';

export interface ShapesBackboneOptions {
  /** Input side in pixels, a multiple of 16 (default 128: an 8 x 8 grid). */
  inputSize?: number;
  /** Channels of the five stages (default [16, 32, 64, 128, 128]). */
  filters?: readonly [number, number, number, number, number];
  /** Anchor shapes in grid cells (their count sets B). */
  anchors: readonly Anchor[];
  /** Number of classes (default 6, SHAPE_CLASSES). */
  classes?: number;
  /** Starting objectness σ(to) of every anchor (default 0.05; see initObjectnessPrior). */
  objectnessPrior?: number;
}

function convBlock(x: tfl.SymbolicTensor, filters: number, strides: number, name: string): tfl.SymbolicTensor {
  x = tfl.layers.conv2d({ filters, kernelSize: 3, strides, padding: 'same', useBias: false, name: `${name}_conv` }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: `${name}_bn` }).apply(x) as tfl.SymbolicTensor;
  return tfl.layers.leakyReLU({ alpha: 0.1, name: `${name}_leaky` }).apply(x) as tfl.SymbolicTensor;
}

/**
 * A YOLOv2 detector for small pictures: stride 16 (a 128 x 128 input gives an 8 x 8 grid), about 0.3 M
 * parameters, randomly initialized. Output [batch, S, S, B, 5 + C].
 */
export function shapesDetectorModel(options: ShapesBackboneOptions): tfl.LayersModel {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { anchors, inputSize?, filters?, classes? }', describeValue(options));
  const size = options.inputSize ?? 128;
  if (!Number.isInteger(size) || size < 16 || size % 16 !== 0) throw new InvalidArgumentError('options.inputSize', 'a multiple of 16 (>= 16)', describeValue(size));
  const f = options.filters ?? [16, 32, 64, 128, 128];
  if (!Array.isArray(f) || f.length !== 5 || !f.every((v) => Number.isInteger(v) && v > 0)) throw new InvalidArgumentError('options.filters', 'five positive channel counts', describeValue(f));
  const input = tfl.input({ shape: [size, size, 3], name: 'image' });
  let x = convBlock(input, f[0]!, 2, 'stage1'); // /2
  x = convBlock(x, f[1]!, 2, 'stage2'); // /4
  x = convBlock(x, f[1]!, 1, 'stage2b');
  x = convBlock(x, f[2]!, 2, 'stage3'); // /8
  x = convBlock(x, f[2]!, 1, 'stage3b');
  x = convBlock(x, f[3]!, 2, 'stage4'); // /16
  x = convBlock(x, f[4]!, 1, 'stage5');
  const model = yoloHead(x, { anchors: options.anchors, classes: options.classes ?? SHAPE_CLASSES.length, name: 'shapes' });
  initObjectnessPrior(model, { prior: options.objectnessPrior ?? 0.05, anchors: options.anchors.length });
  return model;
}

/**
 * The shipped shapes detector (trained by scripts/train-shapes.mjs; see model/shapes-detector/README.md), or
 * the one in `dir`. Node only (reads files).
 *
 *     const detector = await loadShapesDetector();
 *     const scene = generateScene({ size: 128, seed: 1 });
 *     await detector.detect(tf.tensor3d(scene.image, [128, 128, 3], 'int32'));
 */
export async function loadShapesDetector(dir?: string): Promise<Detector> {
  if (dir === undefined) {
    const { fileURLToPath } = await import('node:url');
    // src/train/shapes.ts and dist/index.js both sit two folders below the package root... or one (dist).
    const { existsSync } = await import('node:fs');
    const candidates = ['../../model/shapes-detector/', '../model/shapes-detector/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
    dir = candidates.find((c) => existsSync(`${c}detector.json`)) ?? candidates[0]!;
  }
  return loadDetector(dir);
}
