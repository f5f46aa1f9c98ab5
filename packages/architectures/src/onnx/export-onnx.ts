/**
 * Export a tfjs-layers functional model (the graphs our builders make) to ONNX, so another runtime —
 * onnxruntime, for one — can run the very same network and weights.
 *
 * Layout: Keras tensors are channels-last (NHWC); ONNX's Conv, pooling and BatchNormalization are
 * channels-first (NCHW). The graph's inputs and outputs keep Keras' shapes (NHWC in, NHWC out), so results
 * compare element for element with `model.predict`. Inside, every value remembers whether it is stored NHWC or
 * NCHW, and a Transpose is inserted only where an op needs the other one (once per value): after the input,
 * before Flatten (Keras flattens in H, W, C order), Dense on rank > 2, Reshape and Permute, and before each
 * rank-4 output. Runs of convolutions, pooling, batch norm, activations, Add and Concatenate stay NCHW.
 *
 * Semantics kept from TF/Keras: 'same' padding puts the odd pixel after (explicit pads computed from the
 * known input size, else auto_pad SAME_UPPER); average pooling with 'same' padding divides by the number of
 * real pixels (count_include_pad = 0); BatchNormalization is its inference form with the moving statistics.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@cnn/ops';
import { ProtoWriter } from './protobuf.js';
import { graphProto, modelProto, nodeProto, tensorProto, valueInfoProto, type AttributeValue } from './onnx-proto.js';

export interface ExportOnnxOptions {
  /** ONNX opset (default 13, the only one written). */
  opset?: 13;
  /** Batch size written in the input/output shapes (default: symbolic 'N', any batch). */
  batchSize?: number;
  /** Graph name (default: the model's name). */
  graphName?: string;
}

/** The layer classes `exportOnnx` converts. */
export const ONNX_SUPPORTED_LAYERS = [
  'InputLayer', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv2DTranspose', 'BatchNormalization', 'Activation', 'ReLU', 'LeakyReLU', 'ELU',
  'Softmax', 'ZeroPadding2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Flatten', 'Dense', 'Reshape',
  'Permute', 'Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'Dropout', 'SpatialDropout1D', 'SpatialDropout2D',
  'GaussianNoise', 'GaussianDropout', 'AlphaDropout',
] as const;

type Layout = 'nhwc' | 'nchw';
type Shape = (number | null)[];

/** A graph value: its ONNX name, its Keras (channels-last) shape, and how it is stored in the ONNX graph. */
interface Value {
  name: string;
  shape: Shape;
  layout: Layout;
}

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

class GraphBuilder {
  readonly nodes: ProtoWriter[] = [];
  readonly initializers: ProtoWriter[] = [];
  private readonly used = new Set<string>();
  private readonly converted = new Map<string, Value>();
  private readonly constants = new Map<string, string>();

