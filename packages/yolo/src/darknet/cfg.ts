/**
 * Darknet `.cfg` files: INI-like sections, one per layer after [net]. Read the way darknet's parser.c
 * (AlexeyAB fork, which Yolo-Fastest uses) reads them: spaces are stripped from every line, lines starting
 * with '#' or ';' are comments, `key=value` options, later keys win. Layer indices count every section after
 * [net] from 0; negative indices in [route]/[shortcut] are relative to the layer that holds them.
 * Options darknet uses only for training (learning rate, jitter, ignore_thresh, ...) are kept in `options`
 * but not interpreted; options that would change the forward pass and are not supported throw.
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { DarknetCfgError } from './errors.js';

/** Darknet activations this loader builds (darknet's names). */
export const DARKNET_ACTIVATIONS = ['linear', 'leaky', 'relu', 'relu6', 'logistic', 'tanh', 'mish', 'swish', 'elu', 'selu'] as const;
export type DarknetActivation = (typeof DARKNET_ACTIVATIONS)[number];

interface SectionBase {
  /** 1-based line of the section header. */
  line: number;
  /** Every `key=value` of the section as written (spaces removed). */
  options: Readonly<Record<string, string>>;
}

export interface DarknetNetSection extends SectionBase {
  type: 'net';
  width: number;
  height: number;
  channels: number;
  /** `letter_box=1`: darknet letterboxes the input (else it stretches it to width x height). */
  letterbox: boolean;
}

export interface DarknetConvSection extends SectionBase {
  type: 'convolutional';
  filters: number;
  size: number;
  /** [y, x] strides (`stride`, or `stride_y`/`stride_x`). */
  stride: [number, number];
  /** Zero padding on every side: `size / 2` (integer) when pad=1, else `padding` (default 0). */
  padding: number;
  groups: number;
  batchNormalize: boolean;
  activation: DarknetActivation;
}

export interface DarknetMaxPoolSection extends SectionBase {
  type: 'maxpool';
  size: number;
  stride: [number, number];
  /** Total padding per axis (default size - 1); darknet puts padding / 2 (integer) before. */
  padding: number;
}

export interface DarknetAvgPoolSection extends SectionBase {
  type: 'avgpool';
}

export interface DarknetRouteSection extends SectionBase {
  type: 'route';
  /** Absolute indices of the layers concatenated along channels. */
  layers: number[];
  /** Each input's channels are split in `groups` parts and part `groupId` is kept (default 1 and 0). */
  groups: number;
  groupId: number;
}

export interface DarknetShortcutSection extends SectionBase {
  type: 'shortcut';
  /** Absolute indices of the layers added to the previous layer's output. */
  from: number[];
  activation: DarknetActivation;
}

export interface DarknetUpsampleSection extends SectionBase {
  type: 'upsample';
  stride: number;
}

export interface DarknetDropoutSection extends SectionBase {
  type: 'dropout';
  probability: number;
}

export interface DarknetYoloSection extends SectionBase {
  type: 'yolo';
  /** Indices into `anchors` this head predicts. */
  mask: number[];
  /** All anchors [w, h] in network-input pixels. */
  anchors: [number, number][];
  classes: number;
  num: number;
  /** Box center stretch (YOLOv4): x = sigmoid(tx) * s - (s - 1) / 2. Default 1. */
  scaleXY: number;
  /** `new_coords=1` (scaled-YOLOv4): the conv already applied the logistic; w = 4 * tw^2 * anchor. */
  newCoords: boolean;
}

export interface DarknetRegionSection extends SectionBase {
  type: 'region';
  /** Anchors [w, h] in grid cells (YOLOv2). */
  anchors: [number, number][];
  classes: number;
  num: number;
  coords: number;
  softmax: boolean;
}

export type DarknetLayerSection =
  | DarknetConvSection
  | DarknetMaxPoolSection
  | DarknetAvgPoolSection
  | DarknetRouteSection
  | DarknetShortcutSection
  | DarknetUpsampleSection
  | DarknetDropoutSection
  | DarknetYoloSection
  | DarknetRegionSection;

