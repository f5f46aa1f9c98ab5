/**
 * A pretrained classifier as a detection backbone at another input size. Fully convolutional layers do not
 * depend on the picture size, so a plain chain of layers (each fed by the one before, as Darknet's and
 * VGG-style classifiers are) can be applied again to a new input, sharing its weights, and cut at a
 * feature layer before the classifier (global pooling, dense).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ShapeMismatchError, describeValue } from '@cnn/ops';

export interface ChainBackboneOptions {
  /** [height, width] of the new input (3 channels). */
  inputSize: readonly [number, number];
  /** Name of the last layer kept (its output is the feature map). */
  featureLayer: string;
  /** Name of the new model (default `${model.name}_backbone`). */
  name?: string;
}

/**
 * Re-applies the layers of a single-chain model up to `featureLayer` to a new input. The result shares the
 * layers (and weights) of `model`: freeze them with `layer.trainable = false`, and keep `model` alive.
 *
 *     const darknet = await tfl.loadLayersModel(fileSystem('weights/darknet-tiny-imagenet'));
 *     const backbone = chainBackbone(darknet, { inputSize: [160, 160], featureLayer: 'leaky_re_lu_14' }); // [null, 10, 10, 512]
 */
export function chainBackbone(model: tfl.LayersModel, options: ChainBackboneOptions): tfl.LayersModel {
  if (!(model instanceof tfl.LayersModel)) throw new InvalidArgumentError('model', 'a tfjs-layers model', describeValue(model));
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', '{ inputSize, featureLayer }', describeValue(options));
  const size = options.inputSize;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v > 0)) {
    throw new InvalidArgumentError('options.inputSize', '[height, width], positive integers', describeValue(size));
  }
  const names = model.layers.map((l) => l.name);
  const end = names.indexOf(options.featureLayer);
  if (end < 0) throw new InvalidArgumentError('options.featureLayer', `the name of a layer of '${model.name}'`, JSON.stringify(options.featureLayer), `Last layers: ${names.slice(-6).join(', ')}.`);
  const channels = model.inputs[0]?.shape[3];
  if (channels !== 3) throw new ShapeMismatchError('model', `its input must have 3 channels, got [${model.inputs[0]?.shape.join(', ')}].`);
  const input = tfl.input({ shape: [size[0], size[1], 3], name: `${options.name ?? `${model.name}_backbone`}_input` });
  let x = input;
  let previous = model.layers[0]!;
  for (const layer of model.layers.slice(1, end + 1)) {
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (inbound.length !== 1 || inbound[0] !== previous) {
      throw new ShapeMismatchError('model', `'${model.name}' is not a single chain of layers: '${layer.name}' is not fed by '${previous.name}' alone. Use yoloHead's featureLayer on a model built at the size you need.`);
    }
    x = layer.apply(x) as tfl.SymbolicTensor;
    previous = layer;
  }
  return tfl.model({ inputs: input, outputs: x, name: options.name ?? `${model.name}_backbone` });
}
