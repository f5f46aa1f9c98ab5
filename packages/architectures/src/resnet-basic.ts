/**
 * ResNet-18 and ResNet-34 (He et al. 2015) with basic residual blocks (two 3×3 convs), as torchvision builds
 * them (convs without bias + batch norm, symmetric padding), named in the Keras ResNet style
 * ('conv2_block1_1_conv', ...). Trainable parameters equal torchvision's: 11,689,512 and 21,797,672.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@cnn/ops';
import { resolveOptions, type ApplicationOptions } from './options.js';
import { finishModel } from './weights.js';

type Sym = tfl.SymbolicTensor;
const BN = { axis: 3, epsilon: 1e-5, momentum: 0.9 };

function convBn(x: Sym, filters: number, kernelSize: number, strides: number, name: string): Sym {
  // torchvision pads symmetrically (k−1)/2; TF 'same' would put the odd pixel at the bottom for stride 2.
  const pad = (kernelSize - 1) / 2;
  let y = pad > 0 ? (tfl.layers.zeroPadding2d({ padding: [[pad, pad], [pad, pad]], name: `${name}_pad` }).apply(x) as Sym) : x;
  y = tfl.layers.conv2d({ filters, kernelSize, strides, useBias: false, name: `${name}_conv` }).apply(y) as Sym;
  return tfl.layers.batchNormalization({ ...BN, name: `${name}_bn` }).apply(y) as Sym;
}

/**
 * The basic block: relu(bn(conv3×3(relu(bn(conv3×3(x))))) + shortcut(x)); the shortcut is a strided 1×1
 * conv + batch norm when the stride or the number of channels changes, else x itself.
 */
export function basicBlock(x: Sym, options: { filters: number; strides?: number; name: string }): Sym {
  const s = options.strides ?? 1;
  const n = options.name;
  const inChannels = x.shape[3] as number;
  const shortcut = s !== 1 || inChannels !== options.filters ? convBn(x, options.filters, 1, s, `${n}_0`) : x;
  let y = convBn(x, options.filters, 3, s, `${n}_1`);
  y = tfl.layers.activation({ activation: 'relu', name: `${n}_1_relu` }).apply(y) as Sym;
  y = convBn(y, options.filters, 3, 1, `${n}_2`);
  y = tfl.layers.add({ name: `${n}_add` }).apply([shortcut, y]) as Sym;
  return tfl.layers.activation({ activation: 'relu', name: `${n}_out` }).apply(y) as Sym;
}

export interface BasicResNetOptions extends ApplicationOptions {
  /** Basic blocks per stage (ResNet-18: [2, 2, 2, 2]; ResNet-34: [3, 4, 6, 3]). */
  blocks: number[];
  /** Filters per stage (default [64, 128, 256, 512]); the stem uses the first. */
  filters?: number[];
  name?: string;
}

/** A ResNet of basic blocks with any depth and width, e.g. a small one for 64×64 images. */
export function basicResNet(options: BasicResNetOptions): Promise<tfl.LayersModel> {
  return resnetBasic(options.name ?? 'basic_resnet', options);
}

async function resnetBasic(label: string, options: ApplicationOptions & { blocks: number[]; filters?: number[] }): Promise<tfl.LayersModel> {
  const o = resolveOptions(label, options, [224, 224, 3], 32);
  const blocks = options.blocks;
  const widths = options.filters ?? [64, 128, 256, 512];
  if (!Array.isArray(blocks) || blocks.length === 0 || blocks.some((b) => !Number.isInteger(b) || b < 1) || widths.length !== blocks.length || widths.some((f) => !Number.isInteger(f) || f < 1)) {
    throw new InvalidArgumentError('options.blocks / options.filters', 'equal-length arrays of positive integers (blocks per stage, filters per stage)', `${JSON.stringify(blocks)} / ${JSON.stringify(widths)}`);
  }
  const input = tfl.input({ shape: o.inputShape, name: 'input_1' });
  let x = convBn(input, widths[0]!, 7, 2, 'conv1');
  x = tfl.layers.activation({ activation: 'relu', name: 'conv1_relu' }).apply(x) as Sym;
  x = tfl.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: 'pool1_pad' }).apply(x) as Sym; // after ReLU: zeros act as -inf
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as Sym;
  widths.forEach((filters, stage) => {
    for (let b = 1; b <= blocks[stage]!; b++) {
      x = basicBlock(x, { filters, strides: b === 1 && stage > 0 ? 2 : 1, name: `conv${stage + 2}_block${b}` });
    }
  });
  if (o.includeTop) {
    x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Sym;
    x = tfl.layers.dense({ units: o.classes, activation: o.classifierActivation, name: 'predictions' }).apply(x) as Sym;
  } else if (o.pooling === 'avg') {
    x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Sym;
  } else if (o.pooling === 'max') {
    x = tfl.layers.globalMaxPooling2d({ name: 'max_pool' }).apply(x) as Sym;
  }
  const model = tfl.model({ inputs: input, outputs: x, name: label });
  return finishModel(model, o, { architecture: label });
}

export function resnet18(options: ApplicationOptions = {}): Promise<tfl.LayersModel> {
  return resnetBasic('resnet18', { ...options, blocks: [2, 2, 2, 2] });
}
export function resnet34(options: ApplicationOptions = {}): Promise<tfl.LayersModel> {
  return resnetBasic('resnet34', { ...options, blocks: [3, 4, 6, 3] });
}
