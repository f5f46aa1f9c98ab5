/**
 * Rendering beyond one optimization at one size:
 *  - `stylizeMultiScale`: coarse to fine — optimize a small version, upsample it as the start of the next
 *    size (big structures settle cheaply at low resolution, details at the end);
 *  - `stylizeTiled`: images larger than memory allows (2048 px and up): a coarse pass over the whole image for
 *    global coherence, then overlapping tiles refined one at a time and blended with linear feathering in the
 *    overlaps so no seam shows. Memory is bounded by the tile size, not the image size.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertTensor, InvalidArgumentError } from '@cnn/ops';
import type { VggFeatures } from './features.js';
import { stylize, type StepLosses, type StylizeOptions, type StylizeResult } from './stylize.js';

const resize = (x: tf.Tensor3D, h: number, w: number) => tf.tidy(() => tf.image.resizeBilinear(tf.cast(x, 'float32') as tf.Tensor3D, [h, w], true));

export interface MultiScaleOptions extends Omit<StylizeOptions, 'iterations' | 'init'> {
  /** Fractions of the full size, coarse to fine (default [0.25, 0.5, 1]). */
  scales?: readonly number[];
  /** Iterations per scale: one number for all, or one per scale (default 100). */
  iterations?: number | readonly number[];
}

/** Coarse-to-fine style transfer. Losses of all scales are returned in order (step numbers continue). */
export async function stylizeMultiScale(content: tf.Tensor3D, style: tf.Tensor3D, features: VggFeatures, options: MultiScaleOptions = {}): Promise<StylizeResult> {
  assertTensor(content, 'content', { rank: 3 });
  assertTensor(style, 'style', { rank: 3 });
  const scales = options.scales ?? [0.25, 0.5, 1];
  if (scales.length === 0 || !scales.every((s, i) => s > 0 && s <= 1 && (i === 0 || s > scales[i - 1]!))) {
    throw new InvalidArgumentError('options.scales', 'increasing fractions in (0, 1]', JSON.stringify(scales));
  }
  const its = typeof options.iterations === 'number' || options.iterations === undefined ? scales.map(() => (options.iterations as number | undefined) ?? 100) : [...options.iterations];
  if (its.length !== scales.length) throw new InvalidArgumentError('options.iterations', `one count per scale (${scales.length})`, JSON.stringify(options.iterations));
  const [H, W] = content.shape;
  const [SH, SW] = style.shape;
  let previous: tf.Tensor3D | undefined;
  const losses: StepLosses[] = [];
  let evaluations = 0;
  let seconds = 0;
  let stopped = 'iterations';
  for (const [i, s] of scales.entries()) {
    const h = Math.max(16, Math.round(H * s));
    const w = Math.max(16, Math.round(W * s));
    const c = resize(content, h, w);
    const st = resize(style, Math.max(16, Math.round(SH * s)), Math.max(16, Math.round(SW * s)));
    const init = previous ? resize(previous, h, w) : undefined;
    previous?.dispose();
    const offset = losses.length;
    try {
      const r = await stylize(c, st, features, {
        ...options,
        iterations: its[i]!,
        ...(init ? { init } : {}),
        ...(options.onStep ? { onStep: (img: tf.Tensor3D, l: StepLosses) => options.onStep!(img, { ...l, step: l.step + offset }) } : {}),
      });
      losses.push(...r.losses.map((l) => ({ ...l, step: l.step + offset, evaluations: l.evaluations + evaluations })));
      evaluations += r.evaluations;
      seconds += r.seconds;
      stopped = r.stopped;
      previous = r.image;
    } finally {
      tf.dispose([c, st, ...(init ? [init] : [])]);
    }
  }
  const image = previous!.shape[0] === H && previous!.shape[1] === W ? previous! : resize(previous!, H, W);
  if (image !== previous) previous!.dispose();
  return { image, losses, evaluations, seconds, stopped };
}

export interface TiledOptions extends Omit<StylizeOptions, 'init' | 'onStep'> {
  /** Tile side in pixels (default 512). */
  tileSize?: number;
  /** Overlap between neighbouring tiles (default 64), blended with linear feathering. */
  overlap?: number;
  /** Long side of the coarse whole-image pass (default 512; 0 skips it and starts tiles from content + noise). */
  coarseSize?: number;
  /** Iterations of the coarse pass (default: `iterations`). */
  coarseIterations?: number;
  /** Called after the coarse pass and after each tile. */
  onTile?: (info: { tile: number; tiles: number; y: number; x: number; h: number; w: number; seconds: number }) => void | Promise<void>;
}

/** Tile origins along one axis: stride tile − overlap, the last tile flush with the end. */
export function tileStarts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const stride = tile - overlap;
  const starts: number[] = [];
  for (let s = 0; s + tile < length; s += stride) starts.push(s);
  starts.push(length - tile);
  return starts;
}

/**
 * Feather weights of a tile [h, w]: 1 inside, falling linearly to a small positive value across each side
 * that overlaps a neighbour (sides on the image border stay 1), so overlapping tiles cross-fade.
 */
