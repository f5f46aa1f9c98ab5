/**
 * ResNet-18 and ResNet-34 (He et al. 2015) with basic residual blocks (two 3×3 convs), as torchvision builds
 * them (convs without bias + batch norm, symmetric padding), named in the Keras ResNet style
 * ('conv2_block1_1_conv', ...). Trainable parameters equal torchvision's: 11,689,512 and 21,797,672.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { resolveOptions, type ApplicationOptions } from './options.js';
import { loadWeightsByName } from './weights.js';

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

async function resnetBasic(depth: 18 | 34, options: ApplicationOptions): Promise<tfl.LayersModel> {
  const o = resolveOptions(`ResNet${depth}`, options, [224, 224, 3], 32);
  const blocks = depth === 18 ? [2, 2, 2, 2] : [3, 4, 6, 3];
  const input = tfl.input({ shape: o.inputShape, name: 'input_1' });
  let x = convBn(input, 64, 7, 2, 'conv1');
  x = tfl.layers.activation({ activation: 'relu', name: 'conv1_relu' }).apply(x) as Sym;
  x = tfl.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: 'pool1_pad' }).apply(x) as Sym; // after ReLU: zeros act as -inf
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as Sym;
  [64, 128, 256, 512].forEach((filters, stage) => {
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
  const model = tfl.model({ inputs: input, outputs: x, name: `resnet${depth}` });
  if (o.weights) await loadWeightsByName(model, o.weights);
  return model;
}

export function resnet18(options: ApplicationOptions = {}): Promise<tfl.LayersModel> {
  return resnetBasic(18, options);
}
export function resnet34(options: ApplicationOptions = {}): Promise<tfl.LayersModel> {
  return resnetBasic(34, options);
}
