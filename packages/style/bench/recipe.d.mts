// Types of recipe.mjs, so the TypeScript integration test shares the benches' set-up.
import type * as tf from '@tensorflow/tfjs-core';
import type { VggFeaturesOptions } from '../src/features.js';

export declare const BLOCKS_1_3: VggFeaturesOptions;
export declare const ACTIVATION_SCALE: number;
export declare function loadStylePair(size: number): Promise<{ content: tf.Tensor3D; style: tf.Tensor3D }>;
