import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ShapeMismatchError, fileSystem, mulberry32, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerFaceTrainingLayers } from './layers.js';
import { makeSiamesePairs, siameseHead, trainSiameseHead } from './siamese-head.js';
import { gaussian } from './test-support/triplet-reference.js';

let dir: string;
beforeAll(async () => {
  await ready({ backend: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'cnn-face-siamese-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `people` clusters in `dims` dimensions, `per` noisy points each: a separable verification problem. */
function clusters(seed: number, people: number, per: number, dims: number, noise: number): { x: number[][]; labels: number[] } {
  const g = gaussian(mulberry32(seed));
  const centers = Array.from({ length: people }, () => Array.from({ length: dims }, () => g()));
  const x: number[][] = [];
  const labels: number[] = [];
  for (let p = 0; p < people; p++) for (let k = 0; k < per; k++) {
    x.push(centers[p]!.map((c) => c + noise * g()));
    labels.push(p);
  }
  return { x, labels };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('siameseHead', () => {
  it("computes σ(Σ w·|f1 − f2| (+ w·f1f2 + w·χ²) + b), checked against a plain loop, symmetric in the pair", () => {
    const g = gaussian(mulberry32(3));
    const f1 = Array.from({ length: 5 }, () => Array.from({ length: 6 }, () => g()));
    const f2 = Array.from({ length: 5 }, () => Array.from({ length: 6 }, () => g()));
    for (const features of [['abs-diff'], ['abs-diff', 'product', 'chi2']] as const) {
      const head = siameseHead(6, { features: [...features], seed: 4 });
      expect(head.outputs[0]!.shape).toEqual([null, 1]);
      const [kernel, bias] = head.getLayer('same_person').getWeights().map((w) => Array.from(w.dataSync()));
      expect(kernel!.length).toBe(6 * features.length);
      const a = tf.tensor2d(f1);
      const b = tf.tensor2d(f2);
      const p = head.predict([a, b]) as tf.Tensor;
      const q = head.predict([b, a]) as tf.Tensor;
      const got = Array.from(p.dataSync());
      for (let r = 0; r < 5; r++) {
        let z = bias![0]!;
        features.forEach((f, fi) => {
          for (let k = 0; k < 6; k++) {
            const u = f1[r]![k]!;
            const v = f2[r]![k]!;
            const feat = f === 'abs-diff' ? Math.abs(u - v) : f === 'product' ? u * v : (u - v) ** 2 / (Math.abs(u) + Math.abs(v) + 1e-7);
            z += kernel![fi * 6 + k]! * feat;
          }
        });
        expect(got[r]).toBeCloseTo(sigmoid(z), 5);
      }
      expect(Array.from(q.dataSync()).map((v) => v.toFixed(5))).toEqual(got.map((v) => v.toFixed(5)));
      tf.dispose([a, b, p, q]);
      head.dispose();
    }
  });

  it('is seeded, saves and loads with its PairFeatures layer', async () => {
    registerFaceTrainingLayers();
    const h1 = siameseHead(4, { features: ['abs-diff', 'chi2'], seed: 9 });
    const h2 = siameseHead(4, { features: ['abs-diff', 'chi2'], seed: 9 });
    const w = (h: tfl.LayersModel) => h.getWeights().map((t) => Array.from(t.dataSync()));
    expect(w(h1)).toEqual(w(h2));
    await h1.save(fileSystem(join(dir, 'head')));
    const back = await tfl.loadLayersModel(fileSystem(join(dir, 'head')));
    const a = tf.tensor2d([[1, 2, 3, 4]]);
    const b = tf.tensor2d([[0, 2, 5, -1]]);
    const p1 = h1.predict([a, b]) as tf.Tensor;
    const p2 = back.predict([a, b]) as tf.Tensor;
    expect(p2.dataSync()[0]).toBeCloseTo(p1.dataSync()[0]!, 6);
    tf.dispose([a, b, p1, p2]);
    [h1, h2, back].forEach((m) => m.dispose());
  });

  it('refuses bad arguments', () => {
    expect(() => siameseHead(0)).toThrow(InvalidArgumentError);
    expect(() => siameseHead(4, { features: ['l1' as never] })).toThrow(/abs-diff/);
    expect(() => siameseHead(4, { features: [] })).toThrow(InvalidArgumentError);
    expect(() => siameseHead(4, { features: ['chi2', 'chi2'] })).toThrow(/distinct/);
  });
});

describe('makeSiamesePairs', () => {
  it('lists every positive pair once and as many seeded negatives', () => {
    const labels = [1, 1, 1, 2, 2, 3];
    const p = makeSiamesePairs(labels, { seed: 2 });
    const pos = p.first.map((f, i) => [f, p.second[i]!, p.same[i]!] as const).filter((t) => t[2] === 1);
    const neg = p.first.map((f, i) => [f, p.second[i]!, p.same[i]!] as const).filter((t) => t[2] === 0);
    expect(pos.map(([a, b]) => `${a}-${b}`).sort()).toEqual(['0-1', '0-2', '1-2', '3-4']);
    expect(neg.length).toBe(4);
    for (const [a, b] of neg) expect(labels[a]).not.toBe(labels[b]);
    expect(makeSiamesePairs(labels, { seed: 2 })).toEqual(p);
    expect(makeSiamesePairs(labels, { negativesPerPositive: 3 }).same.filter((s) => s === 0).length).toBe(12);
    expect(() => makeSiamesePairs([1, 2, 3])).toThrow(/positive pair/);
  });
});

describe('trainSiameseHead', () => {
  it('learns a separable toy problem from embeddings (held-out pairs > 95% right), without leaking', async () => {
    const train = clusters(11, 8, 6, 8, 0.25);
    const test = clusters(11, 8, 12, 8, 0.25); // same people (same centers), new points
    const head = siameseHead(8, { seed: 1 });
    const x = tf.tensor2d(train.x);
    const xt = tf.tensor2d(test.x);
    const accuracyOn = (pairs: ReturnType<typeof makeSiamesePairs>) =>
      tf.tidy(() => {
        const p = (head.predict([tf.gather(xt, pairs.first), tf.gather(xt, pairs.second)]) as tf.Tensor).dataSync();
        return pairs.same.filter((s, i) => (p[i]! > 0.5 ? 1 : 0) === s).length / pairs.same.length;
      });
    const heldOut = makeSiamesePairs(test.labels, { seed: 5 });
    const before = accuracyOn(heldOut);
    const pairs = makeSiamesePairs(train.labels, { seed: 3 });
    const epochs: number[] = [];
    const history = await expectNoLeaks(() => trainSiameseHead(head, { inputs: x, ...pairs }, { epochs: 40, seed: 1, onEpoch: (e) => void epochs.push(e.epoch) }));
    expect(epochs.length).toBe(40);
    expect(history.loss[39]!).toBeLessThan(history.loss[0]! * 0.5);
    expect(history.accuracy[39]!).toBeGreaterThan(0.95);
    const after = accuracyOn(heldOut);
    expect(after).toBeGreaterThan(0.95);
    expect(after).toBeGreaterThan(before + 0.2);
    // the learned weights on |f1 − f2| are negative: a larger difference means "not the same person"
    const kernel = Array.from(head.getLayer('same_person').getWeights()[0]!.dataSync());
    expect(kernel.filter((v) => v < 0).length).toBeGreaterThan(kernel.length / 2);
    tf.dispose([x, xt]);
    head.dispose();
  });

  it('trains end to end through a shared embedding net on raw inputs, and stops on an AbortSignal', async () => {
    // identity lives in 4 of 12 input dimensions; the other 8 carry large noise the net must learn to ignore
    const g = gaussian(mulberry32(21));
    const centers = Array.from({ length: 6 }, () => Array.from({ length: 4 }, () => 2 * g()));
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let p = 0; p < 6; p++) for (let k = 0; k < 8; k++) {
      rows.push([...centers[p]!.map((c) => c + 0.2 * g()), ...Array.from({ length: 8 }, () => 3 * g())]);
      labels.push(p);
    }
    const inp = tfl.input({ shape: [12] });
    const out = tfl.layers.dense({ units: 6, kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) }).apply(inp) as tfl.SymbolicTensor;
    const net = tfl.model({ inputs: inp, outputs: out });
    const head = siameseHead(6, { seed: 2 });
    const x = tf.tensor2d(rows);
    const netBefore = net.getWeights().map((w) => Array.from(w.dataSync()));
    const pairs = makeSiamesePairs(labels, { seed: 4 });
    const history = await expectNoLeaks(() => trainSiameseHead(head, { inputs: x, ...pairs }, { embeddingNet: net, epochs: 60, learningRate: 1e-2, seed: 2 }));
    expect(history.accuracy.at(-1)!).toBeGreaterThan(0.9);
    // the same run with the net frozen (only the head learns) stays far below: the net's training mattered
    const inp2 = tfl.input({ shape: [12] });
    const frozen = tfl.model({ inputs: inp2, outputs: tfl.layers.dense({ units: 6, kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) }).apply(inp2) as tfl.SymbolicTensor });
    frozen.trainable = false;
    const head2 = siameseHead(6, { seed: 2 });
    const headOnly = await trainSiameseHead(head2, { inputs: x, ...pairs }, { embeddingNet: frozen, epochs: 60, learningRate: 1e-2, seed: 2 });
    expect(headOnly.accuracy.at(-1)!).toBeLessThan(0.8); // measured 0.67
    frozen.dispose();
    head2.dispose();
    expect(net.getWeights().map((w) => Array.from(w.dataSync()))).not.toEqual(netBefore);
    const controller = new AbortController();
    controller.abort();
    const stopped = await trainSiameseHead(head, { inputs: x, ...pairs }, { embeddingNet: net, epochs: 3, signal: controller.signal });
    expect(stopped.aborted).toBe(true);
    expect(stopped.epochs.length).toBe(0);
    x.dispose();
    net.dispose();
    head.dispose();
  });

  it('checks its data', async () => {
    const head = siameseHead(3);
    const x = tf.zeros([4, 3]);
    await expect(trainSiameseHead(head, { inputs: x, first: [0], second: [9], same: [1] })).rejects.toThrow(/data.second\[0\]/);
    await expect(trainSiameseHead(head, { inputs: x, first: [0], second: [1], same: [2] })).rejects.toThrow(/0 or 1/);
    await expect(trainSiameseHead(head, { inputs: tf.zeros([4, 5]), first: [0], second: [1], same: [1] })).rejects.toThrow(ShapeMismatchError);
    await expect(trainSiameseHead(head, { inputs: x, first: [], second: [], same: [] })).rejects.toThrow(InvalidArgumentError);
    x.dispose();
    head.dispose();
  });
});
