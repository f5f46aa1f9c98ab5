/**
 * DepthwiseConv2dNativeBackpropFilter for wasm (stock wasm has none), for any stride, dilation, padding and
 * channel multiplier m:
 *
 *   dW[i, j, c, q] = Σ_{n, oy, ox} x[n, oy·sh + i·dh − top, ox·sw + j·dw − left, c] · dy[n, oy, ox, c·m+q]
 *
 * Each output is a long per-channel dot product (N·OH·OW terms, 9 outputs per channel for 3×3), which XNNPACK
 * has no kernel for: as a depthwise conv with a 56×56 "filter" it ran 100 ms (vs 14 ms for the forward) and
 * per-tap multiply + reduce was no faster. So wasm's Pad/Transpose put x and dy channel-major ([C, N, H, W],
 * padded so every read is in bounds) and a JS loop, generated once per (kw, stride, dilation) with the kw
 * accumulators of a filter row in registers, sweeps contiguous rows: 23 ms for the loop at 8×56×56×128
 * (124 ms for the previous NHWC loop).
 */
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseInfo } from './depthwise-conv2d-native-backprop-input.js';
import { channelMajorWindow, free, heapF32, transpose, zeros, type KernelArgs, type WasmBackendLike } from './wasm-kernel-utils.js';

/** (xT, dyT, out, C, m, N, Hp, Wp, OH, OW, kh, sh, dh): fills out [kh, kw, C, m]. */
type RowLoop = (x: Float32Array, dy: Float32Array, out: Float32Array, ...dims: number[]) => void;

const loops = new Map<string, RowLoop>();

function loopBody(kw: number, sw: number, dw: number): string {
  const acc = Array.from({ length: kw }, (_, j) => `a${j}`);
  return `
  for (let c = 0; c < C; c++) for (let q = 0; q < m; q++) {
    const dyC = (c * m + q) * N * OH * OW, xC = c * N * Hp * Wp;
    for (let i = 0; i < kh; i++) {
      let ${acc.map((a) => `${a} = 0`).join(', ')};
      for (let b = 0; b < N; b++) for (let oy = 0; oy < OH; oy++) {
        let xo = xC + (b * Hp + oy * sh + i * dh) * Wp;
        const dr = dyC + (b * OH + oy) * OW, de = dr + OW;
        for (let d = dr; d < de; d++, xo += ${sw}) { const g = dy[d]; ${acc.map((a, j) => `${a} += x[xo + ${j * dw}] * g;`).join(' ')} }
      }
      ${acc.map((a, j) => `out[((i * ${kw} + ${j}) * C + c) * m + q] = ${a};`).join(' ')}
    }
  }`;
}

/** The same loop with the kw accumulators in an array: used where eval is forbidden (strict CSP). */
function genericLoop(kw: number, sw: number, dw: number): RowLoop {
  return (x, dy, out, C, m, N, Hp, Wp, OH, OW, kh, sh, dh) => {
    const acc = new Float64Array(kw);
    for (let c = 0; c < C!; c++) {
      for (let q = 0; q < m!; q++) {
        const dyC = (c * m! + q) * N! * OH! * OW!;
        const xC = c * N! * Hp! * Wp!;
        for (let i = 0; i < kh!; i++) {
          acc.fill(0);
          for (let b = 0; b < N!; b++) {
            for (let oy = 0; oy < OH!; oy++) {
              const x0 = xC + (b * Hp! + oy * sh! + i * dh!) * Wp!;
              const dr = dyC + (b * OH! + oy) * OW!;
              for (let j = 0; j < kw; j++) {
                let s = 0;
                for (let ox = 0, xo = x0 + j * dw; ox < OW!; ox++, xo += sw) s += x[xo]! * dy[dr + ox]!;
                acc[j] = acc[j]! + s;
              }
            }
          }
          for (let j = 0; j < kw; j++) out[((i * kw + j) * C! + c) * m! + q] = acc[j]!;
        }
      }
    }
  };
}

function rowLoop(kw: number, sw: number, dw: number): RowLoop {
  const key = `${kw},${sw},${dw}`;
  let fn = loops.get(key);
  if (!fn) {
    try {
      // Only integers go into the source.
      fn = new Function('x', 'dy', 'out', 'C', 'm', 'N', 'Hp', 'Wp', 'OH', 'OW', 'kh', 'sh', 'dh', loopBody(kw, sw, dw)) as RowLoop;
    } catch {
      fn = genericLoop(kw, sw, dw);
    }
    loops.set(key, fn);
  }
  return fn;
}

export function depthwiseConv2dNativeBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { filterShape } = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = depthwiseInfo(x.shape, filterShape, args.attrs);
  const { batchSize: n, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const m = filterShape[3]!;
  const { top, left } = info.padInfo;
  // Padded extent the forward pass read: rows [−top, extentH − top) of x, likewise columns.
  const extentH = (oh - 1) * sh + (kh - 1) * dh + 1;
  const extentW = (ow - 1) * sw + (kw - 1) * dw + 1;
  const xC = oh > 0 && ow > 0 ? channelMajorWindow(backend, x, top, left, extentH, extentW) : undefined; // [C, N, extentH, extentW]
  if (!xC) return zeros(backend, [kh, kw, c, m]);
  const dyT = transpose(backend, dy, [3, 0, 1, 2]); // [C·m, N, OH, OW]
  const out = backend.makeOutput([kh, kw, c, m], 'float32');
  // Heap views only after the last allocation (malloc may grow and detach wasm memory).
  rowLoop(kw, sw, dw)(heapF32(backend, xC), heapF32(backend, dyT), heapF32(backend, out), c, m, n, extentH, extentW, oh, ow, kh, sh, dh);
  free(backend, xC, dyT);
  return out;
}

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilterWasm as unknown as tf.KernelFunc,
};
