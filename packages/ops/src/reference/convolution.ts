/**
 * The course's "convolution step by step", as plain loops (no tfjs): the reference every conv op and kernel
 * is tested against. Layout NHWC; filters [f_h, f_w, n_C_prev, n_C]; padding given per side.
 */
import { at4, ndarray, type NDArray } from './ndarray.js';

export interface Padding2D {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface ConvParams {
  /** [s_h, s_w] or one number. */
  stride?: number | [number, number];
  /** Symmetric pad p (the course), explicit per side, 'valid' (0) or 'same' (TF: extra pixel at bottom/right). */
  pad?: number | Padding2D | 'valid' | 'same';
  /** [d_h, d_w] or one number. */
  dilation?: number | [number, number];
}

const pair = (v: number | [number, number] | undefined): [number, number] => (v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : v);

/** TF 'same': total = max((⌈n/s⌉−1)·s + d(f−1)+1 − n, 0), before = ⌊total/2⌋, after = the rest. */
export function referenceSamePadding(n: number, f: number, s: number, d = 1): [number, number] {
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + d * (f - 1) + 1 - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

export function resolvePadding(pad: ConvParams['pad'], h: number, w: number, fh: number, fw: number, s: [number, number], d: [number, number]): Padding2D {
  if (pad === undefined || pad === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
  if (pad === 'same') {
    const [top, bottom] = referenceSamePadding(h, fh, s[0], d[0]);
    const [left, right] = referenceSamePadding(w, fw, s[1], d[1]);
    return { top, bottom, left, right };
  }
  if (typeof pad === 'number') return { top: pad, bottom: pad, left: pad, right: pad };
  return pad;
}

/** n_out = ⌊(n + p_before + p_after − d(f−1) − 1)/s⌋ + 1; throws when the dilated filter overhangs the padded input. */
export function referenceOutputSize(n: number, f: number, s: number, d: number, before: number, after: number): number {
  const effective = d * (f - 1) + 1;
  if (n + before + after < effective) throw new Error(`reference: filter ${f} (effective ${effective}) is larger than the padded input ${n + before + after}`);
  return Math.floor((n + before + after - effective) / s) + 1;
}

/** Pads the H and W dimensions of X [m, n_H, n_W, n_C] with zeros. */
export function zeroPad(X: NDArray, pad: number | Padding2D): NDArray {
  const p = typeof pad === 'number' ? { top: pad, bottom: pad, left: pad, right: pad } : pad;
  if ([p.top, p.bottom, p.left, p.right].some((v) => !Number.isInteger(v) || v < 0)) throw new Error(`zeroPad: invalid padding ${JSON.stringify(pad)}`);
  if (X.shape.length !== 4) throw new Error(`zeroPad: expected X of shape [m, n_H, n_W, n_C], got [${X.shape}]`);
  const [m, h, w, c] = X.shape as [number, number, number, number];
  const out = ndarray([m, h + p.top + p.bottom, w + p.left + p.right, c]);
  for (let i = 0; i < m; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) out.data[at4(out, i, y + p.top, x + p.left, k)] = X.data[at4(X, i, y, x, k)]!;
  return out;
}

/**
 * One step (the course's conv_single_step): Z = Σ(a_slice_prev ⊙ W) + b over one window [f, f, n_C_prev].
 * Takes flat values or NDArrays of the same size; b a number or a one-element NDArray.
 */
export function convSingleStep(aSlicePrev: ArrayLike<number> | NDArray, W: ArrayLike<number> | NDArray, b: number | NDArray): number {
  const a = 'data' in aSlicePrev ? aSlicePrev.data : aSlicePrev;
  const w = 'data' in W ? W.data : W;
  if (a.length !== w.length) throw new Error(`convSingleStep: slice has ${a.length} values, W has ${w.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * w[i]!;
  return s + (typeof b === 'number' ? b : b.data[0]!);
}

export interface ConvCache {
  Aprev: NDArray;
  W: NDArray;
  b: NDArray;
  stride: [number, number];
  dilation: [number, number];
  pad: Padding2D;
}

/** Z = A_prev ∗ W + b, with n_H = ⌊(n_H_prev + p_t + p_b − d(f−1) − 1)/s⌋ + 1. */
export function convForward(Aprev: NDArray, W: NDArray, b?: NDArray, params: ConvParams = {}): { Z: NDArray; cache: ConvCache } {
  const [m, hPrev, wPrev, cPrev] = Aprev.shape as [number, number, number, number];
  const [fh, fw, cIn, nC] = W.shape as [number, number, number, number];
  if (cIn !== cPrev) throw new Error(`convForward: filter expects ${cIn} channels, input has ${cPrev}`);
  const stride = pair(params.stride);
  const dilation = pair(params.dilation);
  const pad = resolvePadding(params.pad, hPrev, wPrev, fh, fw, stride, dilation);
  const bias = b ?? ndarray([nC]);
  const A = zeroPad(Aprev, pad);
  const nH = referenceOutputSize(hPrev, fh, stride[0], dilation[0], pad.top, pad.bottom);
  const nW = referenceOutputSize(wPrev, fw, stride[1], dilation[1], pad.left, pad.right);
  const Z = ndarray([m, nH, nW, nC]);
  const slice = new Float64Array(fh * fw * cPrev);
  const wc = new Float64Array(fh * fw * cPrev);
  for (let i = 0; i < m; i++) {
    for (let h = 0; h < nH; h++) {
      for (let w = 0; w < nW; w++) {
        // a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] (dilated taps)
        let k = 0;
        for (let a = 0; a < fh; a++)
          for (let bb = 0; bb < fw; bb++)
            for (let c = 0; c < cPrev; c++) slice[k++] = A.data[at4(A, i, h * stride[0] + a * dilation[0], w * stride[1] + bb * dilation[1], c)]!;
        for (let c = 0; c < nC; c++) {
          for (let t = 0; t < fh * fw * cPrev; t++) wc[t] = W.data[t * nC + c]!;
          Z.data[at4(Z, i, h, w, c)] = convSingleStep(slice, wc, bias.data[c]!);
        }
      }
    }
  }
  return { Z, cache: { Aprev, W, b: bias, stride, dilation, pad } };
}

/** dA_prev, dW, db from dZ: each output's gradient flows back through the window it was computed from. */
export function convBackward(dZ: NDArray, cache: ConvCache): { dAprev: NDArray; dW: NDArray; db: NDArray } {
  const { Aprev, W, stride, dilation, pad } = cache;
  const [m, hPrev, wPrev, cPrev] = Aprev.shape as [number, number, number, number];
  const [fh, fw, , nC] = W.shape as [number, number, number, number];
  const [, nH, nW] = dZ.shape as [number, number, number, number];
  const A = zeroPad(Aprev, pad);
  const dA = ndarray(A.shape);
  const dW = ndarray(W.shape);
  const db = ndarray([nC]);
  for (let i = 0; i < m; i++)
    for (let h = 0; h < nH; h++)
      for (let w = 0; w < nW; w++)
        for (let c = 0; c < nC; c++) {
          const g = dZ.data[at4(dZ, i, h, w, c)]!;
          db.data[c] = db.data[c]! + g;
          for (let a = 0; a < fh; a++)
            for (let bb = 0; bb < fw; bb++)
              for (let k = 0; k < cPrev; k++) {
                const y = h * stride[0] + a * dilation[0];
                const x = w * stride[1] + bb * dilation[1];
                const wi = at4(W, a, bb, k, c);
                dA.data[at4(dA, i, y, x, k)] = dA.data[at4(dA, i, y, x, k)]! + W.data[wi]! * g;
                dW.data[wi] = dW.data[wi]! + A.data[at4(A, i, y, x, k)]! * g;
              }
        }
  return { dAprev: unpad(dA, pad, [m, hPrev, wPrev, cPrev]), dW, db };
}

/** Depthwise: each input channel c has its own `multiplier` filters W[:, :, c, q]; output channel c·multiplier + q. */
export function depthwiseConvForward(Aprev: NDArray, W: NDArray, params: ConvParams = {}): NDArray {
  const [m, hPrev, wPrev, cPrev] = Aprev.shape as [number, number, number, number];
  const [fh, fw, cIn, mult] = W.shape as [number, number, number, number];
  if (cIn !== cPrev) throw new Error(`depthwiseConvForward: filter expects ${cIn} channels, input has ${cPrev}`);
  const stride = pair(params.stride);
  const dilation = pair(params.dilation);
  const pad = resolvePadding(params.pad, hPrev, wPrev, fh, fw, stride, dilation);
  const A = zeroPad(Aprev, pad);
  const nH = referenceOutputSize(hPrev, fh, stride[0], dilation[0], pad.top, pad.bottom);
  const nW = referenceOutputSize(wPrev, fw, stride[1], dilation[1], pad.left, pad.right);
  const Z = ndarray([m, nH, nW, cPrev * mult]);
  for (let i = 0; i < m; i++)
    for (let h = 0; h < nH; h++)
      for (let w = 0; w < nW; w++)
        for (let c = 0; c < cPrev; c++)
          for (let q = 0; q < mult; q++) {
            let s = 0;
            for (let a = 0; a < fh; a++)
              for (let bb = 0; bb < fw; bb++)
                s += A.data[at4(A, i, h * stride[0] + a * dilation[0], w * stride[1] + bb * dilation[1], c)]! * W.data[at4(W, a, bb, c, q)]!;
            Z.data[at4(Z, i, h, w, c * mult + q)] = s;
          }
  return Z;
}

/** Gradients of depthwiseConvForward: as convBackward, but output channel c·multiplier + q only sees input channel c. */
export function depthwiseConvBackward(dZ: NDArray, Aprev: NDArray, W: NDArray, params: ConvParams = {}): { dAprev: NDArray; dW: NDArray } {
  const [m, hPrev, wPrev, cPrev] = Aprev.shape as [number, number, number, number];
  const [fh, fw, , mult] = W.shape as [number, number, number, number];
  const [, nH, nW] = dZ.shape as [number, number, number, number];
  const stride = pair(params.stride);
  const dilation = pair(params.dilation);
  const pad = resolvePadding(params.pad, hPrev, wPrev, fh, fw, stride, dilation);
  const A = zeroPad(Aprev, pad);
  const dA = ndarray(A.shape);
  const dW = ndarray(W.shape);
  for (let i = 0; i < m; i++)
    for (let h = 0; h < nH; h++)
      for (let w = 0; w < nW; w++)
        for (let c = 0; c < cPrev; c++)
          for (let q = 0; q < mult; q++) {
            const g = dZ.data[at4(dZ, i, h, w, c * mult + q)]!;
            for (let a = 0; a < fh; a++)
              for (let bb = 0; bb < fw; bb++) {
                const ai = at4(A, i, h * stride[0] + a * dilation[0], w * stride[1] + bb * dilation[1], c);
                const wi = at4(W, a, bb, c, q);
                dA.data[ai] = dA.data[ai]! + W.data[wi]! * g;
                dW.data[wi] = dW.data[wi]! + A.data[ai]! * g;
              }
          }
  return { dAprev: unpad(dA, pad, [m, hPrev, wPrev, cPrev]), dW };
}

/** The inverse of zeroPad: dA_prev = dA_prev_pad[:, top:−bottom, left:−right, :]. */
function unpad(padded: NDArray, pad: Padding2D, shape: [number, number, number, number]): NDArray {
  const [m, h, w, c] = shape;
  const out = ndarray(shape);
  for (let i = 0; i < m; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) out.data[at4(out, i, y, x, k)] = padded.data[at4(padded, i, y + pad.top, x + pad.left, k)]!;
  return out;
}

/** Separable = depthwise, then a 1×1 pointwise convolution. */
export function separableConvForward(Aprev: NDArray, depthwise: NDArray, pointwise: NDArray, params: ConvParams = {}): NDArray {
  const dw = depthwiseConvForward(Aprev, depthwise, params);
  return convForward(dw, pointwise, undefined, { stride: 1, pad: 0 }).Z;
}

/** Gradients of separableConvForward by the chain rule: back through the 1×1 conv, then the depthwise conv. */
export function separableConvBackward(
  dZ: NDArray,
  Aprev: NDArray,
  depthwise: NDArray,
  pointwise: NDArray,
  params: ConvParams = {},
): { dAprev: NDArray; dDepthwise: NDArray; dPointwise: NDArray } {
  const mid = depthwiseConvForward(Aprev, depthwise, params);
  const { cache } = convForward(mid, pointwise, undefined, { stride: 1, pad: 0 });
  const { dAprev: dMid, dW: dPointwise } = convBackward(dZ, cache);
  const { dAprev, dW: dDepthwise } = depthwiseConvBackward(dMid, Aprev, depthwise, params);
  return { dAprev, dDepthwise, dPointwise };
}