  unique(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  node(opType: string, inputs: string[], output: string, attributes: Record<string, AttributeValue> = {}): string {
    this.nodes.push(nodeProto(opType, inputs, [output], this.unique(`${output}/${opType}`), attributes));
    return output;
  }

  initializer(base: string, dims: number[], data: Float32Array | BigInt64Array): string {
    const name = this.unique(base);
    this.initializers.push(tensorProto(name, dims, data));
    return name;
  }

  scalar(value: number): string {
    const key = `f${value}`;
    let name = this.constants.get(key);
    if (name === undefined) {
      name = this.initializer(`const/${value}`, [], Float32Array.of(value));
      this.constants.set(key, name);
    }
    return name;
  }

  int64s(base: string, values: number[]): string {
    return this.initializer(base, [values.length], BigInt64Array.from(values, (v) => BigInt(v)));
  }

  /** The value stored in `layout` (rank-4 values only; others are always stored as Keras has them). */
  as(v: Value, layout: Layout): Value {
    if (v.layout === layout || v.shape.length !== 4) return v;
    const key = `${v.name}|${layout}`;
    let out = this.converted.get(key);
    if (out === undefined) {
      const name = this.node('Transpose', [v.name], this.unique(`${v.name}/${layout}`), { perm: layout === 'nchw' ? TO_NCHW : TO_NHWC });
      out = { name, shape: v.shape, layout };
      this.converted.set(key, out);
    }
    return out;
  }
}

interface LayerContext {
  g: GraphBuilder;
  layer: tfl.layers.Layer;
  config: Record<string, unknown>;
  inputs: Value[];
  outputShapes: Shape[];
  /** Base name for this layer's outputs. */
  out: string;
}

type Converter = (c: LayerContext) => Value[];

function unsupported(layer: tfl.layers.Layer, what: string, hint?: string): InvalidArgumentError {
  return new InvalidArgumentError(
    'model',
    `a model exportOnnx can convert (${what})`,
    `layer '${layer.name}' of class ${layer.getClassName()}`,
    hint,
  );
}

function weight(layer: tfl.layers.Layer, key: string): { data: Float32Array; shape: number[] } {
  const w = layer.weights.find((v) => v.originalName === key || v.originalName.endsWith(`/${key}`) || v.name.endsWith(`/${key}`));
  if (w === undefined) throw unsupported(layer, `a '${key}' weight`, `It has ${layer.weights.map((v) => v.originalName).join(', ') || 'no weights'}.`);
  const t = w.read();
  if (t.dtype !== 'float32') throw unsupported(layer, `float32 weights ('${key}' is ${t.dtype})`);
  return { data: Float32Array.from(t.dataSync() as Float32Array), shape: t.shape.slice() };
}

/** Row-major transpose of a dense array: out[perm-ordered index] = data[index]. */
export function transposeArray(data: Float32Array, shape: readonly number[], perm: readonly number[]): { data: Float32Array; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * shape[i + 1]!;
  const strides = perm.map((p) => inStrides[p]!); // input stride of each output axis
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const lastStride = strides[last] ?? 1;
  const lastSize = outShape[last] ?? 1;
  let o = 0;
  while (o < out.length) {
    let base = 0;
    for (let a = 0; a < last; a++) base += idx[a]! * strides[a]!;
    for (let k = 0; k < lastSize; k++) out[o++] = data[base + k * lastStride]!;
    for (let a = last - 1; a >= 0; a--) {
      idx[a]! += 1;
      if (idx[a]! < outShape[a]!) break;
      idx[a] = 0;
    }
    if (rank <= 1) break;
  }
  return { data: out, shape: outShape };
}

function pair(v: unknown, name: string, layer: tfl.layers.Layer): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((x) => Number.isInteger(x))) throw unsupported(layer, `a 2-d ${name}`, `Its ${name} is ${JSON.stringify(v)}.`);
  return [a[0] as number, a[1] as number];
}

function checkChannelsLast(c: LayerContext): void {
  const f = c.config['dataFormat'];
  if (f !== undefined && f !== 'channelsLast') throw unsupported(c.layer, "dataFormat 'channelsLast'", `Its dataFormat is '${String(f)}'.`);
  const s = c.inputs[0]?.shape;
  if (s === undefined || s.length !== 4) throw unsupported(c.layer, 'a rank-4 input', `Its input shape is ${JSON.stringify(s)}.`);
}

