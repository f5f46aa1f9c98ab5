import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, mulberry32 } from '@cnn/ops';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '@cnn/ops/testing';
import { describe, expect, it } from 'vitest';
import { gaussian, numericGradient, refDistance, refTripletLoss, type RefDistance, type RefMining } from './test-support/triplet-reference.js';
import { tripletLoss, tripletLossFromTriplets, tripletLossWithStats } from './triplet-loss.js';

function randomBatch(seed: number, rows: number, dims: number, normalize: boolean, scale = 1): number[][] {
  const g = gaussian(mulberry32(seed));
  return Array.from({ length: rows }, () => {
    const v = Array.from({ length: dims }, () => g() * scale);
    const n = Math.hypot(...v);
    return normalize ? v.map((x) => x / n) : v;
  });
}

// P×K batches (4 people × 3), an uneven one with a singleton identity, and one where a person's pictures sit
// far apart (many semi-hard fallbacks).
const LABELS_PK = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3];
const LABELS_UNEVEN = [5, 5, 7, 5, 9, 7, 7, 11, 9, 5];

const MODES: RefMining[] = ['batch-all', 'batch-hard', 'semi-hard'];
const DISTANCES: RefDistance[] = ['squared-l2', 'cosine'];

describeEachBackend('tripletLoss', () => {
  for (const mining of MODES) {
    for (const distance of DISTANCES) {
      it(`${mining}, ${distance}: value and mining counts equal the plain-loop reference on random batches`, async () => {
        for (const [seed, labels, normalize, margin] of [
          [1, LABELS_PK, true, 0.2],
          [2, LABELS_PK, false, 0.5],
          [3, LABELS_UNEVEN, true, 0.3],
          [4, LABELS_UNEVEN, false, 1.0],
        ] as const) {
          const x = randomBatch(seed, labels.length, 6, normalize, 0.7);
          const ref = refTripletLoss(x, labels, margin, distance, mining);
          const e = tf.tensor2d(x);
          const { loss, stats } = await expectNoLeaks(() => tripletLossWithStats(e, [...labels], { margin, distance, mining }), { allowReturned: true });
          expect(loss.shape).toEqual([]);
          expectTensorsClose(loss, ref.loss, { rtol: 2e-4, atol: 2e-5 });
          expect(stats.loss).toBeCloseTo(ref.loss, 4);
          expect(stats.terms, 'terms').toBe(ref.terms);
          expect(stats.active, 'active').toBe(ref.active);
          expect(stats.activeFraction).toBeCloseTo(ref.terms ? ref.active / ref.terms : 0, 10);
          if (mining === 'semi-hard') expect(stats.fallbacks).toBe(ref.fallbacks);
          // the mean positive / negative distances, from the same reference distance
          let ps = 0, pc = 0, ns = 0, nc = 0;
          for (let a = 0; a < x.length; a++) for (let j = 0; j < x.length; j++) {
            if (a === j) continue;
            const v = refDistance(x[a]!, x[j]!, distance);
            if (labels[a] === labels[j]) { ps += v; pc++; } else { ns += v; nc++; }
          }
          expect(stats.meanPositiveDistance).toBeCloseTo(ps / pc, 4);
          expect(stats.meanNegativeDistance).toBeCloseTo(ns / nc, 4);
          tf.dispose([e, loss]);
        }
      });

      it(`${mining}, ${distance}: the gradient equals finite differences of the reference`, async () => {
        const labels = mining === 'semi-hard' ? LABELS_UNEVEN : LABELS_PK;
        const x = randomBatch(10 + MODES.indexOf(mining), labels.length, 4, true, 1);
        const margin = 0.4;
        const ref = refTripletLoss(x, labels, margin, distance, mining);
        expect(ref.active, 'the check needs active triplets').toBeGreaterThan(0);
        const numeric = numericGradient((v) => refTripletLoss(v, labels, margin, distance, mining).loss, x);
        const e = tf.tensor2d(x);
        const g = await expectNoLeaks(() => tf.grad((t: tf.Tensor) => tripletLoss(t as tf.Tensor2D, labels, { margin, distance, mining }))(e), { allowReturned: true });
        expectTensorsClose(g, numeric, { rtol: 2e-3, atol: 2e-4 });
        // not a vacuous check: some coordinates move the loss
        expect(Math.max(...numeric.flat().map(Math.abs))).toBeGreaterThan(1e-2);
        tf.dispose([e, g]);
      });
    }
  }

  it("semi-hard fallback: 'farthest' (TF Addons) takes the anchor's farthest negative, 'hardest' its closest", () => {
    // 1-D points: anchor 0 and positive 1 are 3 apart; both negatives are closer to each than that.
    const x = [[0], [3], [1], [2]];
    const labels = [0, 0, 1, 2];
    const e = tf.tensor2d(x);
    const far = tripletLossWithStats(e, labels, { mining: 'semi-hard', margin: 0.5 });
    const hard = tripletLossWithStats(e, labels, { mining: 'semi-hard', margin: 0.5, semiHardFallback: 'hardest' });
    // pair (0,1): d_ap 9; negatives 1 and 4 → farthest 4: 9 − 4 + .5 = 5.5; hardest 1: 8.5. Pair (1,0): d_ap 9,
    // negatives d = 4 and 1 → farthest 4: 5.5; hardest 1: 8.5. Mean over the 2 positive pairs.
    expect(far.stats.fallbacks).toBe(2);
    expect(far.stats.loss).toBeCloseTo(5.5, 5);
    expect(hard.stats.loss).toBeCloseTo(8.5, 5);
    expect(refTripletLoss(x, labels, 0.5, 'squared-l2', 'semi-hard', 'hardest').loss).toBeCloseTo(8.5, 10);
    tf.dispose([e, far.loss, hard.loss]);
  });

  it('hand example: batch-all averages over the positive triplets only, batch-hard takes the extremes', () => {
    // points on a line: person 0 at 0 and 1, person 1 at 1.5 and 4. Squared distances.
    const e = tf.tensor2d([[0], [1], [1.5], [4]]);
    const labels = [0, 0, 1, 1];
    const all = tripletLossWithStats(e, labels, { mining: 'batch-all', margin: 1 });
    // triplets (a,p,n): (0,1,2) 1−2.25+1=−.25→0; (0,1,3) 1−16+1<0; (1,0,2) 1−.25+1=1.75; (1,0,3) 1−9+1<0;
    // (2,3,0) 6.25−2.25+1=5; (2,3,1) 6.25−.25+1=7; (3,2,0) 6.25−16+1<0; (3,2,1) 6.25−9+1<0 → (1.75+5+7)/3
    expect(all.stats.terms).toBe(8);
    expect(all.stats.active).toBe(3);
    expect(all.stats.loss).toBeCloseTo(13.75 / 3, 5);
    const hard = tripletLossWithStats(e, labels, { mining: 'batch-hard', margin: 1 });
    // anchor 0: 1 − 2.25 + 1 → 0; 1: 1 − .25 + 1 = 1.75; 2: 6.25 − .25 + 1 = 7; 3: 6.25 − 9 + 1 → 0; mean 8.75/4
    expect(hard.stats.loss).toBeCloseTo(8.75 / 4, 5);
    expect(hard.stats.activeFraction).toBeCloseTo(0.5, 10);
    tf.dispose([e, all.loss, hard.loss]);
  });

  it('is 0 (and differentiable) when the batch has no positive pair or no negative', () => {
    const e = tf.tensor2d([[0, 1], [1, 0], [1, 1]]);
    for (const mining of MODES) {
      for (const labels of [[1, 2, 3], [4, 4, 4]]) {
        const r = tripletLossWithStats(e, labels, { mining });
        expect(r.stats.loss).toBe(0);
        expect(r.stats.terms).toBe(0);
        r.loss.dispose();
        const g = tf.grad((t: tf.Tensor) => tripletLoss(t as tf.Tensor2D, labels, { mining }))(e);
        expect(Array.from(g.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
        g.dispose();
      }
    }
    e.dispose();
  });

  it('accepts labels as a tensor and checks its arguments', () => {
    const e = tf.tensor2d([[0, 1], [1, 0], [1, 1], [0, 0]]);
    const lt = tf.tensor1d([1, 1, 2, 2], 'int32');
    const a = tripletLoss(e, lt, { mining: 'batch-all' });
    const b = tripletLoss(e, [1, 1, 2, 2], { mining: 'batch-all' });
    expect(a.dataSync()[0]).toBeCloseTo(b.dataSync()[0]!, 6);
    expect(() => tripletLoss(e, [1, 2, 3])).toThrow(ShapeMismatchError);
    expect(() => tripletLoss(e, [1, 2, 3, Number.NaN])).toThrow(/finite/);
    expect(() => tripletLoss(e, [1, 1, 2, 2], { margin: -1 })).toThrow(InvalidArgumentError);
    expect(() => tripletLoss(e, [1, 1, 2, 2], { mining: 'hard' as never })).toThrow(/semi-hard/);
    expect(() => tripletLoss(e, [1, 1, 2, 2], { distance: 'l1' as never })).toThrow(/squared-l2/);
    expect(() => tripletLoss(tf.zeros([4]) as never, [1, 1, 2, 2])).toThrow(/rank-2/);
    expect(() => tripletLoss(tf.zeros([1, 3]) as tf.Tensor2D, [1])).toThrow(/at least 2/);
    expect(() => tripletLoss(e, 'abcd' as never)).toThrow(InvalidArgumentError);
    tf.dispose([e, lt, a, b]);
  });
});

describeEachBackend('tripletLossFromTriplets', () => {
  it("is the course's Σ max(‖a−p‖² − ‖a−n‖² + α, 0), checked against a loop, with its gradient", async () => {
    const [a, p, n] = [randomBatch(21, 7, 5, false), randomBatch(22, 7, 5, false), randomBatch(23, 7, 5, false)];
    const ref = (A: number[][], P: number[][], N: number[][], alpha: number) =>
      A.reduce((s, _, i) => s + Math.max(refDistance(A[i]!, P[i]!, 'squared-l2') - refDistance(A[i]!, N[i]!, 'squared-l2') + alpha, 0), 0);
    const [ta, tp, tn] = [tf.tensor2d(a), tf.tensor2d(p), tf.tensor2d(n)];
    for (const alpha of [0.2, 3]) {
      const v = await expectNoLeaks(() => tripletLossFromTriplets(ta, tp, tn, alpha), { allowReturned: true });
      expectTensorsClose(v, ref(a, p, n, alpha), { rtol: 1e-4 });
      v.dispose();
    }
    // some rows active, some not at α = 3 (otherwise the check below would be vacuous)
    const perRow = a.map((_, i) => refDistance(a[i]!, p[i]!, 'squared-l2') - refDistance(a[i]!, n[i]!, 'squared-l2') + 3);
    expect(perRow.some((v) => v > 0) && perRow.some((v) => v < 0)).toBe(true);
    const grads = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tripletLossFromTriplets(x, y, z, 3))([ta, tp, tn]);
    const numA = numericGradient((v) => ref(v, p, n, 3), a);
    const numN = numericGradient((v) => ref(a, p, v, 3), n);
    expectTensorsClose(grads[0]!, numA, { rtol: 1e-3, atol: 1e-4 });
    expectTensorsClose(grads[2]!, numN, { rtol: 1e-3, atol: 1e-4 });
    // a single triplet of vectors
    const one = tripletLossFromTriplets(tf.tensor1d([0, 0]), tf.tensor1d([1, 0]), tf.tensor1d([0, 2]), 0.2);
    expect(one.dataSync()[0]).toBeCloseTo(0, 6); // 1 − 4 + .2 < 0
    tf.dispose([ta, tp, tn, ...grads, one]);
  });

  it('refuses mismatched shapes and a negative margin', () => {
    const a = tf.zeros([3, 4]);
    const b = tf.zeros([3, 5]);
    expect(() => tripletLossFromTriplets(a, b, a)).toThrow(ShapeMismatchError);
    expect(() => tripletLossFromTriplets(a, a, a, -0.1)).toThrow(InvalidArgumentError);
    expect(() => tripletLossFromTriplets(a, a, 'x' as never)).toThrow(/negative/);
    tf.dispose([a, b]);
  });
});

describe('tripletLoss leaves nothing behind inside a training step', () => {
  it('variableGrads through the loss: no tensors leak', async () => {
    const w = tf.variable(tf.tensor2d(randomBatch(5, 3, 4, false)));
    const x = tf.tensor2d(randomBatch(6, 8, 3, false));
    const labels = [0, 0, 1, 1, 2, 2, 3, 3];
    await expectNoLeaks(() => {
      for (const mining of MODES) {
        const { value, grads } = tf.variableGrads(() => tripletLoss(tf.matMul(x, w), labels, { mining }), [w]);
        expect(grads[w.name]!.shape).toEqual([3, 4]);
        tf.dispose([value, ...Object.values(grads)]);
      }
    });
    tf.dispose([w, x]);
  });
});
