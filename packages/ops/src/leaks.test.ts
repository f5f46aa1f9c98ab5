/** Public functions that hold no tensors still must not create stray ones. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { backendInfo, describeBackend, ready } from './backend/backend.js';
import { convertBoxes, giou, iou, pairwiseIou } from './boxes/index.js';
import { convOutputShape, convOutputSize, poolOutputShape, samePadding } from './conv/index.js';
import { fileSystem } from './io/index.js';
import { expectNoLeaks } from './testing/index.js';

describe('no stray tensors from tensor-free public functions', () => {
  beforeAll(async () => {
    await ready();
  });

  it('backend, shape math, array box ops and model save/load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cnn-leak-'));
    await expectNoLeaks(async () => {
      await ready();
      await ready({ backend: 'cpu' });
      await ready({ backend: 'wasm' });
      describeBackend(backendInfo());
      convOutputSize(10, 3, { stride: 2, padding: 'same' });
      convOutputShape([1, 8, 8, 3], [3, 3, 3, 4]);
      poolOutputShape([8, 8, 3], 2);
      samePadding(7, 3, 2);
      iou([0, 0, 1, 1], [0, 0, 2, 2]);
      giou([0, 0, 1, 1], [2, 2, 3, 3]);
      pairwiseIou([[0, 0, 1, 1]], [[0, 0, 2, 2]]);
      convertBoxes([[0, 0, 1, 1]], { from: 'xyxy', to: 'cxcywh' });
      await fileSystem(join(dir, 'm')).save({ modelTopology: {}, weightSpecs: [{ name: 'w', shape: [2], dtype: 'float32' }], weightData: new Float32Array([1, 2]).buffer });
      await fileSystem(join(dir, 'm')).load();
    });
  });
});
