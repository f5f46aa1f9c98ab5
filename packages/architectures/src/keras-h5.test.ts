import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import h5wasm from 'h5wasm/node';
import { FileNotFoundError, ready, WeightsMismatchError } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { readKerasH5Weights, saveKerasH5Weights } from './keras-h5.js';
import { lenet5 } from './lenet.js';
import { loadWeightsByName } from './weights.js';

let dir: string;
beforeAll(async () => {
  await ready();
  await h5wasm.ready;
  dir = await mkdtemp(join(tmpdir(), 'keras-h5-'));
});

/** Writes a Keras-layout .h5 by hand (independently of saveKerasH5Weights): deterministic values per weight. */
function writeKerasFile(path: string, model: ReturnType<typeof lenet5>, fullModel: boolean): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  const f = new h5wasm.File(path, 'w');
  const root = fullModel ? f.create_group('model_weights') : f;
  if (fullModel) f.create_attribute('model_config', '{"class_name": "Functional"}');
  root.create_attribute('layer_names', model.layers.map((l) => l.name));
  for (const layer of model.layers) {
    const g = root.create_group(layer.name);
    const names = layer.weights.map((w) => `${w.originalName}:0`);
    if (names.length) g.create_attribute('weight_names', names);
    else g.create_attribute('weight_names', [], [0], '|S1');
    layer.weights.forEach((w, i) => {
      const size = w.shape.reduce((a, b) => a! * b!, 1)!;
      const data = Float32Array.from({ length: size }, (_, k) => Math.sin(k + i + layer.name.length));
      values.set(w.originalName, data);
      const sub = (g.get(layer.name) as InstanceType<typeof h5wasm.Group> | null) ?? g.create_group(layer.name);
      sub.create_dataset({ name: names[i]!.split('/')[1]!, data, shape: w.shape as number[] });
    });
  }
  f.close();
  return values;
}

describe('Keras .h5 weights', () => {
  it.each([false, true])('loads a Keras-layout file by name (full model file: %s)', async (fullModel) => {
    const model = lenet5();
    const path = join(dir, `lenet-${fullModel ? 'model' : 'weights'}.h5`);
    const values = writeKerasFile(path, model, fullModel);
    const { assigned, unused } = await loadWeightsByName(model, path);
    expect(assigned).toBe(10);
    expect(unused).toEqual([]);
    for (const w of model.weights) expect(Array.from(w.read().dataSync())).toEqual(Array.from(values.get(w.originalName)!));
    model.dispose();
  });

  it('save -> load round-trips exactly (same predictions); no leaks', async () => {
    const a = lenet5();
    const path = join(dir, 'roundtrip.h5');
    await saveKerasH5Weights(a, path);
    const b = lenet5();
    await loadWeightsByName(b, path);
    const x = tf.randomNormal([2, 32, 32, 1], 0, 1, 'float32', 9);
    const [pa, pb] = [a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor];
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(pa, pb))).dataSync()[0])).toBe(0);
    const named = await expectNoLeaks(() => readKerasH5Weights(path), { allowReturned: true });
    expect(Object.keys(named).sort()).toEqual(a.weights.map((w) => w.originalName).sort());
    tf.dispose([x, pa, pb, ...Object.values(named)]);
    a.dispose();
    b.dispose();
  });

  it('errors: missing file, not a Keras file, shape mismatch naming the weight', async () => {
    await expect(readKerasH5Weights(join(dir, 'nope.h5'))).rejects.toThrow(FileNotFoundError);
    const plain = new h5wasm.File(join(dir, 'plain.h5'), 'w');
    plain.create_dataset({ name: 'x', data: new Float32Array([1]) });
    plain.close();
    await expect(readKerasH5Weights(join(dir, 'plain.h5'))).rejects.toThrow(/not a Keras weights file/);
    const ten = lenet5();
    await saveKerasH5Weights(ten, join(dir, 'ten.h5'));
    const five = lenet5({ classes: 5 });
    await expect(loadWeightsByName(five, join(dir, 'ten.h5'))).rejects.toThrow(/predictions\/kernel: model \[84,5\] vs stored \[84,10\]/);
    await expect(loadWeightsByName(five, join(dir, 'ten.h5'))).rejects.toBeInstanceOf(WeightsMismatchError);
    ten.dispose();
    five.dispose();
  });
});