export type DarknetSection = DarknetNetSection | DarknetLayerSection;

export interface DarknetCfg {
  net: DarknetNetSection;
  /** The layers in order; `layers[i]` is darknet's layer i. */
  layers: DarknetLayerSection[];
}

const SECTION_ALIASES: Readonly<Record<string, DarknetSection['type']>> = {
  net: 'net',
  network: 'net',
  convolutional: 'convolutional',
  conv: 'convolutional',
  maxpool: 'maxpool',
  max: 'maxpool',
  avgpool: 'avgpool',
  avg: 'avgpool',
  route: 'route',
  shortcut: 'shortcut',
  upsample: 'upsample',
  dropout: 'dropout',
  yolo: 'yolo',
  region: 'region',
};

interface RawSection {
  name: string;
  type: DarknetSection['type'];
  line: number;
  options: Record<string, string>;
  lines: Record<string, number>;
}

/** Reads typed options of one section, with errors that name the option's line. */
class OptionReader {
  constructor(private readonly raw: RawSection) {}

  private lineOf(key: string): number {
    return this.raw.lines[key] ?? this.raw.line;
  }

  error(key: string | undefined, message: string): DarknetCfgError {
    return new DarknetCfgError(key ? this.lineOf(key) : this.raw.line, message, this.raw.name);
  }

  int(key: string, fallback: number | undefined, min = -Infinity): number {
    const text = this.raw.options[key];
    if (text === undefined) {
      if (fallback === undefined) throw this.error(undefined, `the option '${key}' is required`);
      return fallback;
    }
    const value = Number(text);
    if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(value)) throw this.error(key, `'${key}' must be an integer, got '${text}'`);
    if (value < min) throw this.error(key, `'${key}' must be >= ${min}, got ${value}`);
    return value;
  }

  float(key: string, fallback: number): number {
    const text = this.raw.options[key];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) throw this.error(key, `'${key}' must be a number, got '${text}'`);
    return value;
  }

  ints(key: string, fallback?: number[]): number[] {
    const text = this.raw.options[key];
    if (text === undefined) {
      if (fallback === undefined) throw this.error(undefined, `the option '${key}' is required`);
      return fallback;
    }
    const parts = text.split(',').filter((p) => p !== '');
    const values = parts.map(Number);
    if (parts.length === 0 || parts.some((p) => !/^[+-]?\d+$/.test(p))) throw this.error(key, `'${key}' must be a comma-separated list of integers, got '${text}'`);
    return values;
  }

  floats(key: string): number[] | undefined {
    const text = this.raw.options[key];
    if (text === undefined) return undefined;
    const parts = text.split(',').filter((p) => p !== '');
    const values = parts.map(Number);
    if (parts.length === 0 || values.some((v) => !Number.isFinite(v))) throw this.error(key, `'${key}' must be a comma-separated list of numbers, got '${text}'`);
    return values;
  }

  activation(fallback: DarknetActivation, key = 'activation'): DarknetActivation {
    const text = this.raw.options[key] ?? fallback;
    if (!(DARKNET_ACTIVATIONS as readonly string[]).includes(text)) {
      throw this.error(key, `unsupported activation '${text}' (supported: ${DARKNET_ACTIVATIONS.join(', ')})`);
    }
    return text as DarknetActivation;
  }

  /** Throws for options that change the forward pass in ways this loader does not build. */
  unsupported(key: string, allowed: string | undefined, why: string): void {
    const text = this.raw.options[key];
    if (text !== undefined && text !== allowed) throw this.error(key, `'${key}=${text}' is not supported (${why})`);
  }
}