/** TF 'same' padding: out = ceil(in / s); total = max((out - 1)·s + (k - 1)·d + 1 − in, 0); the odd pixel goes after. */
function spatialPads(c: LayerContext, kernel: [number, number], strides: [number, number], dilation: [number, number]): Record<string, AttributeValue> {
  const padding = c.config['padding'];
  if (padding === 'valid') return { pads: [0, 0, 0, 0] };
  if (padding !== 'same') throw unsupported(c.layer, "padding 'same' or 'valid'", `Its padding is '${String(padding)}'.`);
  const size = [c.inputs[0]!.shape[1], c.inputs[0]!.shape[2]];
  if (size[0] == null || size[1] == null) return { auto_pad: 'SAME_UPPER' };
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < 2; i++) {
    const n = size[i]!;
    const s = strides[i]!;
    const out = Math.ceil(n / s);
    const total = Math.max((out - 1) * s + (kernel[i]! - 1) * dilation[i]! + 1 - n, 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  return { pads: [...before, ...after] };
}

/** Keras activation by name, applied to `x`; the result keeps x's layout. */
function activation(g: GraphBuilder, layer: tfl.layers.Layer, x: Value, act: unknown, out: string): Value {
  const name = act === undefined || act === null ? 'linear' : String(act);
  const unary = (op: string, attrs: Record<string, AttributeValue> = {}): Value => ({ ...x, name: g.node(op, [x.name], g.unique(out), attrs) });
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return unary('Relu');
    case 'relu6':
      return { ...x, name: g.node('Clip', [x.name, g.scalar(0), g.scalar(6)], g.unique(out)) };
    case 'sigmoid':
      return unary('Sigmoid');
    case 'tanh':
      return unary('Tanh');
    case 'softmax':
      return unary('Softmax', { axis: x.layout === 'nchw' ? 1 : -1 });
    case 'elu':
      return unary('Elu', { alpha: { float: 1 } });
    case 'selu':
      return unary('Selu');
    case 'softplus':
      return unary('Softplus');
    case 'softsign':
      return unary('Softsign');
    case 'hardSigmoid':
      return unary('HardSigmoid', { alpha: { float: 0.2 }, beta: { float: 0.5 } });
    case 'swish': {
      const s = g.node('Sigmoid', [x.name], g.unique(`${out}/sigmoid`));
      return { ...x, name: g.node('Mul', [x.name, s], g.unique(out)) };
    }
    default:
      throw unsupported(layer, 'activations linear, relu, relu6, sigmoid, tanh, softmax, elu, selu, softplus, softsign, hardSigmoid, swish', `Its activation is '${name}'.`);
  }
}

function conv2d(c: LayerContext): Value[] {
  checkChannelsLast(c);
  const { g, layer, config } = c;
  const kernelSize = pair(config['kernelSize'], 'kernelSize', layer);
  const strides = pair(config['strides'] ?? 1, 'strides', layer);
  const dilation = pair(config['dilationRate'] ?? 1, 'dilationRate', layer);
  const groups = config['groups'];
  if (groups !== undefined && groups !== 1) throw unsupported(layer, 'groups = 1', `Its groups is ${String(groups)}.`);
  const x = g.as(c.inputs[0]!, 'nchw');
  const k = weight(layer, 'kernel'); // [kh, kw, in, out] -> ONNX [out, in, kh, kw]
  const w = transposeArray(k.data, k.shape, [3, 2, 0, 1]);
  const inputs = [x.name, g.initializer(`${layer.name}/kernel`, w.shape, w.data)];
  if (config['useBias'] !== false) inputs.push(g.initializer(`${layer.name}/bias`, [k.shape[3]!], weight(layer, 'bias').data));
  const y = g.node('Conv', inputs, g.unique(`${c.out}/conv`), {
    kernel_shape: kernelSize, strides, dilations: dilation, group: 1, ...spatialPads(c, kernelSize, strides, dilation),
  });
  return [activation(g, layer, { name: y, shape: c.outputShapes[0]!, layout: 'nchw' }, config['activation'], c.out)];
}

/** Depthwise kernel [kh, kw, in, m] -> grouped Conv weight [in·m, 1, kh, kw]; output channel c·m + j as TF orders it. */
function depthwiseWeight(g: GraphBuilder, layer: tfl.layers.Layer, key: string): { name: string; channels: number; kernel: [number, number] } {
  const k = weight(layer, key);
  const [kh, kw, cin, m] = k.shape as [number, number, number, number];
  const w = transposeArray(k.data, k.shape, [2, 3, 0, 1]);
  return { name: g.initializer(`${layer.name}/${key}`, [cin * m, 1, kh, kw], w.data), channels: cin * m, kernel: [kh, kw] };
}

