/**
 * Test support (not exported): darknet's forward pass as plain loops over CHW arrays, reading the `.weights`
 * floats in darknet's own layout, and deterministic weights for any cfg. The tfjs model is checked against it.
 */
import { mulberry32 } from '@cnn/ops';
import type { DarknetActivation, DarknetCfg } from '../cfg.js';
import { darknetShapes } from '../shapes.js';
import { readDarknetWeights } from '../weights.js';

/** A CHW feature map. */
export interface Chw {
  c: number;
  h: number;
  w: number;
  data: Float64Array;
}

/** A `.weights` file (header + floats) for `cfg`, with plausible values (positive variances). */
export function randomDarknetWeights(cfg: DarknetCfg, seed = 1, version: [number, number, number] = [0, 2, 5], inputSize?: [number, number]): Uint8Array {
  const shapes = darknetShapes(cfg, inputSize);
  const rand = mulberry32(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * rand();
  const floats: number[] = [];
  cfg.layers.forEach((s, i) => {
    if (s.type !== 'convolutional') return;
    const c = i === 0 ? shapes.input[2] : shapes.layers[i - 1]![2];
    const n = s.filters;
    for (let k = 0; k < n; k++) floats.push(u(-0.5, 0.5)); // biases
    if (s.batchNormalize) {
      for (let k = 0; k < n; k++) floats.push(u(0.5, 1.5)); // scales
      for (let k = 0; k < n; k++) floats.push(u(-0.3, 0.3)); // rolling mean
      for (let k = 0; k < n; k++) floats.push(u(0.2, 2)); // rolling variance
    }
    const fanIn = (c / s.groups) * s.size * s.size;
    const bound = Math.sqrt(3 / fanIn);
    for (let k = 0; k < n * fanIn; k++) floats.push(u(-bound, bound));
  });
  return darknetWeightsFile(Float32Array.from(floats), version, 12345);
}

/** Bytes of a `.weights` file: int32 major, minor, revision, seen (64-bit when major * 10 + minor >= 2), floats. */
export function darknetWeightsFile(floats: Float32Array, [major, minor, revision]: [number, number, number] = [0, 2, 5], seen = 0): Uint8Array {
  const wide = major * 10 + minor >= 2;
  const header = wide ? 20 : 16;
  const bytes = new Uint8Array(header + floats.length * 4);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, major, true);
  view.setInt32(4, minor, true);
  view.setInt32(8, revision, true);
  if (wide) view.setBigUint64(12, BigInt(seen), true);
  else view.setUint32(12, seen, true);
  floats.forEach((v, i) => view.setFloat32(header + i * 4, v, true));
  return bytes;
}

function activate(v: number, a: DarknetActivation): number {
  switch (a) {
    case 'linear':
      return v;
    case 'leaky':
      return v > 0 ? v : 0.1 * v;
    case 'relu':
      return Math.max(v, 0);
    case 'relu6':
      return Math.min(Math.max(v, 0), 6);
    case 'logistic':
      return 1 / (1 + Math.exp(-v));
    case 'tanh':
      return Math.tanh(v);
    case 'mish':
      return v * Math.tanh(Math.log1p(Math.exp(v)));
    case 'swish':
      return v / (1 + Math.exp(-v));
    case 'elu':
      return v >= 0 ? v : Math.exp(v) - 1;
    case 'selu':
      return v >= 0 ? 1.0507 * v : 1.0507 * 1.6732 * (Math.exp(v) - 1);
  }
}

function chw(c: number, h: number, w: number): Chw {
  return { c, h, w, data: new Float64Array(c * h * w) };
}

