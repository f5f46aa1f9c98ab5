/**
 * A YOLOv2 head on any backbone: a 1 x 1 convolution turns the backbone's feature map [S, S, channels] into
 * B · (5 + C) numbers per cell, reshaped to [S, S, B, 5 + C] — one raw vector per cell and anchor, in the
 * course's order [to, tx, ty, th, tw, class logits] that yoloLoss trains and decodeYoloV2 decodes. The grid
 * is the backbone's output size: a stride-32 backbone on a 416 x 416 input gives YOLOv2's 13 x 13, on 96 x 96
 * a 3 x 3 grid (choose the input size through the backbone builder's `inputShape`).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ShapeMismatchError, describeValue } from '@cnn/ops';
import { readAnchors, readClasses, readGrid, type Anchor } from './grid-spec.js';

export interface YoloHeadOptions {
  /** Number of classes C. */
  classes: number;
  /** Anchor shapes [width, height] in grid cells; only their count B matters here (default: none, B = 1). */
  anchors?: readonly Anchor[];
  /** The grid the head must have (S or [rows, cols]); checked against the feature map. Default: whatever it is. */
  grid?: number | readonly [number, number];
  /** With a model backbone: the name of the layer whose output is the feature map (default: the model's output). */
  featureLayer?: string;
  /** Model name, and prefix of the head's layers (default 'yolo'). */
  name?: string;
}

/** The model inputs a symbolic tensor was computed from (outputs of input layers). */
function inputsOf(t: tfl.SymbolicTensor): tfl.SymbolicTensor[] {
  const found: tfl.SymbolicTensor[] = [];
  const seen = new Set<number>();
  const stack = [t];
  while (stack.length) {
    const s = stack.pop()!;
    if (seen.has(s.id)) continue;
    seen.add(s.id);
    if (s.inputs.length === 0) {
      if (!found.includes(s)) found.push(s);
    } else stack.push(...s.inputs);
  }
  return found.sort((a, b) => a.id - b.id);
}

function features(backbone: unknown, featureLayer: unknown): { inputs: tfl.SymbolicTensor[]; x: tfl.SymbolicTensor } {
  if (backbone instanceof tfl.SymbolicTensor) {
    if (featureLayer !== undefined) throw new InvalidArgumentError('options.featureLayer', 'undefined when the backbone is a symbolic tensor (it is the feature map)', describeValue(featureLayer));
    return { inputs: inputsOf(backbone), x: backbone };
  }
  if (!(backbone instanceof tfl.LayersModel)) {
    throw new InvalidArgumentError('backbone', 'a tfjs-layers model (e.g. from @cnn/architectures) or the symbolic tensor of its feature map', describeValue(backbone));
  }
  if (featureLayer === undefined) {
    if (backbone.outputs.length !== 1) throw new InvalidArgumentError('backbone', 'a model with one output (or pass options.featureLayer)', `a model with ${backbone.outputs.length} outputs`);
    return { inputs: backbone.inputs, x: backbone.outputs[0]! };
  }
  if (typeof featureLayer !== 'string') throw new InvalidArgumentError('options.featureLayer', 'the name of a layer of the backbone', describeValue(featureLayer));
  const layer = backbone.layers.find((l) => l.name === featureLayer);
  if (!layer) {
    const convs = backbone.layers.filter((l) => l.outputShape.length === 4).map((l) => l.name);
    throw new InvalidArgumentError('options.featureLayer', `the name of a layer of '${backbone.name}'`, JSON.stringify(featureLayer), `Layers with a 4-D output: ${convs.slice(-8).join(', ')}.`);
  }
  const out = layer.output;
  if (Array.isArray(out)) throw new InvalidArgumentError('options.featureLayer', 'a layer with one output', `'${featureLayer}' with ${out.length} outputs`);
  return { inputs: backbone.inputs, x: out };
}

/**
 * Puts a YOLOv2 head on a backbone (see the top of this file). Returns a new tfjs-layers model, sharing the
 * backbone's layers and weights, with output [batch, S, S, B, 5 + C].
 *
 *     const backbone = await mobilenet({ includeTop: false, inputShape: [96, 96, 3] });
 *     const detector = yoloHead(backbone, { anchors, classes: 3 });   // output [null, 3, 3, anchors.length, 8]
 */
export function yoloHead(backbone: tfl.LayersModel | tfl.SymbolicTensor, options: YoloHeadOptions): tfl.LayersModel {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { classes, anchors?, grid?, featureLayer?, name? }', describeValue(options));
  const classes = readClasses(options.classes, 'options.classes');
  const B = options.anchors === undefined ? 1 : readAnchors(options.anchors, 'options.anchors').length;
  const name = options.name ?? 'yolo';
  if (typeof name !== 'string' || !/^[A-Za-z][\w.-]*$/.test(name)) throw new InvalidArgumentError('options.name', 'a name of letters, digits, _ . -', describeValue(name));
  const { inputs, x } = features(backbone, options.featureLayer);
  const shape = x.shape;
  if (shape.length !== 4) {
    throw new ShapeMismatchError(
      'backbone',
      `the feature map must be [batch, rows, cols, channels], got [${shape.join(', ')}]. Build the backbone with includeTop: false (and no pooling), or pass options.featureLayer (e.g. 'pool2' for lenet5).`,
    );
  }
  const [, rows, cols] = shape;
  if (rows == null || cols == null) {
    throw new ShapeMismatchError('backbone', `the feature map has no fixed size ([${shape.join(', ')}]); give the backbone a fixed inputShape, e.g. [416, 416, 3].`);
  }
  if (options.grid !== undefined) {
    const [gr, gc] = readGrid(options.grid, 'options.grid');
    if (gr !== rows || gc !== cols) {
      const input = inputs[0]?.shape;
      const [sy, sx] = input && typeof input[1] === 'number' && typeof input[2] === 'number' ? [input[1] / rows, input[2] / cols] : [NaN, NaN];
      // Only a whole stride says which input gives the grid (valid-padded backbones like LeNet shrink unevenly).
      const hint = Number.isInteger(sy) && Number.isInteger(sx) ? ` The backbone's stride is ${sy} x ${sx}: an input of ${gr * sy} x ${gc * sx} gives a ${gr} x ${gc} grid.` : '';
      throw new ShapeMismatchError('options.grid', `the backbone's feature map is ${rows} x ${cols}, not ${gr} x ${gc}.${hint}`);
    }
  }
  const conv = tfl.layers.conv2d({ filters: B * (5 + classes), kernelSize: 1, padding: 'valid', name: `${name}_conv` }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.reshape({ targetShape: [rows, cols, B, 5 + classes], name: `${name}_output` }).apply(conv) as tfl.SymbolicTensor;
  return tfl.model({ inputs, outputs: out, name });
}
