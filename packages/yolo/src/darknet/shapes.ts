/**
 * Output shapes of every Darknet layer for a given input size, computed with darknet's own formulas, so a cfg
 * that does not fit together fails here with the line to fix (never later as a raw tfjs shape error):
 *   convolutional: out = floor((in + 2 * padding - size) / stride) + 1
 *   maxpool:       out = floor((in + padding - size) / stride) + 1
 */
import type { DarknetCfg, DarknetConvSection } from './cfg.js';
import { DarknetCfgError } from './errors.js';

/** [height, width, channels] of one layer's output. */
export type DarknetShape = [number, number, number];

/** Float32 values a [convolutional] layer reads from the .weights file. */
export function convParamCount(section: DarknetConvSection, inChannels: number): number {
  const n = section.filters;
  return n * (inChannels / section.groups) * section.size * section.size + n * (section.batchNormalize ? 4 : 1);
}

export interface DarknetShapes {
  /** Input [h, w, c]. */
  input: DarknetShape;
  /** `layers[i]` = output shape of layer i. */
  layers: DarknetShape[];
  /** Float32 values the .weights file must hold after its header. */
  paramCount: number;
}

function fail(cfg: DarknetCfg, i: number, message: string): DarknetCfgError {
  const s = cfg.layers[i]!;
  return new DarknetCfgError(s.line, `layer ${i}: ${message}`, s.type);
}

/** Shapes of every layer for an input of [height, width] (default: [net] height and width). */
export function darknetShapes(cfg: DarknetCfg, inputSize?: [number, number]): DarknetShapes {
  const [h0, w0] = inputSize ?? [cfg.net.height, cfg.net.width];
  if (!(h0 > 0 && w0 > 0)) throw new DarknetCfgError(cfg.net.line, `the input size is ${h0}x${w0}; set width/height in [net] or pass inputSize`, 'net');
  const input: DarknetShape = [h0, w0, cfg.net.channels];
  const out: DarknetShape[] = [];
  let paramCount = 0;
  cfg.layers.forEach((s, i) => {
    const prev = i === 0 ? input : out[i - 1]!;
    const [h, w, c] = prev;
    switch (s.type) {
      case 'convolutional': {
        if (c % s.groups !== 0) throw fail(cfg, i, `groups=${s.groups} does not divide the ${c} input channels`);
        const oh = Math.floor((h + 2 * s.padding - s.size) / s.stride[0]) + 1;
        const ow = Math.floor((w + 2 * s.padding - s.size) / s.stride[1]) + 1;
        if (oh < 1 || ow < 1) throw fail(cfg, i, `a ${s.size}x${s.size} kernel does not fit the ${h}x${w} input (padding ${s.padding})`);
        paramCount += convParamCount(s, c);
        out.push([oh, ow, s.filters]);
        return;
      }
      case 'maxpool': {
        const oh = Math.floor((h + s.padding - s.size) / s.stride[0]) + 1;
        const ow = Math.floor((w + s.padding - s.size) / s.stride[1]) + 1;
        if (oh < 1 || ow < 1) throw fail(cfg, i, `a ${s.size}x${s.size} pool does not fit the ${h}x${w} input`);
        out.push([oh, ow, c]);
        return;
      }
      case 'avgpool':
        out.push([1, 1, c]);
        return;
      case 'route': {
        const shapes = s.layers.map((l) => out[l]!);
        const [rh, rw] = shapes[0]!;
        let channels = 0;
        shapes.forEach(([lh, lw, lc], k) => {
          if (lh !== rh || lw !== rw) {
            throw fail(cfg, i, `cannot concatenate layer ${s.layers[0]} (${rh}x${rw}) and layer ${s.layers[k]} (${lh}x${lw}): spatial sizes differ (is the input size a multiple of 32?)`);
          }
          if (lc % s.groups !== 0) throw fail(cfg, i, `groups=${s.groups} does not divide the ${lc} channels of layer ${s.layers[k]}`);
          channels += lc / s.groups;
        });
        out.push([rh, rw, channels]);
        return;
      }
      case 'shortcut': {
        for (const f of s.from) {
          const [fh, fw, fc] = out[f]!;
          if (fh !== h || fw !== w || fc !== c) {
            throw fail(cfg, i, `cannot add layer ${f} (${fh}x${fw}x${fc}) to layer ${i - 1} (${h}x${w}x${c}): shapes differ`);
          }
        }
        out.push([h, w, c]);
        return;
      }
      case 'upsample':
        out.push([h * s.stride, w * s.stride, c]);
        return;
      case 'dropout':
        out.push([h, w, c]);
        return;
      case 'yolo': {
        const need = s.mask.length * (s.classes + 5);
        if (c !== need) throw fail(cfg, i, `the head needs ${s.mask.length} anchors x (5 + ${s.classes} classes) = ${need} input channels, got ${c}`);
        out.push([h, w, c]);
        return;
      }
      case 'region': {
        const need = s.num * (s.classes + s.coords + 1);
        if (c !== need) throw fail(cfg, i, `the head needs ${s.num} anchors x (${s.coords + 1} + ${s.classes} classes) = ${need} input channels, got ${c}`);
        out.push([h, w, c]);
        return;
      }
    }
  });
  return { input, layers: out, paramCount };
}
