/**
 * face-api's forward passes written again in plain tfjs-core from its source (@vladmandic/face-api 1.7.15
 * `src/faceRecognitionNet/*.ts`, `src/faceFeatureExtractor/denseBlock.ts`, `src/faceProcessor/FaceProcessor.ts`,
 * `src/ops/padToSquare.ts`, `src/ops/normalize.ts`, `src/dom/NetInput.ts`), on face-api's own named weights
 * (scale unfolded), independently of our layers models. Test support only.
 */
import * as tf from '@tensorflow/tfjs-core';

type W = tf.NamedTensorMap;
const w = (weights: W, name: string): tf.Tensor => {
  const t = weights[name];
  if (!t) throw new Error(`reference: no weight ${name}`);
  return t;
};

// ---- src/ops/padToSquare.ts, src/ops/normalize.ts, src/dom/NetInput.ts (tensor branch)

export function padToSquare(imgTensor: tf.Tensor4D, isCenterImage = false): tf.Tensor4D {
  return tf.tidy(() => {
    const [height, width] = imgTensor.shape.slice(1) as [number, number];
    if (height === width) return imgTensor;
    const dimDiff = Math.abs(height - width);
    const paddingAmount = Math.round(dimDiff * (isCenterImage ? 0.5 : 1));
    const paddingAxis = height > width ? 2 : 1;
    const createPaddingTensor = (amount: number): tf.Tensor => {
      const shape = imgTensor.shape.slice();
      shape[paddingAxis] = amount;
      return tf.fill(shape, 0, 'float32');
    };
    const append = createPaddingTensor(paddingAmount);
    const remaining = dimDiff - (append.shape[paddingAxis] as number);
    const prepend = isCenterImage && remaining ? createPaddingTensor(remaining) : null;
    const parts = [prepend, imgTensor, append].filter((t): t is tf.Tensor => !!t).map((t) => tf.cast(t, 'float32')) as tf.Tensor4D[];
    return tf.concat(parts, paddingAxis);
  });
}

export function normalize(x: tf.Tensor4D, meanRgb: number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const [r, g, b] = meanRgb as [number, number, number];
    const shape = [...x.shape.slice(0, 3), 1];
    const avg = tf.concat([tf.fill(shape, r, 'float32'), tf.fill(shape, g, 'float32'), tf.fill(shape, b, 'float32')], 3);
    return tf.sub(x, avg);
  });
}

/** NetInput.toBatchTensor(inputSize, isCenterInputs) for RGB Tensor3D inputs. */
export function toBatchTensor(inputs: tf.Tensor3D[], inputSize: number, isCenterInputs = true): tf.Tensor4D {
  return tf.tidy(() => {
    const tensors = inputs.map((input) => {
      let img = padToSquare(tf.expandDims(input) as tf.Tensor4D, isCenterInputs);
      if (img.shape[1] !== inputSize || img.shape[2] !== inputSize) img = tf.image.resizeBilinear(img, [inputSize, inputSize], false, false);
      return tf.reshape(img, [inputSize, inputSize, 3]);
    });
    return tf.stack(tensors.map((t) => tf.cast(t, 'float32'))) as tf.Tensor4D;
  });
}

// ---- src/faceRecognitionNet: convLayer.ts, scaleLayer.ts, residualLayer.ts, FaceRecognitionNet.ts

function convLayer(x: tf.Tensor4D, weights: W, prefix: string, strides: [number, number], withRelu: boolean, padding: 'valid' | 'same' = 'same'): tf.Tensor4D {
  let out = tf.conv2d(x, w(weights, `${prefix}/conv/filters`) as tf.Tensor4D, strides, padding);
  out = tf.add(out, w(weights, `${prefix}/conv/bias`));
  out = tf.add(tf.mul(out, w(weights, `${prefix}/scale/weights`)), w(weights, `${prefix}/scale/biases`));
  return withRelu ? tf.relu(out) : out;
}

function residual(x: tf.Tensor4D, weights: W, prefix: string): tf.Tensor4D {
  let out = convLayer(x, weights, `${prefix}/conv1`, [1, 1], true);
  out = convLayer(out, weights, `${prefix}/conv2`, [1, 1], false);
  return tf.relu(tf.add(out, x)) as tf.Tensor4D;
}

function residualDown(x: tf.Tensor4D, weights: W, prefix: string): tf.Tensor4D {
  let out = convLayer(x, weights, `${prefix}/conv1`, [2, 2], true, 'valid');
  out = convLayer(out, weights, `${prefix}/conv2`, [1, 1], false);
  let pooled = tf.avgPool(x, 2, 2, 'valid') as tf.Tensor4D;
  const zeros = tf.zeros<tf.Rank.R4>(pooled.shape);
  const isPad = pooled.shape[3] !== out.shape[3];
  const isAdjustShape = pooled.shape[1] !== out.shape[1] || pooled.shape[2] !== out.shape[2];
  if (isAdjustShape) {
    const padShapeX = [...out.shape] as [number, number, number, number];
    padShapeX[1] = 1;
    out = tf.concat([out, tf.zeros<tf.Rank.R4>(padShapeX)], 1);
    const padShapeY = [...out.shape] as [number, number, number, number];
    padShapeY[2] = 1;
    out = tf.concat([out, tf.zeros<tf.Rank.R4>(padShapeY)], 2);
  }
  pooled = isPad ? tf.concat([pooled, zeros], 3) : pooled;
  return tf.relu(tf.add(pooled, out)) as tf.Tensor4D;
}

