/**
 * Johnson et al.'s image transform network ("Perceptual Losses for Real-Time Style Transfer and
 * Super-Resolution", 2016) in the variant ml5 / deeplearn.js and lengstrom/fast-style-transfer run:
 *
 *   conv 9×9/1 → 32, conv 3×3/2 → 64, conv 3×3/2 → 128          (each: conv, instance norm, ReLU)
 *   5 residual blocks: x + IN(conv 3×3(ReLU(IN(conv 3×3(x)))))  (128 channels)
 *   conv-transpose 3×3/2 → 64, conv-transpose 3×3/2 → 32       (each: conv-T, instance norm, ReLU)
 *   conv 9×9/1 → 3, instance norm, then clip(tanh(x)·150 + 127.5, 0, 255)
 *
 * Input and output are RGB in 0-255 (no mean subtraction). Every convolution uses TF 'same' padding and no
 * bias (the instance norm's shift is the bias). Sizes: the two stride-2 convs give ⌈⌈H/2⌉/2⌉ and each 'same'
 * conv-transpose doubles, so the output is 4·⌈⌈H/2⌉/2⌉ high: H (and W) must be multiples of 4 for the output
 * to match the input — `fastStylize` pads other sizes. Variables of the ml5 format map to layers through
 * `fastStyleLayout` (conv(id): kernel id, shift id + 1, scale id + 2).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@cnn/ops';
import { InstanceNormalization, registerFastStyleLayers, ScaledTanh } from './layers.js';

export interface TransformNetOptions {
  /** Channels of the three stages (full resolution, 1/2, 1/4); default [32, 64, 128]. Smaller nets train faster. */
  filters?: readonly [number, number, number];
  /** Residual blocks at 1/4 resolution (default 5). */
  residualBlocks?: number;
  /** Instance-norm ε (default 1e-3). */
  epsilon?: number;
  /** Seed of the kernel initializer (truncated normal, σ = 0.1, as lengstrom's training; default 1). */
  seed?: number;
  /** Model name (default 'transform_net'). */
  name?: string;
}

export const DEFAULT_TRANSFORM_FILTERS: readonly [number, number, number] = [32, 64, 128];

/** One conv(id) of the ml5 format: which layers hold its kernel, shift (id + 1) and scale (id + 2). */
export interface FastStyleLayerSlot {
  /** Variable id of the kernel. */
  id: number;
  /** Conv / conv-transpose layer name. */
  conv: string;
  /** Its instance-norm layer name. */
  norm: string;
  transpose: boolean;
}

/** The ml5 / deeplearn.js variable name of id: `Variable` for 0, else `Variable_<id>`. */
export function fastStyleVariableName(id: number): string {
  return id === 0 ? 'Variable' : `Variable_${id}`;
}

/**
 * The conv(id) slots in network order: ids 0, 3, 6 (down), 9 + 6k and 12 + 6k (residual block k), then
 * 9 + 6r and 12 + 6r (the conv-transposes) and 15 + 6r (output conv) for r residual blocks — 39, 42, 45 for
 * the standard 5. The ml5 format has 3 variables per slot (48 for the standard net).
 */
export function fastStyleLayout(residualBlocks = 5): FastStyleLayerSlot[] {
  const slot = (id: number, conv: string, transpose = false): FastStyleLayerSlot => ({ id, conv, norm: `${conv}_norm`, transpose });
  const r = residualBlocks;
  return [
    slot(0, 'conv1'),
    slot(3, 'conv2'),
    slot(6, 'conv3'),
    ...Array.from({ length: r }, (_, k) => [slot(9 + 6 * k, `res${k + 1}_conv1`), slot(12 + 6 * k, `res${k + 1}_conv2`)]).flat(),
    slot(9 + 6 * r, 'deconv1', true),
    slot(12 + 6 * r, 'deconv2', true),
    slot(15 + 6 * r, 'conv_out'),
  ];
}

function checkFilters(filters: unknown): readonly [number, number, number] {
  if (!Array.isArray(filters) || filters.length !== 3 || !filters.every((f) => Number.isInteger(f) && f > 0)) {
    throw new InvalidArgumentError('options.filters', 'three positive integers (channels at full, 1/2 and 1/4 resolution)', JSON.stringify(filters));
  }
  return filters as unknown as readonly [number, number, number];
}

/**
 * Builds the transform network as a tfjs-layers functional model: input `image` [N, H, W, 3] RGB 0-255
 * (H, W free; multiples of 4), output [N, H, W, 3] in 0-255. Trainable (`model.trainableWeights`) and
 * serializable (its two custom layers are registered with tf.serialization).
 */
export function transformNet(options: TransformNetOptions = {}): tfl.LayersModel {
  registerFastStyleLayers();
  const [c1, c2, c3] = checkFilters(options.filters ?? DEFAULT_TRANSFORM_FILTERS);
  const blocks = options.residualBlocks ?? 5;
  if (!Number.isInteger(blocks) || blocks < 0) throw new InvalidArgumentError('options.residualBlocks', 'a non-negative integer', String(options.residualBlocks));
  const epsilon = options.epsilon ?? 1e-3;
  let seed = options.seed ?? 1;

  const unit = (x: tfl.SymbolicTensor, name: string, filters: number, kernelSize: number, strides: number, relu: boolean, transpose = false): tfl.SymbolicTensor => {
    const args = { filters, kernelSize, strides, padding: 'same' as const, useBias: false, name, kernelInitializer: tfl.initializers.truncatedNormal({ stddev: 0.1, seed: seed++ }) };
    let y = (transpose ? tfl.layers.conv2dTranspose(args) : tfl.layers.conv2d(args)).apply(x) as tfl.SymbolicTensor;
    y = new InstanceNormalization({ name: `${name}_norm`, epsilon }).apply(y) as tfl.SymbolicTensor;
    return relu ? (tfl.layers.reLU({ name: `${name}_relu` }).apply(y) as tfl.SymbolicTensor) : y;
  };

  const input = tfl.input({ shape: [null, null, 3], name: 'image' });
  let x = unit(input, 'conv1', c1, 9, 1, true);
  x = unit(x, 'conv2', c2, 3, 2, true);
  x = unit(x, 'conv3', c3, 3, 2, true);
  for (let k = 1; k <= blocks; k++) {
    const y = unit(x, `res${k}_conv1`, c3, 3, 1, true);
    const z = unit(y, `res${k}_conv2`, c3, 3, 1, false);
    x = tfl.layers.add({ name: `res${k}_add` }).apply([z, x]) as tfl.SymbolicTensor;
  }
  x = unit(x, 'deconv1', c2, 3, 2, true, true);
  x = unit(x, 'deconv2', c1, 3, 2, true, true);
  x = unit(x, 'conv_out', 3, 9, 1, false);
  const output = new ScaledTanh({ name: 'output' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: options.name ?? 'transform_net' });
}

/** The filters and residual-block count of a transform net built by `transformNet` (read from its layers). */
export function transformNetConfig(net: tfl.LayersModel): { filters: [number, number, number]; residualBlocks: number } {
  const channels = (name: string) => {
    const w = net.getLayer(name).getWeights()[0];
    if (!w) throw new InvalidArgumentError('net', 'a transform net built by transformNet()', `a model whose layer '${name}' has no kernel`);
    return w.shape[3]!;
  };
  const residualBlocks = net.layers.filter((l) => /^res\d+_add$/.test(l.name)).length;
  try {
    return { filters: [channels('conv1'), channels('conv2'), channels('conv3')], residualBlocks };
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError('net', 'a transform net built by transformNet()', `a model without the layers conv1..conv3 (${net.name})`);
  }
}
