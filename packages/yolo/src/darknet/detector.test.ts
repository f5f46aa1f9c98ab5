import * as tf from '@tensorflow/tfjs-core';
import { encodeImage, ready } from '@cnn/ops';
import { expectNoLeaks, expectTensorsClose } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDarknetCfg } from './cfg.js';
import { loadDarknetDetector, prepareDarknetInput } from './detector.js';
import { randomDarknetWeights } from './test-support/darknet-reference.js';

const CFG = `[net]
width=32
height=32
channels=3

[convolutional]
batch_normalize=1
filters=4
size=3
stride=2
pad=1
activation=leaky

[convolutional]
filters=14
size=1
activation=linear

[yolo]
mask=0,1
anchors=8,8, 16,24
classes=2
num=2
`;

const META = { inputSize: [32, 32] as [number, number], channels: 3, letterbox: false };

describe('prepareDarknetInput', () => {
  beforeAll(async () => {
    await ready({ backend: 'wasm' });
  });

  it("stretches with darknet's align-corners bilinear resize and scales to [0, 1]", async () => {
    const image = tf.tidy(() => tf.cast(tf.mul(tf.randomUniform([40, 64, 3], 0, 1, 'float32', 1), 255), 'int32') as tf.Tensor3D);
    const prepared = await expectNoLeaks(() => prepareDarknetInput(image, META), { allowReturned: true });
    expect(prepared.input.shape).toEqual([1, 32, 32, 3]);
    expect(prepared.imageSize).toEqual([40, 64]);
    expect(prepared.letterbox).toBeUndefined();
    // Aligned corners: the four corner pixels are copied exactly.
    const px = (t: tf.Tensor, y: number, x: number): number[] =>
      Array.from(tf.tidy(() => tf.slice(tf.reshape(t, [-1, t.shape[t.rank - 2]!, 3]), [y, x, 0], [1, 1, 3]).dataSync() as Float32Array | Int32Array));
    expectTensorsClose(px(prepared.input, 31, 31), px(image, 39, 63).map((v) => v / 255));
    expectTensorsClose(px(prepared.input, 0, 0), px(image, 0, 0).map((v) => v / 255));
    tf.dispose([image, prepared.input]);
  });

  it('letterboxes (darknet gray 0.5) when asked or when the cfg says letter_box=1', () => {
    const image = tf.fill([16, 32, 3], 255, 'int32') as tf.Tensor3D;
    const prepared = prepareDarknetInput(image, { ...META, letterbox: true });
    expect(prepared.letterbox).toMatchObject({ scale: 1, padX: 0, padY: 8, srcSize: [16, 32], dstSize: [32, 32] });
    const column = Array.from(tf.tidy(() => tf.slice(prepared.input, [0, 0, 0, 0], [1, 32, 1, 1]).dataSync()));
    expect(column.slice(0, 8)).toEqual(Array(8).fill(0.5));
    expect(column.slice(8, 24)).toEqual(Array(16).fill(1));
    tf.dispose([image, prepared.input]);
  });

  it('throws InvalidArgumentError for a wrong image', () => {
    const gray = tf.zeros([8, 8, 1]) as tf.Tensor3D;
    expect(() => prepareDarknetInput(gray, META)).toThrow(/'image': expected an \[H, W, 3\] image/);
    expect(() => prepareDarknetInput(tf.zeros([8, 8]) as unknown as tf.Tensor3D, META)).toThrow(/'image'/);
    gray.dispose();
  });
});

describe('loadDarknetDetector', () => {
  beforeAll(async () => {
    await ready({ backend: 'wasm' });
  });

  it('detects on tensors and encoded images, without leaking', async () => {
    const detector = await loadDarknetDetector({ cfg: CFG, weights: randomDarknetWeights(parseDarknetCfg(CFG), 3), labels: ['a', 'b'] });
    const image = tf.tidy(() => tf.cast(tf.mul(tf.randomUniform([48, 40, 3], 0, 1, 'float32', 2), 255), 'int32') as tf.Tensor3D);
    const found = await expectNoLeaks(() => detector.detect(image, { scoreThreshold: 0.05 }));
    for (const d of found) {
      expect(['a', 'b']).toContain(d.label);
      expect(d.box[2]).toBeLessThanOrEqual(40);
      expect(d.box[3]).toBeLessThanOrEqual(48);
    }
    const png = encodeImage(image, { format: 'png' });
    const fromBytes = await expectNoLeaks(() => detector.detect(png, { scoreThreshold: 0.05 }));
    expect(fromBytes.length).toBe(found.length);
    const boxed = await detector.detect(image, { letterbox: true, scoreThreshold: 0, maxDetections: 3 });
    expect(boxed.length).toBeLessThanOrEqual(3);
    image.dispose();
    detector.dispose();
  });

  it('checks labels against the classes and refuses cfgs without heads', async () => {
    const weights = randomDarknetWeights(parseDarknetCfg(CFG));
    const before = tf.memory().numTensors;
    await expect(loadDarknetDetector({ cfg: CFG, weights, labels: ['only one'] })).rejects.toThrow(/'options.labels': expected 2 class names/);
    const backbone = CFG.slice(0, CFG.indexOf('[yolo]'));
    await expect(loadDarknetDetector({ cfg: backbone, weights })).rejects.toThrow(/cfg without detection heads/);
    await expect(loadDarknetDetector({ cfg: CFG } as never)).rejects.toThrow(/'options.weights'/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