/** FaceRecognitionNet.forwardInput after the normalization: [N, 150, 150, 3] -> [N, 128]. */
export function recognitionForward(weights: W, normalized: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    let out = convLayer(normalized, weights, 'conv32_down', [2, 2], true, 'valid');
    out = tf.maxPool(out, 3, 2, 'valid');
    for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) out = residual(out, weights, p);
    out = residualDown(out, weights, 'conv64_down');
    for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) out = residual(out, weights, p);
    out = residualDown(out, weights, 'conv128_down');
    for (const p of ['conv128_1', 'conv128_2']) out = residual(out, weights, p);
    out = residualDown(out, weights, 'conv256_down');
    for (const p of ['conv256_1', 'conv256_2']) out = residual(out, weights, p);
    out = residualDown(out, weights, 'conv256_down_out');
    const globalAvg = tf.mean(out, [1, 2]) as tf.Tensor2D;
    return tf.matMul(globalAvg, w(weights, 'fc') as tf.Tensor2D);
  });
}

/** The whole FaceRecognitionNet.forward on RGB 0-255 crops, with face-api's divisor (the fork: 255). */
export function recognitionForwardImages(weights: W, faces: tf.Tensor3D[], divisor: number): tf.Tensor2D {
  return tf.tidy(() => {
    const batch = tf.cast(toBatchTensor(faces, 150, true), 'float32') as tf.Tensor4D;
    return recognitionForward(weights, tf.div(normalize(batch, [122.782, 117.001, 104.298]), divisor) as tf.Tensor4D);
  });
}

// ---- src/common/depthwiseSeparableConv.ts, src/faceFeatureExtractor/denseBlock.ts, FaceProcessor.runNet

function separable(x: tf.Tensor4D, weights: W, prefix: string, stride: [number, number]): tf.Tensor4D {
  const out = tf.separableConv2d(x, w(weights, `${prefix}/depthwise_filter`) as tf.Tensor4D, w(weights, `${prefix}/pointwise_filter`) as tf.Tensor4D, stride, 'same');
  return tf.add(out, w(weights, `${prefix}/bias`));
}

function denseBlock4(x: tf.Tensor4D, weights: W, prefix: string, isFirstLayer = false): tf.Tensor4D {
  const out1 = tf.relu(
    isFirstLayer
      ? tf.add(tf.conv2d(x, w(weights, `${prefix}/conv0/filters`) as tf.Tensor4D, [2, 2], 'same'), w(weights, `${prefix}/conv0/bias`))
      : separable(x, weights, `${prefix}/conv0`, [2, 2]),
  ) as tf.Tensor4D;
  const out2 = separable(out1, weights, `${prefix}/conv1`, [1, 1]);
  const in3 = tf.relu(tf.add(out1, out2)) as tf.Tensor4D;
  const out3 = separable(in3, weights, `${prefix}/conv2`, [1, 1]);
  const in4 = tf.relu(tf.add(out1, tf.add(out2, out3))) as tf.Tensor4D;
  const out4 = separable(in4, weights, `${prefix}/conv3`, [1, 1]);
  return tf.relu(tf.add(out1, tf.add(out2, tf.add(out3, out4)))) as tf.Tensor4D;
}

/** FaceLandmark68Net.runNet after the normalization: [N, 112, 112, 3] -> [N, 136]. */
export function landmarkForward(weights: W, normalized: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    let out = denseBlock4(normalized, weights, 'dense0', true);
    out = denseBlock4(out, weights, 'dense1');
    out = denseBlock4(out, weights, 'dense2');
    out = denseBlock4(out, weights, 'dense3');
    out = tf.avgPool(out, [7, 7], [2, 2], 'valid');
    const flat = tf.reshape(out, [out.shape[0], -1]) as tf.Tensor2D;
    return tf.add(tf.matMul(flat, w(weights, 'fc/weights') as tf.Tensor2D), w(weights, 'fc/bias')) as tf.Tensor2D;
  });
}

/** FaceLandmark68NetBase.postProcess + FaceLandmarks: net output -> points in crop pixels (shift added). */
export function landmarkPostProcess(output: Float32Array, width: number, height: number, shiftX = 0, shiftY = 0): { x: number; y: number }[] {
  const inputSize = 112;
  const scale = inputSize / Math.max(height, width);
  const dims = { width: width * scale, height: height * scale };
  const padX = dims.width < dims.height ? Math.abs(dims.width - dims.height) / 2 : 0;
  const padY = dims.height < dims.width ? Math.abs(dims.width - dims.height) / 2 : 0;
  const points: { x: number; y: number }[] = [];
  for (let i = 0; i < 68; i++) {
    const rx = (output[2 * i]! * inputSize - padX) / dims.width;
    const ry = (output[2 * i + 1]! * inputSize - padY) / dims.height;
    points.push({ x: rx * width + shiftX, y: ry * height + shiftY });
  }
  return points;
}
