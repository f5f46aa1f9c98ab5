/**
 * face-api's 68-point landmark net (`FaceLandmark68Net` = `FaceFeatureExtractor` + a fully connected layer),
 * rebuilt from tfjs-layers layers. Structure, read from face-api's `faceFeatureExtractor/{FaceFeatureExtractor,
 * denseBlock}.ts` and `faceProcessor/FaceProcessor.ts`: four densely connected blocks (`denseBlock4`), each
 *
 *   out1 = relu(conv0(x))            dense0: conv 3×3 stride 2 'same' + bias; dense1..3: depthwise-separable
 *                                    3×3 stride 2 'same' + bias (MobileNet's 3×3 per channel, then 1×1 mix)
 *   out2 = conv1(out1)               separable 3×3 'same' + bias (no activation)
 *   out3 = conv2(relu(out1 + out2))
 *   out4 = conv3(relu(out1 + out2 + out3))
 *   out  = relu(out1 + out2 + out3 + out4)
 *
 * with 32, 64, 128, 256 channels (112 → 56 → 28 → 14 → 7), then avgPool 7×7 stride 2 'valid' (→ 1×1×256),
 * flatten and `fc` (256 → 136 with bias): 68 (x, y) pairs relative to the padded 112×112 square.
 * 356,840 parameters, exactly face-api's weights. Layer names are face-api's weight prefixes
 * (`dense1/conv2` -> `dense1_conv2`).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { checkFaceApiWeights, readFaceApiWeights, setWeightsByName } from './face-api-weights.js';
import { FACE_LANDMARK_INPUT_SIZE } from './preprocess.js';
import { buildWithWeights } from '@cnn/architectures';

type Sym = tfl.SymbolicTensor;

/** face-api's model name (`<name>-weights_manifest.json`, `<name>.bin`). */
export const FACE_LANDMARK_MODEL = 'face_landmark_68_model';
/** Landmarks per face. */
export const FACE_LANDMARK_POINTS = 68;
/** Parameters of `faceLandmark68Net()` (= face-api's weights). */
export const FACE_LANDMARK_PARAMS = 356_840;
/** Dense blocks: [face-api prefix, channels]. */
export const FACE_LANDMARK_BLOCKS: readonly (readonly [string, number])[] = [
  ['dense0', 32],
  ['dense1', 64],
  ['dense2', 128],
  ['dense3', 256],
];

export interface FaceLandmarkNetOptions {
  /** Model name (default 'face_landmark_68_net'). */
  name?: string;
}

const relu = (x: Sym, name: string): Sym => tfl.layers.reLU({ name }).apply(x) as Sym;
const separable = (x: Sym, filters: number, strides: number, name: string): Sym =>
  tfl.layers.separableConv2d({ filters, kernelSize: 3, strides, padding: 'same', depthMultiplier: 1, useBias: true, name }).apply(x) as Sym;
const sum = (xs: Sym[], name: string): Sym => tfl.layers.add({ name }).apply(xs) as Sym;

/** face-api's `denseBlock4` (isScaleDown = true). */
function denseBlock(x: Sym, filters: number, name: string, isFirst: boolean): Sym {
  const conv0 = isFirst
    ? (tfl.layers.conv2d({ filters, kernelSize: 3, strides: 2, padding: 'same', useBias: true, name: `${name}_conv0` }).apply(x) as Sym)
    : separable(x, filters, 2, `${name}_conv0`);
  const out1 = relu(conv0, `${name}_conv0_relu`);
  const out2 = separable(out1, filters, 1, `${name}_conv1`);
  const in3 = relu(sum([out1, out2], `${name}_sum2`), `${name}_sum2_relu`);
  const out3 = separable(in3, filters, 1, `${name}_conv2`);
  const in4 = relu(sum([out1, out2, out3], `${name}_sum3`), `${name}_sum3_relu`);
  const out4 = separable(in4, filters, 1, `${name}_conv3`);
  return relu(sum([out1, out2, out3, out4], `${name}_sum4`), `${name}_out`);
}

