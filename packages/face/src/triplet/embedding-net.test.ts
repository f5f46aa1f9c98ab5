import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, fileSystem, mulberry32, ready } from '@cnn/ops';
import { expectNoLeaks, serveFolder } from '@cnn/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeEmbeddings, createEmbeddingNet, embeddingNetInput, loadEmbeddingNet } from './embedding-net.js';
import { L2Normalization } from './layers.js';
import { gaussian } from './test-support/triplet-reference.js';

let dir: string;
beforeAll(async () => {
  await ready({ backend: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'cnn-face-embedding-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const small = { inputShape: [24, 20, 1] as [number, number, number], embeddingSize: 8, filters: [4, 8], stemStride: 1 as const, seed: 3 };
const weightsOf = (m: tfl.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

function pictures(seed: number, n: number, h: number, w: number): tf.Tensor4D {
  const r = mulberry32(seed);
  return tf.tensor4d(Array.from({ length: n * h * w }, () => Math.floor(r() * 256)), [n, h, w, 1]);
}

describe('L2Normalization', () => {
  it('divides each row by its L2 norm (plain-loop check), leaves a zero row at zero', () => {
    const g = gaussian(mulberry32(1));
    const rows = [Array.from({ length: 5 }, () => 3 * g()), [0, 0, 0, 0, 0], [3, 4, 0, 0, 0]];
    const x = tf.tensor2d(rows);
    const y = new L2Normalization().apply(x) as tf.Tensor;
    const got = y.arraySync() as number[][];
    rows.forEach((row, i) => {
      const norm = Math.sqrt(row.reduce((s, v) => s + v * v, 0));
      row.forEach((v, k) => expect(got[i]![k]).toBeCloseTo(norm > 0 ? v / norm : 0, 6));
    });
    expect(got[2]).toEqual([0.6000000238418579, 0.800000011920929, 0, 0, 0]);
    tf.dispose([x, y]);
  });
});

describe('createEmbeddingNet', () => {
  it('a ResNet of basic blocks ending in dense + L2 normalization, seeded', () => {
    const net = createEmbeddingNet(small);
    expect(net.inputs[0]!.shape).toEqual([null, 24, 20, 1]);
    expect(net.outputs[0]!.shape).toEqual([null, 8]);
    const names = net.layers.map((l) => l.name);
    expect(names).toContain('conv2_block1_1_conv'); // @cnn/architectures' basicBlock
    expect(names).toContain('conv3_block1_0_conv'); // strided shortcut of the second stage
    expect(names.slice(-3)).toEqual(['avg_pool', 'embedding', 'l2_normalize']);
    expect(embeddingNetInput(net)).toEqual({ height: 24, width: 20, channels: 1 });
    const again = createEmbeddingNet(small);
    const other = createEmbeddingNet({ ...small, seed: 4 });
    expect(weightsOf(again)).toEqual(weightsOf(net));
    expect(weightsOf(other)).not.toEqual(weightsOf(net));
    // kernels keep tfjs-layers' Glorot-normal scale: std ≈ sqrt(2 / (fanIn + fanOut)) (truncated at 2σ: ×0.88)
    const k = net.getLayer('conv2_block1_1_conv').getWeights()[0]!;
    const v = Array.from(k.dataSync());
    const std = Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    const expected = Math.sqrt(2 / (9 * 4 + 9 * 4)) * 0.88;
    expect(std).toBeGreaterThan(expected * 0.8);
    expect(std).toBeLessThan(expected * 1.2);
    [net, again, other].forEach((m) => m.dispose());
  });

  it('outputs unit vectors; normalize: false leaves them raw', async () => {
    const net = createEmbeddingNet(small);
    const raw = createEmbeddingNet({ ...small, normalize: false });
    const x = pictures(2, 5, 24, 20);
    const e = await expectNoLeaks(() => computeEmbeddings(net, x, { batchSize: 2 }));
    expect(e.length).toBe(5);
    for (const v of e) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    const r = await computeEmbeddings(raw, x);
    // same weights up to the last layer: the normalized output is the raw one scaled
    for (let i = 0; i < 5; i++) {
      const n = Math.hypot(...r[i]!);
      r[i]!.forEach((v, k) => expect(e[i]![k]).toBeCloseTo(v / n, 5));
    }
    // computeEmbeddings = predict, batch by batch
    const p = net.predict(x) as tf.Tensor2D;
    const whole = p.arraySync();
    whole.forEach((row, i) => row.forEach((v, k) => expect(e[i]![k]).toBeCloseTo(v, 5)));
    tf.dispose([x, p]);
    net.dispose();
    raw.dispose();
  });

  it('saves in tfjs layers format and loads back with the same embeddings', async () => {
    const net = createEmbeddingNet(small);
    const x = pictures(5, 3, 24, 20);
    const before = await computeEmbeddings(net, x);
    await net.save(fileSystem(join(dir, 'net')));
    const back = await loadEmbeddingNet(join(dir, 'net'));
    const after = await computeEmbeddings(back, x);
    after.forEach((row, i) => row.forEach((v, k) => expect(v).toBeCloseTo(before[i]![k]!, 6)));
    // The same folder by URL (a web page's way), with its custom L2 normalization layer.
    const served = await serveFolder(dir);
    try {
      const tensors = tf.memory().numTensors;
      const fetched = await loadEmbeddingNet(`${served.url}net/`);
      expect(await computeEmbeddings(fetched, x)).toEqual(after);
      fetched.dispose();
      expect(tf.memory().numTensors).toBe(tensors);
    } finally {
      await served.close();
    }
    x.dispose();
    net.dispose();
    back.dispose();
  });

  it('refuses bad options and pictures of the wrong size', async () => {
    expect(() => createEmbeddingNet({ embeddingSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => createEmbeddingNet({ inputShape: [24, 20] as never })).toThrow(/inputShape/);
    expect(() => createEmbeddingNet({ filters: [4, 8], blocks: [1] })).toThrow(/blocks/);
    expect(() => createEmbeddingNet({ inputShape: [12, 12, 1], filters: [4, 8, 16] })).toThrow(/>= 16/);
    expect(() => createEmbeddingNet({ stemStride: 3 as never })).toThrow(/1 or 2/);
    const net = createEmbeddingNet(small);
    const x = tf.zeros([1, 20, 24, 1]) as tf.Tensor4D;
    await expect(computeEmbeddings(net, x)).rejects.toThrow(/24, 20, 1/);
    x.dispose();
    net.dispose();
  });
});
