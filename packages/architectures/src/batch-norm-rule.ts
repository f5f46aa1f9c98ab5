/**
 * The Keras rule for frozen batch normalization (Keras >= 2.1.3, the transfer-learning guide): a
 * BatchNormalization layer with `trainable = false` runs in inference mode — it normalizes with its moving
 * mean and variance and never updates them — even when the model is called with `training: true`.
 *
 * tfjs-layers 4.22 does not do this: its BatchNormalization.call looks only at the `training` flag, so a
 * frozen BN layer inside `fit()` (or `apply(x, { training: true })`, as custom training loops do) still
 * normalizes with the batch's own statistics and overwrites its moving averages (`normalization.js`, `call`;
 * shown by the test "tfjs-layers alone updates frozen BN statistics"). Fine-tuning a pretrained backbone then
 * destroys the statistics learned on ImageNet after a few small batches.
 *
 * `applyKerasBatchNormRule(model)` installs the rule on every BN layer of a model (nested models included)
 * by wrapping the layer instance's `call`: when the layer is frozen, `training` becomes false. The check runs
 * at every call, so freezing and unfreezing later (`layer.trainable = x`, `model.trainable = x`) take effect
 * without re-installing. Serialization is untouched (`getConfig` is the stock one), so a saved model loads in
 * plain tfjs; a loaded model needs the rule installed again before training.
 */
import * as tfl from '@tensorflow/tfjs-layers';

// The key @cnn/transfer used when the rule lived there: a layer patched by either copy is not wrapped twice.
const RULE = Symbol.for('@cnn/transfer.kerasBatchNormRule');

type Kwargs = Record<string, unknown>;
type Callable = { call(inputs: unknown, kwargs: Kwargs): unknown };
type LayerClass = abstract new (...args: never[]) => tfl.layers.Layer;

/** The BatchNormalization class of the tfjs-layers copy in use (it is not exported by name). */
let bnClass: LayerClass | undefined;
function batchNormClass(): LayerClass {
  bnClass ??= Object.getPrototypeOf(tfl.layers.batchNormalization({})).constructor as LayerClass;
  return bnClass;
}

/** True for tfjs-layers BatchNormalization layers (and subclasses or patched instances of it). */
export function isBatchNormalization(layer: unknown): layer is tfl.layers.Layer {
  return layer instanceof batchNormClass() || (layer instanceof tfl.layers.Layer && layer.getClassName() === 'BatchNormalization');
}

/** Every layer of a model, nested models walked into (the containers themselves included), each once. */
export function allLayers(model: tfl.LayersModel | tfl.layers.Layer, out: tfl.layers.Layer[] = [], seen = new Set<tfl.layers.Layer>()): tfl.layers.Layer[] {
  const sub = (model as unknown as { layers?: tfl.layers.Layer[] }).layers;
  if (!Array.isArray(sub)) return out;
  for (const layer of sub) {
    if (seen.has(layer)) continue;
    seen.add(layer);
    out.push(layer);
    allLayers(layer, out, seen);
  }
  return out;
}

/**
 * Frozen in the Keras sense: `trainable` is false, or (for a layer inside a nested model frozen with
 * `model.trainable = false`, which tfjs-layers applies to the weights only) none of its weights is trainable.
 */
export function isFrozen(layer: tfl.layers.Layer): boolean {
  if (!layer.trainable) return true;
  const own = (layer as unknown as { _trainableWeights?: tfl.LayerVariable[] })._trainableWeights ?? [];
  return own.length > 0 && own.every((w) => !w.trainable);
}

/** Whether the rule is installed on `layer`. */
export function hasKerasBatchNormRule(layer: tfl.layers.Layer): boolean {
  return (layer as unknown as Record<symbol, unknown>)[RULE] === true;
}

/**
 * Installs the Keras frozen-BN rule on every BatchNormalization layer of `model` (idempotent). Returns the
 * number of BN layers that carry it.
 *
 *     for (const layer of backbone.layers) layer.trainable = false;
 *     applyKerasBatchNormRule(model); // the backbone's BN layers now keep their moving statistics in training
 */
export function applyKerasBatchNormRule(model: tfl.LayersModel): number {
  let count = 0;
  for (const layer of allLayers(model)) {
    if (!isBatchNormalization(layer)) continue;
    count++;
    if (hasKerasBatchNormRule(layer)) continue;
    const target = layer as unknown as Callable & Record<symbol, unknown>;
    const call = target.call.bind(layer);
    target.call = (inputs: unknown, kwargs: Kwargs) => call(inputs, kwargs?.['training'] && isFrozen(layer) ? { ...kwargs, training: false } : kwargs);
    target[RULE] = true;
  }
  return count;
}