function depthwiseConv2d(c: LayerContext): Value[] {
  checkChannelsLast(c);
  const { g, layer, config } = c;
  const strides = pair(config['strides'] ?? 1, 'strides', layer);
  const dilation = pair(config['dilationRate'] ?? 1, 'dilationRate', layer);
  const x = g.as(c.inputs[0]!, 'nchw');
  const cin = c.inputs[0]!.shape[3] as number;
  const dw = depthwiseWeight(g, layer, 'depthwise_kernel');
  const inputs = [x.name, dw.name];
  if (config['useBias'] !== false) inputs.push(g.initializer(`${layer.name}/bias`, [dw.channels], weight(layer, 'bias').data));
  const y = g.node('Conv', inputs, g.unique(`${c.out}/conv`), {
    kernel_shape: dw.kernel, strides, dilations: dilation, group: cin, ...spatialPads(c, dw.kernel, strides, dilation),
  });
  return [activation(g, layer, { name: y, shape: c.outputShapes[0]!, layout: 'nchw' }, config['activation'], c.out)];
}

function separableConv2d(c: LayerContext): Value[] {
  checkChannelsLast(c);
  const { g, layer, config } = c;
  const strides = pair(config['strides'] ?? 1, 'strides', layer);
  const dilation = pair(config['dilationRate'] ?? 1, 'dilationRate', layer);
  const x = g.as(c.inputs[0]!, 'nchw');
  const cin = c.inputs[0]!.shape[3] as number;
  const dw = depthwiseWeight(g, layer, 'depthwise_kernel');
  const mid = g.node('Conv', [x.name, dw.name], g.unique(`${c.out}/depthwise`), {
    kernel_shape: dw.kernel, strides, dilations: dilation, group: cin, ...spatialPads(c, dw.kernel, strides, dilation),
  });
  const k = weight(layer, 'pointwise_kernel'); // [1, 1, in·m, out]
  const w = transposeArray(k.data, k.shape, [3, 2, 0, 1]);
  const inputs = [mid, g.initializer(`${layer.name}/pointwise_kernel`, w.shape, w.data)];
  if (config['useBias'] !== false) inputs.push(g.initializer(`${layer.name}/bias`, [k.shape[3]!], weight(layer, 'bias').data));
  const y = g.node('Conv', inputs, g.unique(`${c.out}/pointwise`), { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0], group: 1 });
  return [activation(g, layer, { name: y, shape: c.outputShapes[0]!, layout: 'nchw' }, config['activation'], c.out)];
}

/**
 * Transposed convolution (the gradient of a convolution). The full output is (in − 1)·s + k; 'same' crops it to
 * in·s, taking floor((k − s)/2) from the start as TF does; 'valid' keeps in·s + max(k − s, 0).
 */
function conv2dTranspose(c: LayerContext): Value[] {
  checkChannelsLast(c);
  const { g, layer, config } = c;
  const kernel = pair(config['kernelSize'], 'kernelSize', layer);
  const strides = pair(config['strides'] ?? 1, 'strides', layer);
  const dilation = pair(config['dilationRate'] ?? 1, 'dilationRate', layer);
  if (dilation[0] !== 1 || dilation[1] !== 1) throw unsupported(layer, 'dilationRate 1 in Conv2DTranspose');
  const x = g.as(c.inputs[0]!, 'nchw');
  const k = weight(layer, 'kernel'); // [kh, kw, out, in] -> ONNX ConvTranspose [in, out, kh, kw]
  const w = transposeArray(k.data, k.shape, [3, 2, 0, 1]);
  const before: number[] = [];
  const after: number[] = [];
  const outputPadding: number[] = [];
  for (let i = 0; i < 2; i++) {
    const extra = kernel[i]! - strides[i]!;
    if (config['padding'] === 'same') {
      if (extra < 0) {
        before.push(0);
        after.push(0);
        outputPadding.push(-extra);
      } else {
        before.push(Math.floor(extra / 2));
        after.push(extra - Math.floor(extra / 2));
        outputPadding.push(0);
      }
    } else if (config['padding'] === 'valid') {
      before.push(0);
      after.push(0);
      outputPadding.push(Math.max(-extra, 0));
    } else {
      throw unsupported(layer, "padding 'same' or 'valid'", `Its padding is '${String(config['padding'])}'.`);
    }
  }
  const inputs = [x.name, g.initializer(`${layer.name}/kernel`, w.shape, w.data)];
  if (config['useBias'] !== false) inputs.push(g.initializer(`${layer.name}/bias`, [k.shape[2]!], weight(layer, 'bias').data));
  const y = g.node('ConvTranspose', inputs, g.unique(`${c.out}/deconv`), {
    kernel_shape: kernel, strides, pads: [...before, ...after], output_padding: outputPadding, group: 1,
  });
  return [activation(g, layer, { name: y, shape: c.outputShapes[0]!, layout: 'nchw' }, config['activation'], c.out)];
}

