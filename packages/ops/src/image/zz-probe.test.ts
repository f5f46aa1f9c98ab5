import { it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '../backend/backend.js';
it('probe', async () => {
  for (const b of ['cpu', 'wasm'] as const) {
    await ready({ backend: b });
    const x = tf.tensor3d([0, 10, 20, 30], [1, 4, 1], 'int32');
    const n = tf.image.resizeNearestNeighbor(x, [1, 2]);
    console.log('RES', b, n.dtype, JSON.stringify(Array.from(n.dataSync())));
  }
});
