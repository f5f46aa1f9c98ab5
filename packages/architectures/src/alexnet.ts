/**
 * AlexNet (Krizhevsky et al. 2012) in its single-stream form (torchvision's, after "One weird trick"):
 * conv 11×11/4 64 -> pool -> conv 5×5 192 -> pool -> conv 3×3 384, 256, 256 -> pool -> 6×6×256 ->
 * dropout, fc 4096, dropout, fc 4096, classifier. 61,100,840 parameters at 224×224 with 1000 classes.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { resolveOptions, type ApplicationOptions } from './options.js';
import { finishModel } from './weights.js';

type Sym = tfl.SymbolicTensor;

export async function alexnet(options: ApplicationOptions & { dropout?: number } = {}): Promise<tfl.LayersModel> {
  const o = resolveOptions('AlexNet', options, [224, 224, 3], 63);
  const conv = (x: Sym, filters: number, k: number, s: number, p: number, name: string) => {
    const padded = tfl.layers.zeroPadding2d({ padding: [[p, p], [p, p]], name: `${name}_pad` }).apply(x) as Sym;
    return tfl.layers.conv2d({ filters, kernelSize: k, strides: s, activation: 'relu', name }).apply(padded) as Sym;
  };
  const pool = (x: Sym, name: string) => tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name }).apply(x) as Sym;
  const input = tfl.input({ shape: o.inputShape, name: 'input_1' });
  let x = pool(conv(input, 64, 11, 4, 2, 'conv1'), 'pool1');
  x = pool(conv(x, 192, 5, 1, 2, 'conv2'), 'pool2');
  x = conv(x, 384, 3, 1, 1, 'conv3');
  x = conv(x, 256, 3, 1, 1, 'conv4');
  x = pool(conv(x, 256, 3, 1, 1, 'conv5'), 'pool5');
  if (o.includeTop) {
    const rate = options.dropout ?? 0.5;
    x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as Sym;
    x = tfl.layers.dropout({ rate, name: 'dropout1' }).apply(x) as Sym;
    x = tfl.layers.dense({ units: 4096, activation: 'relu', name: 'fc6' }).apply(x) as Sym;
    x = tfl.layers.dropout({ rate, name: 'dropout2' }).apply(x) as Sym;
    x = tfl.layers.dense({ units: 4096, activation: 'relu', name: 'fc7' }).apply(x) as Sym;
    x = tfl.layers.dense({ units: o.classes, activation: o.classifierActivation, name: 'predictions' }).apply(x) as Sym;
  } else if (o.pooling === 'avg') {
    x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Sym;
  } else if (o.pooling === 'max') {
    x = tfl.layers.globalMaxPooling2d({ name: 'max_pool' }).apply(x) as Sym;
  }
  const model = tfl.model({ inputs: input, outputs: x, name: 'alexnet' });
  return finishModel(model, o, { architecture: 'AlexNet' });
}