/** Inference batch norm: y = γ·(x − μ)/√(σ² + ε) + β with the moving μ, σ²; γ = 1 without scale, β = 0 without center. */
function batchNormalization(c: LayerContext): Value[] {
  const { g, layer, config } = c;
  const input = c.inputs[0]!;
  const rank = input.shape.length;
  const axis = Number(config['axis'] ?? -1);
  if (!(rank === 4 || rank === 2) || (axis !== -1 && axis !== rank - 1)) {
    throw unsupported(layer, 'batch normalization over the last axis of a rank-2 or rank-4 input', `Its axis is ${axis} on rank ${rank}.`);
  }
  const x = g.as(input, 'nchw');
  const mean = weight(layer, 'moving_mean');
  const variance = weight(layer, 'moving_variance');
  const channels = mean.data.length;
  const gamma = config['scale'] === false ? new Float32Array(channels).fill(1) : weight(layer, 'gamma').data;
  const beta = config['center'] === false ? new Float32Array(channels) : weight(layer, 'beta').data;
  const y = g.node('BatchNormalization', [
    x.name,
    g.initializer(`${layer.name}/gamma`, [channels], gamma),
    g.initializer(`${layer.name}/beta`, [channels], beta),
    g.initializer(`${layer.name}/moving_mean`, [channels], mean.data),
    g.initializer(`${layer.name}/moving_variance`, [channels], variance.data),
  ], g.unique(c.out), { epsilon: { float: Number(config['epsilon'] ?? 1e-3) } });
  return [{ name: y, shape: c.outputShapes[0]!, layout: x.layout }];
}

function pooling(op: 'MaxPool' | 'AveragePool') {
  return (c: LayerContext): Value[] => {
    checkChannelsLast(c);
    const { g, layer, config } = c;
    const size = pair(config['poolSize'], 'poolSize', layer);
    const strides = pair(config['strides'] ?? size, 'strides', layer);
    const x = g.as(c.inputs[0]!, 'nchw');
    const attrs: Record<string, AttributeValue> = { kernel_shape: size, strides, ...spatialPads(c, size, strides, [1, 1]) };
    if (op === 'AveragePool') attrs['count_include_pad'] = 0; // TF averages over real pixels only
    return [{ name: g.node(op, [x.name], g.unique(c.out), attrs), shape: c.outputShapes[0]!, layout: 'nchw' }];
  };
}

function globalPooling(op: 'GlobalAveragePool' | 'GlobalMaxPool') {
  return (c: LayerContext): Value[] => {
    checkChannelsLast(c);
    const { g } = c;
    const x = g.as(c.inputs[0]!, 'nchw');
    const pooled = g.node(op, [x.name], g.unique(`${c.out}/pool`)); // [N, C, 1, 1]
    if (c.config['keepDims'] === true) return [{ name: pooled, shape: c.outputShapes[0]!, layout: 'nchw' }];
    return [{ name: g.node('Flatten', [pooled], g.unique(c.out), { axis: 1 }), shape: c.outputShapes[0]!, layout: 'nhwc' }];
  };
}

