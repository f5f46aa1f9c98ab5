import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChannelZeroPadding, channelZeroPadding, registerFaceLayers } from './layers.js';

describe('ChannelZeroPadding', () => {
  beforeAll(async () => {
    await ready({ backend: 'wasm' });
  });

  it('appends zero channels after the input channels', async () => {
    const layer = channelZeroPadding({ channels: 2 });
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 1, 2, 3]);
    const y = await expectNoLeaks(() => layer.apply(x) as tf.Tensor, { allowReturned: true });
    expect(y.shape).toEqual([1, 1, 2, 5]);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 0, 0, 4, 5, 6, 0, 0]);
    expect(layer.computeOutputShape([null, 7, 7, 32])).toEqual([null, 7, 7, 34]);
    expect(layer.countParams()).toBe(0);
    const same = new ChannelZeroPadding({ channels: 0 }).apply(x) as tf.Tensor;
    expect(Array.from(same.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    tf.dispose([x, y, same]);
  });

  it('serializes: a model using it saves and reloads', async () => {
    registerFaceLayers();
    const input = tfl.input({ shape: [3, 3, 2] });
    const out = channelZeroPadding({ channels: 3, name: 'pad' }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    expect(JSON.stringify(artifacts!.modelTopology)).toContain('"class_name":"ChannelZeroPadding"');
    const reloaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
    expect(reloaded.getLayer('pad').getConfig()['channels']).toBe(3);
    const x = tf.randomUniform([2, 3, 3, 2]);
    const [a, b] = [model.predict(x) as tf.Tensor, reloaded.predict(x) as tf.Tensor];
    expect(b.shape).toEqual([2, 3, 3, 5]);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    model.dispose();
    reloaded.dispose();
  });

  it('rejects a bad channel count with InvalidArgumentError', () => {
    expect(() => channelZeroPadding({ channels: -1 })).toThrow(InvalidArgumentError);
    expect(() => channelZeroPadding({ channels: 1.5 })).toThrow(/an integer >= 0/);
    expect(() => new ChannelZeroPadding(undefined as never)).toThrow(InvalidArgumentError);
  });
});