function splitSections(text: string): RawSection[] {
  const sections: RawSection[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((rawLine, i) => {
    const lineNo = i + 1;
    const line = rawLine.replace(/[\s\0]/g, ''); // darknet's strip(): every space and tab goes
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    if (line.startsWith('[')) {
      const match = /^\[([^\]]+)\]$/.exec(line);
      if (!match) throw new DarknetCfgError(lineNo, `malformed section header '${rawLine.trim()}'`);
      const name = match[1]!.toLowerCase();
      const type = SECTION_ALIASES[name];
      if (!type) {
        throw new DarknetCfgError(lineNo, `unknown section [${name}] (supported: ${[...new Set(Object.values(SECTION_ALIASES))].map((s) => `[${s}]`).join(', ')})`, name);
      }
      sections.push({ name, type, line: lineNo, options: {}, lines: {} });
      return;
    }
    const current = sections[sections.length - 1];
    if (!current) throw new DarknetCfgError(lineNo, `'${rawLine.trim()}' comes before the first [section]`);
    const eq = line.indexOf('=');
    if (eq <= 0) throw new DarknetCfgError(lineNo, `expected 'key=value', got '${rawLine.trim()}'`, current.name);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).replace(/#.*$/, ''); // darknet ignores a trailing comment in practice (atoi/atof)
    current.options[key] = value;
    current.lines[key] = lineNo;
  });
  return sections;
}

/** Resolves a layer reference: negative = relative to `index`, else absolute; must point to an earlier layer. */
function resolveIndex(r: OptionReader, key: string, value: number, index: number): number {
  const abs = value < 0 ? index + value : value;
  if (abs < 0 || abs >= index) {
    throw r.error(key, `'${key}' refers to layer ${value}${value < 0 ? ` (= layer ${abs})` : ''}, but layer ${index} can only use layers 0..${index - 1}`);
  }
  return abs;
}

function pairs(r: OptionReader, key: string, values: number[] | undefined, num: number): [number, number][] {
  if (values === undefined) return [];
  if (values.length % 2 !== 0) throw r.error(key, `'${key}' must hold [w, h] pairs, got ${values.length} numbers`);
  const out: [number, number][] = [];
  for (let i = 0; i < values.length; i += 2) out.push([values[i]!, values[i + 1]!]);
  if (num > 0 && out.length < num) throw r.error(key, `'${key}' holds ${out.length} anchors but num=${num}`);
  return out;
}