function zeroPadding2d(c: LayerContext): Value[] {
  checkChannelsLast(c);
  const { g, layer, config } = c;
  const p = config['padding'];
  const rows = Array.isArray(p) ? p[0] : p;
  const cols = Array.isArray(p) ? p[1] : p;
  const [top, bottom] = pair(rows, 'padding', layer);
  const [left, right] = pair(cols, 'padding', layer);
  const x = g.as(c.inputs[0]!, 'nchw');
  const pads = g.int64s(`${layer.name}/pads`, [0, 0, top, left, 0, 0, bottom, right]);
  return [{ name: g.node('Pad', [x.name, pads], g.unique(c.out), { mode: 'constant' }), shape: c.outputShapes[0]!, layout: 'nchw' }];
}

function flatten(c: LayerContext): Value[] {
  const { g } = c;
  const x = g.as(c.inputs[0]!, 'nhwc'); // Keras flattens channels-last: index = (h·W + w)·C + c
  if (x.shape.length === 2) return [x];
  return [{ name: g.node('Flatten', [x.name], g.unique(c.out), { axis: 1 }), shape: c.outputShapes[0]!, layout: 'nhwc' }];
}

function dense(c: LayerContext): Value[] {
  const { g, layer, config } = c;
  const x = g.as(c.inputs[0]!, 'nhwc');
  const k = weight(layer, 'kernel'); // [in, out]
  const w = g.initializer(`${layer.name}/kernel`, k.shape, k.data);
  const b = config['useBias'] !== false ? g.initializer(`${layer.name}/bias`, [k.shape[1]!], weight(layer, 'bias').data) : undefined;
  let y: string;
  if (x.shape.length === 2) {
    y = g.node('Gemm', b === undefined ? [x.name, w] : [x.name, w, b], g.unique(`${c.out}/dense`));
  } else {
    y = g.node('MatMul', [x.name, w], g.unique(`${c.out}/matmul`));
    if (b !== undefined) y = g.node('Add', [y, b], g.unique(`${c.out}/dense`));
  }
  return [activation(g, layer, { name: y, shape: c.outputShapes[0]!, layout: 'nhwc' }, config['activation'], c.out)];
}

function reshape(c: LayerContext): Value[] {
  const { g, layer, config } = c;
  const raw = config['targetShape']; // tfjs writes Keras' -1 (inferred) as null
  const target = Array.isArray(raw) ? raw.map((d) => (d === null ? -1 : d)) : null;
  if (target === null || !target.every((d) => Number.isInteger(d))) throw unsupported(layer, 'an integer targetShape', `Its targetShape is ${JSON.stringify(raw)}.`);
  const x = g.as(c.inputs[0]!, 'nhwc');
  const shape = g.int64s(`${layer.name}/shape`, [0, ...(target as number[])]); // 0 copies the batch size
  return [{ name: g.node('Reshape', [x.name, shape], g.unique(c.out)), shape: c.outputShapes[0]!, layout: 'nhwc' }];
}

function permute(c: LayerContext): Value[] {
  const { g, layer, config } = c;
  const dims = config['dims'];
  if (!Array.isArray(dims)) throw unsupported(layer, 'Permute dims', JSON.stringify(dims));
  const x = g.as(c.inputs[0]!, 'nhwc');
  return [{ name: g.node('Transpose', [x.name], g.unique(c.out), { perm: [0, ...(dims as number[])] }), shape: c.outputShapes[0]!, layout: 'nhwc' }];
}

/** Inputs of a merge in one layout: NCHW when they are all rank 4 and one is already NCHW, else as Keras has them. */
function mergeInputs(c: LayerContext): Value[] {
  const rank4 = c.inputs.every((v) => v.shape.length === 4);
  const layout: Layout = rank4 && c.inputs.some((v) => v.layout === 'nchw') ? 'nchw' : 'nhwc';
  return c.inputs.map((v) => c.g.as(v, layout));
}

