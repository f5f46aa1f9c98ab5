/**
 * InceptionV3 (Szegedy et al. 2015) as keras.applications builds it: a conv stem, then Inception modules
 * (parallel 1×1, factorized 5×5 / 7×7 / 3×3 and pooling branches concatenated: 'mixed0' .. 'mixed10').
 * Every conv is conv (no bias) -> batch norm (no scale) -> ReLU, named as Keras names unnamed layers
 * ('conv2d', 'conv2d_1', ...), so Keras weights load by name. 23,851,784 parameters with the top.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalizationNoScale } from './batch-norm-no-scale.js';
import { resolveOptions, type ApplicationOptions } from './options.js';
import { finishModel } from './weights.js';

type Sym = tfl.SymbolicTensor;

/** Keras-style automatic layer names: 'conv2d', 'conv2d_1', ... per class, counted per model build. */
class Namer {
  private counts = new Map<string, number>();
  next(base: string): string {
    const n = this.counts.get(base) ?? 0;
    this.counts.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }
}

export async function inceptionV3(options: ApplicationOptions = {}): Promise<tfl.LayersModel> {
  const o = resolveOptions('InceptionV3', options, [299, 299, 3], 75);
  const nm = new Namer();
  const convBn = (x: Sym, filters: number, rows: number, cols: number, strides = 1, padding: 'same' | 'valid' = 'same'): Sym => {
    let y = tfl.layers.conv2d({ filters, kernelSize: [rows, cols], strides, padding, useBias: false, name: nm.next('conv2d') }).apply(x) as Sym;
    y = batchNormalizationNoScale({ axis: 3, name: nm.next('batch_normalization') }).apply(y) as Sym;
    return tfl.layers.activation({ activation: 'relu', name: nm.next('activation') }).apply(y) as Sym;
  };
  const maxPool = (x: Sym) => tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: nm.next('max_pooling2d') }).apply(x) as Sym;
  const avgPool = (x: Sym) => tfl.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: nm.next('average_pooling2d') }).apply(x) as Sym;
  const concat = (xs: Sym[], name?: string) => tfl.layers.concatenate({ axis: 3, name: name ?? nm.next('concatenate') }).apply(xs) as Sym;

  const input = tfl.input({ shape: o.inputShape, name: 'input_1' });
  let x = convBn(input, 32, 3, 3, 2, 'valid');
  x = convBn(x, 32, 3, 3, 1, 'valid');
  x = convBn(x, 64, 3, 3);
  x = maxPool(x);
  x = convBn(x, 80, 1, 1, 1, 'valid');
  x = convBn(x, 192, 3, 3, 1, 'valid');
  x = maxPool(x);

  // mixed 0, 1, 2: 35×35×256/288
  for (const [i, poolFilters] of [32, 64, 64].entries()) {
    const b1 = convBn(x, 64, 1, 1);
    const b5 = convBn(convBn(x, 48, 1, 1), 64, 5, 5);
    const b3 = convBn(convBn(convBn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3);
    const bp = convBn(avgPool(x), poolFilters, 1, 1);
    x = concat([b1, b5, b3, bp], `mixed${i}`);
  }
  // mixed 3: 17×17×768
  {
    const b3 = convBn(x, 384, 3, 3, 2, 'valid');
    const bd = convBn(convBn(convBn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3, 2, 'valid');
    const bp = maxPool(x);
    x = concat([b3, bd, bp], 'mixed3');
  }
  // mixed 4..7: factorized 7×7
  for (const [i, c] of [128, 160, 160, 192].entries()) {
    const b1 = convBn(x, 192, 1, 1);
    const b7 = convBn(convBn(convBn(x, c, 1, 1), c, 1, 7), 192, 7, 1);
    let bd = convBn(x, c, 1, 1);
    bd = convBn(convBn(convBn(bd, c, 7, 1), c, 1, 7), c, 7, 1);
    bd = convBn(bd, 192, 1, 7);
    const bp = convBn(avgPool(x), 192, 1, 1);
    x = concat([b1, b7, bd, bp], `mixed${4 + i}`);
  }
  // mixed 8: 8×8×1280
  {
    const b3 = convBn(convBn(x, 192, 1, 1), 320, 3, 3, 2, 'valid');
    let b7 = convBn(convBn(convBn(x, 192, 1, 1), 192, 1, 7), 192, 7, 1);
    b7 = convBn(b7, 192, 3, 3, 2, 'valid');
    const bp = maxPool(x);
    x = concat([b3, b7, bp], 'mixed8');
  }
  // mixed 9, 10: 8×8×2048
  for (let i = 0; i < 2; i++) {
    const b1 = convBn(x, 320, 1, 1);
    const b3 = convBn(x, 384, 1, 1);
    const b3cat = concat([convBn(b3, 384, 1, 3), convBn(b3, 384, 3, 1)], `mixed9_${i}`);
    const bd = convBn(convBn(x, 448, 1, 1), 384, 3, 3);
    const bdcat = concat([convBn(bd, 384, 1, 3), convBn(bd, 384, 3, 1)]);
    const bp = convBn(avgPool(x), 192, 1, 1);
    x = concat([b1, b3cat, bdcat, bp], `mixed${9 + i}`);
  }
  if (o.includeTop) {
    x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Sym;
    x = tfl.layers.dense({ units: o.classes, activation: o.classifierActivation, name: 'predictions' }).apply(x) as Sym;
  } else if (o.pooling === 'avg') {
    x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Sym;
  } else if (o.pooling === 'max') {
    x = tfl.layers.globalMaxPooling2d({ name: 'max_pool' }).apply(x) as Sym;
  }
  const model = tfl.model({ inputs: input, outputs: x, name: 'inception_v3' });
  return finishModel(model, o, { architecture: 'InceptionV3' });
}