function parseLayer(raw: RawSection, index: number): DarknetLayerSection {
  const r = new OptionReader(raw);
  const base = { line: raw.line, options: raw.options };
  const strides = (): [number, number] => {
    const s = r.int('stride', 1, 1);
    return [r.int('stride_y', s, 1), r.int('stride_x', s, 1)];
  };
  switch (raw.type) {
    case 'convolutional': {
      const size = r.int('size', 1, 1);
      const pad = r.int('pad', 0, 0);
      r.unsupported('dilation', '1', 'dilated convolutions');
      r.unsupported('antialiasing', '0', 'anti-aliased strides');
      r.unsupported('binary', '0', 'binary weights');
      r.unsupported('xnor', '0', 'XNOR networks');
      r.unsupported('deform', '0', 'deformable convolutions');
      r.unsupported('share_index', undefined, 'shared weights');
      r.unsupported('size_x', String(size), 'non-square kernels');
      r.unsupported('size_y', String(size), 'non-square kernels');
      const filters = r.int('filters', 1, 1);
      const groups = r.int('groups', 1, 1);
      if (filters % groups !== 0) throw r.error('groups', `filters=${filters} is not divisible by groups=${groups}`);
      return {
        ...base,
        type: 'convolutional',
        filters,
        size,
        stride: strides(),
        padding: pad ? Math.floor(size / 2) : r.int('padding', 0, 0),
        groups,
        batchNormalize: r.int('batch_normalize', 0, 0) !== 0,
        activation: r.activation('logistic'), // darknet's default for [convolutional]
      };
    }
    case 'maxpool': {
      const stride = strides();
      const size = r.int('size', stride[1], 1);
      r.unsupported('maxpool_depth', '0', 'max over channels');
      r.unsupported('antialiasing', '0', 'anti-aliased strides');
      return { ...base, type: 'maxpool', size, stride, padding: r.int('padding', size - 1, 0) };
    }
    case 'avgpool':
      return { ...base, type: 'avgpool' };
    case 'route': {
      const layers = r.ints('layers').map((v) => resolveIndex(r, 'layers', v, index));
      const groups = r.int('groups', 1, 1);
      const groupId = r.int('group_id', 0, 0);
      if (groupId >= groups) throw r.error('group_id', `group_id=${groupId} must be < groups=${groups}`);
      return { ...base, type: 'route', layers, groups, groupId };
    }
    case 'shortcut': {
      r.unsupported('weights_type', 'none', 'weighted shortcuts');
      const from = r.ints('from').map((v) => resolveIndex(r, 'from', v, index));
      return { ...base, type: 'shortcut', from, activation: r.activation('linear') };
    }
    case 'upsample': {
      const stride = r.int('stride', 2);
      if (stride < 1) throw r.error('stride', `'stride=${stride}' is not supported (negative strides downsample; only upsampling is built)`);
      r.unsupported('scale', '1', 'scaled upsampling');
      return { ...base, type: 'upsample', stride };
    }
    case 'dropout': {
      const probability = r.float('probability', 0.5);
      if (probability < 0 || probability >= 1) throw r.error('probability', `'probability' must be in [0, 1), got ${probability}`);
      return { ...base, type: 'dropout', probability };
    }
    case 'yolo': {
      const classes = r.int('classes', 20, 1);
      const num = r.int('num', 1, 1);
      const anchors = pairs(r, 'anchors', r.floats('anchors'), num);
      const mask = r.ints('mask', Array.from({ length: num }, (_, i) => i));
      for (const m of mask) if (m < 0 || m >= anchors.length) throw r.error('mask', `mask index ${m} has no anchor (${anchors.length} anchors)`);
      const scaleXY = r.float('scale_x_y', 1);
      if (scaleXY <= 0) throw r.error('scale_x_y', `'scale_x_y' must be > 0, got ${scaleXY}`);
      return { ...base, type: 'yolo', mask, anchors, classes, num, scaleXY, newCoords: r.int('new_coords', 0, 0) !== 0 };
    }
    case 'region': {
      const classes = r.int('classes', 20, 1);
      const num = r.int('num', 1, 1);
      const coords = r.int('coords', 4, 4);
      r.unsupported('coords', '4', 'only 4 box coordinates');
      const anchors = pairs(r, 'anchors', r.floats('anchors'), num);
      if (anchors.length === 0) throw r.error(undefined, `[region] needs 'anchors'`);
      return { ...base, type: 'region', anchors: anchors.slice(0, num), classes, num, coords, softmax: r.int('softmax', 0, 0) !== 0 };
    }
    case 'net':
      throw r.error(undefined, `[net] must be the first section, and only once (found at layer ${index})`);
  }
}

/**
 * Parses a Darknet `.cfg` into typed sections. Throws `DarknetCfgError` (with the line) for unknown sections,
 * malformed lines, bad values, unsupported forward-pass options and layer references out of range.
 *
 *     const { net, layers } = parseDarknetCfg(await readFile('yolo-fastest-1.1.cfg', 'utf8'));
 */
export function parseDarknetCfg(text: string): DarknetCfg {
  if (typeof text !== 'string') throw new InvalidArgumentError('text', 'the text of a Darknet .cfg file', describeValue(text));
  const raw = splitSections(text);
  const first = raw[0];
  if (!first) throw new DarknetCfgError(0, 'the file has no sections (expected [net] then layers)');
  if (first.type !== 'net') throw new DarknetCfgError(first.line, `the first section must be [net], got [${first.name}]`, first.name);
  const r = new OptionReader(first);
  const net: DarknetNetSection = {
    type: 'net',
    line: first.line,
    options: first.options,
    width: r.int('width', 0, 0),
    height: r.int('height', 0, 0),
    channels: r.int('channels', 3, 1),
    letterbox: r.int('letter_box', 0, 0) !== 0,
  };
  const layers = raw.slice(1).map((section, i) => parseLayer(section, i));
  if (layers.length === 0) throw new DarknetCfgError(first.line, 'the cfg has a [net] section but no layers', 'net');
  return { net, layers };
}