function merge(op: 'Add' | 'Sub' | 'Mul' | 'Mean' | 'Max' | 'Min') {
  return (c: LayerContext): Value[] => {
    const { g } = c;
    const xs = mergeInputs(c);
    let name: string;
    if (op === 'Add' && xs.length > 2) name = g.node('Sum', xs.map((v) => v.name), g.unique(c.out));
    else if (op === 'Mul' && xs.length > 2) {
      name = xs[0]!.name;
      for (const v of xs.slice(1)) name = g.node('Mul', [name, v.name], g.unique(c.out));
    } else name = g.node(op, xs.map((v) => v.name), g.unique(c.out));
    return [{ name, shape: c.outputShapes[0]!, layout: xs[0]!.layout }];
  };
}

function concatenate(c: LayerContext): Value[] {
  const { g } = c;
  const xs = mergeInputs(c);
  const rank = xs[0]!.shape.length;
  let axis = Number(c.config['axis'] ?? -1);
  if (axis < 0) axis += rank;
  if (xs[0]!.layout === 'nchw') axis = TO_NCHW.indexOf(axis); // NHWC axis a lives at NCHW position perm⁻¹(a)
  return [{ name: g.node('Concat', xs.map((v) => v.name), g.unique(c.out), { axis }), shape: c.outputShapes[0]!, layout: xs[0]!.layout }];
}

const identity: Converter = (c) => [c.inputs[0]!];

const CONVERTERS: Record<string, Converter> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  Conv2DTranspose: conv2dTranspose,
  BatchNormalization: batchNormalization,
  Activation: (c) => [activation(c.g, c.layer, c.inputs[0]!, c.config['activation'], c.out)],
  ReLU: (c) => {
    const max = c.config['maxValue'];
    const x = c.inputs[0]!;
    if (max === undefined || max === null) return [activation(c.g, c.layer, x, 'relu', c.out)];
    return [{ ...x, name: c.g.node('Clip', [x.name, c.g.scalar(0), c.g.scalar(Number(max))], c.g.unique(c.out)) }];
  },
  LeakyReLU: (c) => {
    const x = c.inputs[0]!;
    return [{ ...x, name: c.g.node('LeakyRelu', [x.name], c.g.unique(c.out), { alpha: { float: Number(c.config['alpha'] ?? 0.3) } }) }];
  },
  ELU: (c) => {
    const x = c.inputs[0]!;
    return [{ ...x, name: c.g.node('Elu', [x.name], c.g.unique(c.out), { alpha: { float: Number(c.config['alpha'] ?? 1) } }) }];
  },
  Softmax: (c) => {
    const x = c.inputs[0]!;
    let axis = Number(c.config['axis'] ?? -1);
    if (axis < 0) axis += x.shape.length;
    if (x.layout === 'nchw') axis = TO_NCHW.indexOf(axis);
    return [{ ...x, name: c.g.node('Softmax', [x.name], c.g.unique(c.out), { axis }) }];
  },
  ZeroPadding2D: zeroPadding2d,
  MaxPooling2D: pooling('MaxPool'),
  AveragePooling2D: pooling('AveragePool'),
  GlobalAveragePooling2D: globalPooling('GlobalAveragePool'),
  GlobalMaxPooling2D: globalPooling('GlobalMaxPool'),
  Flatten: flatten,
  Dense: dense,
  Reshape: reshape,
  Permute: permute,
  Add: merge('Add'),
  Subtract: merge('Sub'),
  Multiply: merge('Mul'),
  Average: merge('Mean'),
  Maximum: merge('Max'),
  Minimum: merge('Min'),
  Concatenate: concatenate,
  Dropout: identity,
  SpatialDropout1D: identity,
  SpatialDropout2D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
};

function shapeOf(t: tfl.SymbolicTensor): Shape {
  return t.shape.slice();
}