/** HWC values (e.g. a tfjs [1, H, W, C] tensor's data) -> CHW. */
export function hwcToChw(data: ArrayLike<number>, h: number, w: number, c: number): Chw {
  const out = chw(c, h, w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out.data[(k * h + y) * w + x] = data[(y * w + x) * c + k]!;
  return out;
}

/** CHW -> HWC values, to compare with a tfjs NHWC tensor. */
export function chwToHwc(m: Chw): Float64Array {
  const out = new Float64Array(m.data.length);
  for (let k = 0; k < m.c; k++) for (let y = 0; y < m.h; y++) for (let x = 0; x < m.w; x++) out[(y * m.w + x) * m.c + k] = m.data[(k * m.h + y) * m.w + x]!;
  return out;
}

/** Darknet's forward pass, layer by layer: returns every layer's output (CHW). */
export function darknetForwardReference(cfg: DarknetCfg, weightsBytes: Uint8Array, input: Chw): Chw[] {
  const weights = readDarknetWeights(weightsBytes);
  const outs: Chw[] = [];
  cfg.layers.forEach((s, i) => {
    const x = i === 0 ? input : outs[i - 1]!;
    switch (s.type) {
      case 'convolutional': {
        const n = s.filters;
        const k = s.size;
        const [sy, sx] = s.stride;
        const p = s.padding;
        const biases = weights.read(n);
        const bn = s.batchNormalize ? { scales: weights.read(n), mean: weights.read(n), variance: weights.read(n) } : undefined;
        const cinG = x.c / s.groups;
        const nG = n / s.groups;
        const kernel = weights.read(n * cinG * k * k);
        const oh = Math.floor((x.h + 2 * p - k) / sy) + 1;
        const ow = Math.floor((x.w + 2 * p - k) / sx) + 1;
        const out = chw(n, oh, ow);
        for (let f = 0; f < n; f++) {
          const g = Math.floor(f / nG);
          for (let oy = 0; oy < oh; oy++) {
            for (let ox = 0; ox < ow; ox++) {
              let sum = 0;
              for (let ci = 0; ci < cinG; ci++) {
                const ch = g * cinG + ci;
                for (let ky = 0; ky < k; ky++) {
                  const iy = oy * sy - p + ky;
                  if (iy < 0 || iy >= x.h) continue;
                  for (let kx = 0; kx < k; kx++) {
                    const ix = ox * sx - p + kx;
                    if (ix < 0 || ix >= x.w) continue;
                    sum += kernel[((f * cinG + ci) * k + ky) * k + kx]! * x.data[(ch * x.h + iy) * x.w + ix]!;
                  }
                }
              }
              const v = bn ? ((sum - bn.mean[f]!) / Math.sqrt(bn.variance[f]! + 0.00001)) * bn.scales[f]! + biases[f]! : sum + biases[f]!;
              out.data[(f * oh + oy) * ow + ox] = activate(v, s.activation);
            }
          }
        }
        outs.push(out);
        return;
      }
      case 'maxpool': {
        const k = s.size;
        const [sy, sx] = s.stride;
        const offset = -Math.floor(s.padding / 2);
        const oh = Math.floor((x.h + s.padding - k) / sy) + 1;
        const ow = Math.floor((x.w + s.padding - k) / sx) + 1;
        const out = chw(x.c, oh, ow);
        for (let c = 0; c < x.c; c++) {
          for (let oy = 0; oy < oh; oy++) {
            for (let ox = 0; ox < ow; ox++) {
              let max = -Infinity;
              for (let ky = 0; ky < k; ky++) {
                for (let kx = 0; kx < k; kx++) {
                  const iy = oy * sy + offset + ky;
                  const ix = ox * sx + offset + kx;
                  if (iy >= 0 && iy < x.h && ix >= 0 && ix < x.w) max = Math.max(max, x.data[(c * x.h + iy) * x.w + ix]!);
                }
              }
              out.data[(c * oh + oy) * ow + ox] = max;
            }
          }
        }
        outs.push(out);
        return;
      }
      case 'avgpool': {
        const out = chw(x.c, 1, 1);
        for (let c = 0; c < x.c; c++) {
          let sum = 0;
          for (let j = 0; j < x.h * x.w; j++) sum += x.data[c * x.h * x.w + j]!;
          out.data[c] = sum / (x.h * x.w);
        }
        outs.push(out);
        return;
      }
      case 'route': {
        const parts = s.layers.map((l) => outs[l]!);
        const first = parts[0]!;
        const out = chw(parts.reduce((a, m) => a + m.c / s.groups, 0), first.h, first.w);
        let offset = 0;
        for (const m of parts) {
          const size = (m.c / s.groups) * m.h * m.w;
          out.data.set(m.data.subarray(size * s.groupId, size * (s.groupId + 1)), offset);
          offset += size;
        }
        outs.push(out);
        return;
      }
      case 'shortcut': {
        const out = chw(x.c, x.h, x.w);
        for (let j = 0; j < out.data.length; j++) {
          let v = x.data[j]!;
          for (const f of s.from) v += outs[f]!.data[j]!;
          out.data[j] = activate(v, s.activation);
        }
        outs.push(out);
        return;
      }
      case 'upsample': {
        const st = s.stride;
        const out = chw(x.c, x.h * st, x.w * st);
        for (let c = 0; c < x.c; c++) {
          for (let y = 0; y < out.h; y++) {
            for (let xx = 0; xx < out.w; xx++) out.data[(c * out.h + y) * out.w + xx] = x.data[(c * x.h + Math.floor(y / st)) * x.w + Math.floor(xx / st)]!;
          }
        }
        outs.push(out);
        return;
      }
      case 'dropout':
      case 'yolo':
      case 'region':
        outs.push(x);
        return;
    }
  });
  if (weights.remaining !== 0) throw new Error(`reference: ${weights.remaining} floats left over`);
  return outs;
}