export function featherWeights(h: number, w: number, overlap: number, sides: { top: boolean; bottom: boolean; left: boolean; right: boolean }): Float32Array {
  const out = new Float32Array(h * w);
  const ramp = (d: number) => (overlap > 0 ? Math.min(1, (d + 1) / (overlap + 1)) : 1);
  for (let y = 0; y < h; y++) {
    const wy = Math.min(sides.top ? ramp(y) : 1, sides.bottom ? ramp(h - 1 - y) : 1);
    for (let x = 0; x < w; x++) out[y * w + x] = wy * Math.min(sides.left ? ramp(x) : 1, sides.right ? ramp(w - 1 - x) : 1);
  }
  return out;
}

/** Style transfer of a large image in overlapping tiles. Returns the image and the per-tile losses. */
export async function stylizeTiled(content: tf.Tensor3D, style: tf.Tensor3D, features: VggFeatures, options: TiledOptions = {}): Promise<StylizeResult & { tiles: number }> {
  assertTensor(content, 'content', { rank: 3 });
  assertTensor(style, 'style', { rank: 3 });
  const tile = options.tileSize ?? 512;
  const overlap = options.overlap ?? 64;
  if (!Number.isInteger(tile) || tile < 32) throw new InvalidArgumentError('options.tileSize', 'an integer >= 32', String(tile));
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= tile / 2) throw new InvalidArgumentError('options.overlap', `an integer in [0, ${tile / 2})`, String(overlap));
  const [H, W] = content.shape;
  const started = performance.now();
  const { tileSize: _t, overlap: _o, coarseSize: _c, coarseIterations: _ci, onTile, ...base } = options;
  const losses: StepLosses[] = [];
  let evaluations = 0;

  // 1. Coarse pass over the whole image, upsampled as every tile's start.
  const coarseSize = options.coarseSize ?? 512;
  let start: tf.Tensor3D | undefined;
  if (coarseSize > 0) {
    const f = Math.min(1, coarseSize / Math.max(H, W));
    const ch = Math.max(16, Math.round(H * f));
    const cw = Math.max(16, Math.round(W * f));
    const c = resize(content, ch, cw);
    const s = resize(style, Math.max(16, Math.round(style.shape[0] * Math.min(1, coarseSize / Math.max(...style.shape.slice(0, 2))))), Math.max(16, Math.round(style.shape[1] * Math.min(1, coarseSize / Math.max(...style.shape.slice(0, 2))))));
    const r = await stylize(c, s, features, { ...base, iterations: options.coarseIterations ?? options.iterations ?? 300 });
    losses.push(...r.losses);
    evaluations += r.evaluations;
    start = resize(r.image, H, W);
    tf.dispose([c, s, r.image]);
    await onTile?.({ tile: 0, tiles: 0, y: 0, x: 0, h: ch, w: cw, seconds: (performance.now() - started) / 1000 });
  }

  // 2. Tiles, refined one at a time and feather-blended into a plain buffer.
  const th = Math.min(tile, H);
  const tw = Math.min(tile, W);
  const ys = tileStarts(H, th, overlap);
  const xs = tileStarts(W, tw, overlap);
  const acc = new Float32Array(H * W * 3);
  const wsum = new Float32Array(H * W);
  const total = ys.length * xs.length;
  let n = 0;
  try {
    for (const y of ys) {
      for (const x of xs) {
        n++;
        const cTile = tf.slice(content, [y, x, 0], [th, tw, 3]) as tf.Tensor3D;
        const init = start ? (tf.slice(start, [y, x, 0], [th, tw, 3]) as tf.Tensor3D) : undefined;
        try {
          const r = await stylize(cTile, style, features, { ...base, ...(init ? { init } : {}), seed: (options.seed ?? 1) + n });
          const offset = losses.length;
          losses.push(...r.losses.map((l) => ({ ...l, step: l.step + offset, evaluations: l.evaluations + evaluations })));
          evaluations += r.evaluations;
          const px = await r.image.data();
          r.image.dispose();
          const weights = featherWeights(th, tw, overlap, { top: y > 0, bottom: y + th < H, left: x > 0, right: x + tw < W });
          for (let i = 0; i < th; i++) {
            for (let j = 0; j < tw; j++) {
              const wgt = weights[i * tw + j]!;
              const o = (y + i) * W + (x + j);
              wsum[o]! += wgt;
              for (let k = 0; k < 3; k++) acc[3 * o + k]! += wgt * px[3 * (i * tw + j) + k]!;
            }
          }
        } finally {
          tf.dispose([cTile, ...(init ? [init] : [])]);
        }
        await onTile?.({ tile: n, tiles: total, y, x, h: th, w: tw, seconds: (performance.now() - started) / 1000 });
      }
    }
  } finally {
    start?.dispose();
  }
  for (let o = 0; o < H * W; o++) for (let k = 0; k < 3; k++) acc[3 * o + k] = Math.min(255, Math.max(0, acc[3 * o + k]! / wsum[o]!));
  const image = tf.tensor3d(acc, [H, W, 3]);
  return { image, losses, evaluations, seconds: (performance.now() - started) / 1000, stopped: 'iterations', tiles: total };
}