function onnxShape(shape: Shape, name: string, batchSize: number | undefined): (number | string)[] {
  return shape.map((d, i) => (i === 0 ? (batchSize ?? 'N') : d ?? `${name}_d${i}`));
}

/**
 * Serializes a tfjs-layers functional model to an ONNX ModelProto (opset 13, weights as initializers).
 * Inputs and outputs take and give the same NHWC tensors as `model.predict`, named after the model's input and
 * output layers. Throws InvalidArgumentError naming the first layer (and class) it cannot convert.
 *
 * @example
 * const model = await resnet50();
 * const bytes = exportOnnx(model);            // Uint8Array, write it to resnet50.onnx
 * // onnxruntime: session.run({ input_1: new ort.Tensor('float32', nhwc, [1, 224, 224, 3]) })
 */
export function exportOnnx(model: tfl.LayersModel, options: ExportOnnxOptions = {}): Uint8Array {
  if (!(model instanceof tfl.LayersModel)) throw new InvalidArgumentError('model', 'a tfjs-layers LayersModel', String(model));
  const opset = options.opset ?? 13;
  if (opset !== 13) throw new InvalidArgumentError('options.opset', '13', String(opset));
  const batchSize = options.batchSize;
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new InvalidArgumentError('options.batchSize', 'a positive integer (or undefined for any batch)', String(batchSize));
  }
  const g = new GraphBuilder();
  const values = new Map<number, Value>();
  const inputs: ProtoWriter[] = [];
  for (const t of model.inputs) {
    if (t.dtype !== 'float32') throw new InvalidArgumentError('model', 'float32 inputs', `input '${t.name}' of dtype ${t.dtype}`);
    const layerName = t.sourceLayer.name;
    const name = g.unique(layerName);
    values.set(t.id, { name, shape: shapeOf(t), layout: 'nhwc' });
    inputs.push(valueInfoProto(name, onnxShape(shapeOf(t), name, batchSize)));
  }
  const outputNames = model.outputs.map((t) => g.unique(t.sourceLayer.name));

  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className === 'InputLayer') continue;
    const convert = CONVERTERS[className];
    if (convert === undefined) {
      throw unsupported(layer, `supported layers: ${ONNX_SUPPORTED_LAYERS.join(', ')}`, layer instanceof tfl.LayersModel ? 'Nested models are not converted; build the graph from their layers.' : undefined);
    }
    const config = layer.getConfig() as Record<string, unknown>;
    layer.inboundNodes.forEach((node, nodeIndex) => {
      const ins = node.inputTensors.map((t) => values.get(t.id));
      if (ins.some((v) => v === undefined)) return; // a node of another model that shares this layer
      const outs = convert({
        g, layer, config, inputs: ins as Value[], outputShapes: node.outputTensors.map(shapeOf),
        out: nodeIndex === 0 ? layer.name : `${layer.name}_node${nodeIndex}`,
      });
      node.outputTensors.forEach((t, i) => values.set(t.id, outs[i]!));
    });
  }

  const outputs = model.outputs.map((t, i) => {
    const v = values.get(t.id);
    if (v === undefined) throw new InvalidArgumentError('model', 'a graph whose outputs are reachable from its inputs', `output '${t.name}'`);
    const name = outputNames[i]!;
    if (v.layout === 'nchw') g.node('Transpose', [v.name], name, { perm: TO_NHWC });
    else g.node('Identity', [v.name], name);
    return valueInfoProto(name, onnxShape(v.shape, name, batchSize));
  });

  const graph = graphProto({
    name: options.graphName ?? model.name,
    doc: 'Inputs and outputs are NHWC as in Keras; convolutions and pooling run NCHW between Transpose nodes.',
    nodes: g.nodes,
    initializers: g.initializers,
    inputs,
    outputs,
  });
  return modelProto({ graph, opset, producerName: '@cnn/architectures exportOnnx', producerVersion: '0.1.0', doc: `tfjs-layers model '${model.name}'` }).finish();
}