/**
 * The FaceLandmark68Net with fresh (random) weights: input [112, 112, 3] normalized as `faceLandmarkInput`
 * does, output [136] = (x0, y0, x1, y1, ...) in units of the 112×112 input. `loadFaceLandmark68Net()` gives the
 * pretrained one; `FaceLandmarker` maps the output back to image pixels.
 */
export function faceLandmark68Net(options: FaceLandmarkNetOptions = {}): tfl.LayersModel {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { name? }', describeValue(options));
  const name = options.name ?? 'face_landmark_68_net';
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('options.name', 'a non-empty string', describeValue(name));
  const size = FACE_LANDMARK_INPUT_SIZE;
  const input = tfl.input({ shape: [size, size, 3], name: 'input' });
  let x: Sym = input;
  FACE_LANDMARK_BLOCKS.forEach(([block, filters], i) => {
    x = denseBlock(x, filters, block, i === 0);
  });
  x = tfl.layers.averagePooling2d({ poolSize: 7, strides: 2, padding: 'valid', name: 'avg_pool' }).apply(x) as Sym;
  x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as Sym;
  const out = tfl.layers.dense({ units: 2 * FACE_LANDMARK_POINTS, useBias: true, name: 'fc' }).apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: out, name });
}

/** face-api weight name -> [this model's weight name, shape]. */
export function faceLandmarkWeightNames(): Map<string, readonly [string, number[]]> {
  const map = new Map<string, readonly [string, number[]]>();
  let channels = 3;
  FACE_LANDMARK_BLOCKS.forEach(([block, filters], b) => {
    for (let c = 0; c < 4; c++) {
      const prefix = `${block}/conv${c}`;
      const layer = `${block}_conv${c}`;
      const cin = c === 0 ? channels : filters;
      if (b === 0 && c === 0) {
        map.set(`${prefix}/filters`, [`${layer}/kernel`, [3, 3, cin, filters]]);
      } else {
        map.set(`${prefix}/depthwise_filter`, [`${layer}/depthwise_kernel`, [3, 3, cin, 1]]);
        map.set(`${prefix}/pointwise_filter`, [`${layer}/pointwise_kernel`, [1, 1, cin, filters]]);
      }
      map.set(`${prefix}/bias`, [`${layer}/bias`, [filters]]);
    }
    channels = filters;
  });
  map.set('fc/weights', ['fc/kernel', [256, 2 * FACE_LANDMARK_POINTS]]);
  map.set('fc/bias', ['fc/bias', [2 * FACE_LANDMARK_POINTS]]);
  return map;
}

/** Copies face-api's FaceLandmark68Net weights into a `faceLandmark68Net()` model (checked, copied). */
export function setFaceLandmarkWeights(model: tfl.LayersModel, weights: tf.NamedTensorMap): void {
  const names = faceLandmarkWeightNames();
  checkFaceApiWeights('FaceLandmark68Net', weights, new Map([...names].map(([k, [, shape]]) => [k, shape])));
  const renamed: tf.NamedTensorMap = {};
  for (const [faceApiName, [layerWeight]] of names) renamed[layerWeight] = weights[faceApiName]!;
  setWeightsByName(model, renamed, 'faceLandmark68Net()');
}

/**
 * The pretrained FaceLandmark68Net: `faceLandmark68Net()` with face-api's weights from `path` (a folder
 * holding `face_landmark_68_model-weights_manifest.json` and its `.bin`, or the manifest) or by default from
 * the installed `@vladmandic/face-api` package's `model/` folder. Node only.
 */
export async function loadFaceLandmark68Net(path?: string, options: FaceLandmarkNetOptions = {}): Promise<tfl.LayersModel> {
  return buildWithWeights(readFaceApiWeights(FACE_LANDMARK_MODEL, path), () => faceLandmark68Net(options), setFaceLandmarkWeights);
}
