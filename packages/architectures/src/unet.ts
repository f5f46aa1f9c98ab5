/**
 * U-Net (Ronneberger et al. 2015) as the course builds it for semantic segmentation: a contracting path of
 * conv blocks (two 3×3 'same' ReLU convs, then 2×2 max pooling; dropout in the deepest two), an expanding
 * path of upsampling blocks (3×3 stride-2 transposed conv, concatenated with the matching skip connection,
 * two 3×3 convs), and a 1×1 conv to per-pixel class scores. Default 96×128×3 -> 96×128×23.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@cnn/ops';

type Sym = tfl.SymbolicTensor;

/** Down block: returns the pooled output for the next block and the pre-pool activations (the skip). */
export function unetConvBlock(x: Sym, options: { filters: number; dropout?: number; maxPooling?: boolean; name: string }): { next: Sym; skip: Sym } {
  const conv = (t: Sym, i: number) =>
    tfl.layers.conv2d({ filters: options.filters, kernelSize: 3, activation: 'relu', padding: 'same', kernelInitializer: 'heNormal', name: `${options.name}_conv${i}` }).apply(t) as Sym;
  let y = conv(conv(x, 1), 2);
  if (options.dropout) y = tfl.layers.dropout({ rate: options.dropout, name: `${options.name}_dropout` }).apply(y) as Sym;
  const next = options.maxPooling === false ? y : (tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${options.name}_pool` }).apply(y) as Sym);
  return { next, skip: y };
}

/** Up block: transposed conv ×2 upsampling, concatenation with the skip connection, two 3×3 convs. */
export function unetUpsamplingBlock(x: Sym, skip: Sym, options: { filters: number; name: string }): Sym {
  const up = tfl.layers.conv2dTranspose({ filters: options.filters, kernelSize: 3, strides: 2, padding: 'same', name: `${options.name}_up` }).apply(x) as Sym;
  let y = tfl.layers.concatenate({ axis: 3, name: `${options.name}_concat` }).apply([up, skip]) as Sym;
  for (const i of [1, 2]) {
    y = tfl.layers.conv2d({ filters: options.filters, kernelSize: 3, activation: 'relu', padding: 'same', kernelInitializer: 'heNormal', name: `${options.name}_conv${i}` }).apply(y) as Sym;
  }
  return y;
}

export interface UNetOptions {
  /** Default [96, 128, 3]; height and width must be divisible by 16. */
  inputShape?: [number, number, number];
  /** Filters of the first block, doubled at every level (default 32). */
  filters?: number;
  /** Number of classes (default 23); the output holds per-pixel logits. */
  classes?: number;
}

export function unet(options: UNetOptions = {}): tfl.LayersModel {
  const inputShape = options.inputShape ?? [96, 128, 3];
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || inputShape[0] % 16 !== 0 || inputShape[1] % 16 !== 0 || inputShape[0] < 16 || inputShape[1] < 16) {
    throw new InvalidArgumentError('options.inputShape', '[height, width, channels] with height and width multiples of 16 (four 2×2 poolings)', JSON.stringify(inputShape));
  }
  const f = options.filters ?? 32;
  const classes = options.classes ?? 23;
  if (!Number.isInteger(f) || f < 1) throw new InvalidArgumentError('options.filters', 'a positive integer', String(f));
  if (!Number.isInteger(classes) || classes < 1) throw new InvalidArgumentError('options.classes', 'a positive integer', String(classes));
  const input = tfl.input({ shape: inputShape, name: 'input_1' });
  const c1 = unetConvBlock(input, { filters: f, name: 'down1' });
  const c2 = unetConvBlock(c1.next, { filters: 2 * f, name: 'down2' });
  const c3 = unetConvBlock(c2.next, { filters: 4 * f, name: 'down3' });
  const c4 = unetConvBlock(c3.next, { filters: 8 * f, dropout: 0.3, name: 'down4' });
  const c5 = unetConvBlock(c4.next, { filters: 16 * f, dropout: 0.3, maxPooling: false, name: 'bottleneck' });
  let x = unetUpsamplingBlock(c5.next, c4.skip, { filters: 8 * f, name: 'up6' });
  x = unetUpsamplingBlock(x, c3.skip, { filters: 4 * f, name: 'up7' });
  x = unetUpsamplingBlock(x, c2.skip, { filters: 2 * f, name: 'up8' });
  x = unetUpsamplingBlock(x, c1.skip, { filters: f, name: 'up9' });
  x = tfl.layers.conv2d({ filters: f, kernelSize: 3, activation: 'relu', padding: 'same', kernelInitializer: 'heNormal', name: 'conv9' }).apply(x) as Sym;
  x = tfl.layers.conv2d({ filters: classes, kernelSize: 1, padding: 'same', name: 'conv10' }).apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: x, name: 'unet' });
}
