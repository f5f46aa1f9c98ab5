/**
 * LeNet-5 as the course draws it (LeCun et al. 1998): 32×32×1 -> conv 5×5, 6 -> avg pool 2 -> conv 5×5, 16
 * -> avg pool 2 -> flatten 400 -> fc 120 -> fc 84 -> softmax 10. About 60k parameters (61,706).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@cnn/ops';

export interface LeNet5Options {
  inputShape?: [number, number, number];
  classes?: number;
  /** The original used tanh/sigmoid; 'relu' is the modern choice (default 'tanh'). */
  activation?: 'tanh' | 'relu' | 'sigmoid';
}

export function lenet5(options: LeNet5Options = {}): tfl.LayersModel {
  const inputShape = options.inputShape ?? [32, 32, 1];
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || inputShape[0] < 28 || inputShape[1] < 28) {
    throw new InvalidArgumentError('options.inputShape', '[height >= 28, width >= 28, channels]', JSON.stringify(inputShape));
  }
  const classes = options.classes ?? 10;
  if (!Number.isInteger(classes) || classes < 1) throw new InvalidArgumentError('options.classes', 'a positive integer', String(classes));
  const activation = options.activation ?? 'tanh';
  const input = tfl.input({ shape: inputShape, name: 'input' });
  let x = tfl.layers.conv2d({ filters: 6, kernelSize: 5, activation, name: 'conv1' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.averagePooling2d({ poolSize: 2, strides: 2, name: 'pool1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 16, kernelSize: 5, activation, name: 'conv2' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.averagePooling2d({ poolSize: 2, strides: 2, name: 'pool2' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: 120, activation, name: 'fc1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: 84, activation, name: 'fc2' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: classes, activation: 'softmax', name: 'predictions' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x, name: 'lenet5' });
}
