/**
 * ResNet v1 (He et al. 2015) as keras.applications.resnet builds ResNet-50/101/152: a 7×7/2 stem, a 3×3/2
 * max pool, then stages of bottleneck residual blocks (1×1 reduce, 3×3, 1×1 expand ×4, batch norm after
 * every conv) whose output is relu(F(x) + shortcut(x)). Layer names as Keras ('conv2_block1_1_conv', ...),
 * so Keras weights load by name; ResNet-50 has 25,636,712 parameters with the top.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { resolveOptions, type ApplicationOptions } from './options.js';
import { finishModel } from './weights.js';

type Sym = tfl.SymbolicTensor;
const BN_EPSILON = 1.001e-5;

function conv(x: Sym, filters: number, kernelSize: number, name: string, strides = 1, padding: 'valid' | 'same' = 'valid'): Sym {
  return tfl.layers.conv2d({ filters, kernelSize, strides, padding, name }).apply(x) as Sym;
}
function bn(x: Sym, name: string): Sym {
  return tfl.layers.batchNormalization({ axis: 3, epsilon: BN_EPSILON, name }).apply(x) as Sym;
}
function relu(x: Sym, name: string): Sym {
  return tfl.layers.activation({ activation: 'relu', name }).apply(x) as Sym;
}

export interface ResidualBlockOptions {
  /** Filters of the bottleneck's 1×1 and 3×3 convs; the block outputs 4× as many channels. */
  filters: number;
  /** Stride of the first 1×1 conv (and of the projection shortcut). */
  strides?: number;
  kernelSize?: number;
  /** Layer name prefix, e.g. 'conv3_block1'. */
  name: string;
}

function bottleneck(x: Sym, o: ResidualBlockOptions, shortcut: Sym): Sym {
  const s = o.strides ?? 1;
  let y = relu(bn(conv(x, o.filters, 1, `${o.name}_1_conv`, s), `${o.name}_1_bn`), `${o.name}_1_relu`);
  y = relu(bn(conv(y, o.filters, o.kernelSize ?? 3, `${o.name}_2_conv`, 1, 'same'), `${o.name}_2_bn`), `${o.name}_2_relu`);
  y = bn(conv(y, 4 * o.filters, 1, `${o.name}_3_conv`), `${o.name}_3_bn`);
  const sum = tfl.layers.add({ name: `${o.name}_add` }).apply([shortcut, y]) as Sym;
  return relu(sum, `${o.name}_out`);
}

/**
 * The course's identity block: the shortcut is x itself, so x must already have 4·filters channels and the
 * block keeps the spatial size.
 */
export function identityBlock(x: Sym, options: Omit<ResidualBlockOptions, 'strides'>): Sym {
  return bottleneck(x, options, x);
}

/**
 * The course's convolutional block: the shortcut is a strided 1×1 conv + batch norm, used where the number
 * of channels or the spatial size changes (first block of every stage).
 */
export function convolutionalBlock(x: Sym, options: ResidualBlockOptions): Sym {
  const shortcut = bn(conv(x, 4 * options.filters, 1, `${options.name}_0_conv`, options.strides ?? 1), `${options.name}_0_bn`);
  return bottleneck(x, options, shortcut);
}

function stage(x: Sym, filters: number, blocks: number, strides: number, name: string): Sym {
  let y = convolutionalBlock(x, { filters, strides, name: `${name}_block1` });
  for (let i = 2; i <= blocks; i++) y = identityBlock(y, { filters, name: `${name}_block${i}` });
  return y;
}

const DEPTHS = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] } as const;

async function resnet(depth: 50 | 101 | 152, options: ApplicationOptions): Promise<tfl.LayersModel> {
  const o = resolveOptions(`ResNet${depth}`, options, [224, 224, 3], 32);
  const input = tfl.input({ shape: o.inputShape, name: 'input_1' });
  let x = tfl.layers.zeroPadding2d({ padding: [[3, 3], [3, 3]], name: 'conv1_pad' }).apply(input) as Sym;
  x = relu(bn(conv(x, 64, 7, 'conv1_conv', 2), 'conv1_bn'), 'conv1_relu');
  x = tfl.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: 'pool1_pad' }).apply(x) as Sym;
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as Sym;
  const [b2, b3, b4, b5] = DEPTHS[depth];
  x = stage(x, 64, b2, 1, 'conv2');
  x = stage(x, 128, b3, 2, 'conv3');
  x = stage(x, 256, b4, 2, 'conv4');
  x = stage(x, 512, b5, 2, 'conv5');
  if (o.includeTop) {
    x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Sym;
    x = tfl.layers.dense({ units: o.classes, activation: o.classifierActivation, name: 'predictions' }).apply(x) as Sym;
  } else if (o.pooling === 'avg') {
    x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Sym;
  } else if (o.pooling === 'max') {
    x = tfl.layers.globalMaxPooling2d({ name: 'max_pool' }).apply(x) as Sym;
  }
  const model = tfl.model({ inputs: input, outputs: x, name: `resnet${depth}` });
  return finishModel(model, o, { architecture: `ResNet${depth}` });
}

/** ResNet-50 (keras.applications.ResNet50). */
export function resnet50(options: ApplicationOptions = {}): Promise<tfl.LayersModel> {
  return resnet(50, options);
}
/** ResNet-101 (keras.applications.ResNet101). */
export function resnet101(options: ApplicationOptions = {}): Promise<tfl.LayersModel> {
  return resnet(101, options);
}
/** ResNet-152 (keras.applications.ResNet152). */
export function resnet152(options: ApplicationOptions = {}): Promise<tfl.LayersModel> {
  return resnet(152, options);
}
