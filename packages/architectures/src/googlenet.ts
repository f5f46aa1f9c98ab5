/**
 * Inception v1 / GoogLeNet (Szegedy et al. 2014). The Inception module runs 1×1, 1×1→3×3, 1×1→5×5 and
 * 3×3 max pool→1×1 branches side by side and concatenates them along channels; 1×1 "reduce" convs keep the
 * cost down. Convs are conv (no bias) + batch norm + ReLU as in torchvision's GoogLeNet; layer names follow
 * the original Caffe model ('inception_3a_1x1', ...). With `branch3Kernel: 3` (torchvision's variant) the
 * trainable parameter count equals torchvision's 6,624,904.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@cnn/ops';
import { resolveOptions, type ApplicationOptions } from './options.js';
import { finishModel } from './weights.js';

type Sym = tfl.SymbolicTensor;

function convBnRelu(x: Sym, filters: number, kernelSize: number, name: string, strides = 1): Sym {
  let y = tfl.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, name }).apply(x) as Sym;
  y = tfl.layers.batchNormalization({ axis: 3, epsilon: 1e-3, name: `${name}_bn` }).apply(y) as Sym;
  return tfl.layers.activation({ activation: 'relu', name: `${name}_relu` }).apply(y) as Sym;
}

export interface InceptionModuleOptions {
  /** Filters of the 1×1 branch. */
  f1x1: number;
  f3x3Reduce: number;
  f3x3: number;
  f5x5Reduce: number;
  f5x5: number;
  /** Filters of the 1×1 projection after the 3×3 max pool. */
  poolProj: number;
  /** Kernel of the "5×5" branch: 5 as in the paper (default) or 3 as in torchvision. */
  branch3Kernel?: 3 | 5;
  /** Name prefix, e.g. 'inception_3a'. */
  name: string;
}

/** One Inception module; the output has f1x1 + f3x3 + f5x5 + poolProj channels and the input's size. */
export function inceptionModule(x: Sym, o: InceptionModuleOptions): Sym {
  const b1 = convBnRelu(x, o.f1x1, 1, `${o.name}_1x1`);
  const b2 = convBnRelu(convBnRelu(x, o.f3x3Reduce, 1, `${o.name}_3x3_reduce`), o.f3x3, 3, `${o.name}_3x3`);
  const b3 = convBnRelu(convBnRelu(x, o.f5x5Reduce, 1, `${o.name}_5x5_reduce`), o.f5x5, o.branch3Kernel ?? 5, `${o.name}_5x5`);
  const pooled = tfl.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same', name: `${o.name}_pool` }).apply(x) as Sym;
  const b4 = convBnRelu(pooled, o.poolProj, 1, `${o.name}_pool_proj`);
  return tfl.layers.concatenate({ axis: 3, name: `${o.name}_output` }).apply([b1, b2, b3, b4]) as Sym;
}

// [name, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj] from the paper's table 1.
const MODULES: [string, number, number, number, number, number, number][] = [
  ['3a', 64, 96, 128, 16, 32, 32], ['3b', 128, 128, 192, 32, 96, 64],
  ['4a', 192, 96, 208, 16, 48, 64], ['4b', 160, 112, 224, 24, 64, 64], ['4c', 128, 128, 256, 24, 64, 64], ['4d', 112, 144, 288, 32, 64, 64], ['4e', 256, 160, 320, 32, 128, 128],
  ['5a', 256, 160, 320, 32, 128, 128], ['5b', 384, 192, 384, 48, 128, 128],
];

export async function googlenet(options: ApplicationOptions & { branch3Kernel?: 3 | 5; dropout?: number } = {}): Promise<tfl.LayersModel> {
  const o = resolveOptions('GoogLeNet', options, [224, 224, 3], 32);
  const k = options.branch3Kernel ?? 5;
  if (k !== 3 && k !== 5) throw new InvalidArgumentError('options.branch3Kernel', '3 or 5', String(k));
  const pool = (x: Sym, name: string, size = 3) => tfl.layers.maxPooling2d({ poolSize: size, strides: 2, padding: 'same', name }).apply(x) as Sym;
  const input = tfl.input({ shape: o.inputShape, name: 'input_1' });
  let x = pool(convBnRelu(input, 64, 7, 'conv1', 2), 'pool1');
  x = convBnRelu(x, 64, 1, 'conv2_reduce');
  x = pool(convBnRelu(x, 192, 3, 'conv2'), 'pool2');
  for (const [name, a, b, c, d, e, f] of MODULES) {
    x = inceptionModule(x, { f1x1: a, f3x3Reduce: b, f3x3: c, f5x5Reduce: d, f5x5: e, poolProj: f, branch3Kernel: k, name: `inception_${name}` });
    if (name === '3b') x = pool(x, 'pool3');
    if (name === '4e') x = pool(x, 'pool4', 2);
  }
  if (o.includeTop) {
    x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Sym;
    x = tfl.layers.dropout({ rate: options.dropout ?? 0.2, name: 'dropout' }).apply(x) as Sym;
    x = tfl.layers.dense({ units: o.classes, activation: o.classifierActivation, name: 'predictions' }).apply(x) as Sym;
  } else if (o.pooling === 'avg') {
    x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Sym;
  } else if (o.pooling === 'max') {
    x = tfl.layers.globalMaxPooling2d({ name: 'max_pool' }).apply(x) as Sym;
  }
  const model = tfl.model({ inputs: input, outputs: x, name: 'googlenet' });
  return finishModel(model, o, { architecture: 'GoogLeNet' });
}
