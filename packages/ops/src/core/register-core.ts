/**
 * Makes the Node build of tfjs-core behave like the browser/umbrella build: every gradient registered
 * (so `tf.grad` works for every op we train through) and chained ops (`t.sum()`) installed.
 * Registration is idempotent: gradients that are already registered (for example because the
 * application also imports `@tensorflow/tfjs`) are left alone, so no "overriding gradient" warnings.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import { coreGradConfigs } from './core-gradients.js';

let registered = false;

/** Registers tfjs-core's gradient configs that are not registered yet. Safe to call many times. */
export function registerCoreGradients(): number {
  let added = 0;
  for (const config of coreGradConfigs) {
    if (tf.getGradient(config.kernelName) == null) {
      tf.registerGradient(config);
      added++;
    }
  }
  registered = true;
  return added;
}

/** True once `registerCoreGradients` has run in this process. */
export function coreGradientsRegistered(): boolean {
  return registered;
}

registerCoreGradients();
