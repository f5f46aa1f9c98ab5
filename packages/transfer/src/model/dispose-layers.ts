/**
 * Frees the weights of several tfjs-layers models that share layers (a source model, its truncated
 * backbone, a classifier on top, a head model). `LayersModel.dispose()` counts references per application
 * and throws on a second dispose of a shared layer, so each distinct variable is disposed once here instead.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { allLayers } from './batch-norm-rule.js';

export function disposeModels(models: ReadonlyArray<tfl.LayersModel | undefined>): void {
  const vars = new Set<tfl.LayerVariable>();
  for (const m of models) {
    if (!m) continue;
    for (const layer of allLayers(m)) for (const w of layer.weights) vars.add(w);
  }
  for (const v of vars) {
    if (!(v as unknown as { val: { isDisposed: boolean } }).val.isDisposed) v.dispose();
  }
}
