import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready, ShapeMismatchError } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentCost, styleCost, styleLayerCost, styleLayerCostFromGram, totalCost, totalVariation } from './costs.js';
import { contentCostReference, styleLayerCostReference, totalVariationReference, type Act3 } from './reference.js';

beforeAll(async () => {
  await ready();
});

/** Deterministic activations (no tfjs RNG involved), as tensor and nested arrays. */
function act(h: number, w: number, c: number, seed: number): { t: tf.Tensor3D; a: Act3 } {
  const a: Act3 = [];
  let s = seed;
  for (let i = 0; i < h; i++) {
    const row: number[][] = [];
    for (let j = 0; j < w; j++) {
      const px: number[] = [];
      for (let k = 0; k < c; k++) {
        s = (s * 1103515245 + 12345) % 2147483648;
        px.push(Math.fround((s / 2147483648) * 4 - 1));
      }
      row.push(px);
    }
    a.push(row);
  }
  return { t: tf.tensor3d(a, [h, w, c]), a };
}

const rel = (got: number, want: number) => Math.abs(got - want) / Math.max(Math.abs(want), 1e-12);

describe('costs match the course formulas (plain-loop references)', () => {
  it('content cost', () => {
    const [c, g] = [act(4, 3, 5, 1), act(4, 3, 5, 2)];
    const j = contentCost(c.t, g.t);
    expect(rel(j.dataSync()[0]!, contentCostReference(c.a, g.a))).toBeLessThan(1e-5);
    // batch-1 activations are accepted as well
    const j4 = contentCost(tf.expandDims(c.t, 0) as tf.Tensor4D, tf.expandDims(g.t, 0) as tf.Tensor4D);
    expect(j4.dataSync()[0]).toBeCloseTo(j.dataSync()[0]!, 6);
    tf.dispose([c.t, g.t, j, j4]);
  });

  it('style layer cost (Gram matrices) and the weighted style cost', () => {
    const [s1, g1, s2, g2] = [act(5, 4, 3, 3), act(5, 4, 3, 4), act(2, 3, 6, 5), act(2, 3, 6, 6)];
    const j1 = styleLayerCost(s1.t, g1.t);
    const j2 = styleLayerCost(s2.t, g2.t);
    const r1 = styleLayerCostReference(s1.a, g1.a);
    const r2 = styleLayerCostReference(s2.a, g2.a);
    expect(rel(j1.dataSync()[0]!, r1)).toBeLessThan(1e-5);
    expect(rel(j2.dataSync()[0]!, r2)).toBeLessThan(1e-5);
    const js = styleCost([s1.t, s2.t], [g1.t, g2.t], [0.3, 0.7]);
    expect(rel(js.dataSync()[0]!, 0.3 * r1 + 0.7 * r2)).toBeLessThan(1e-5);
    const jsDefault = styleCost([s1.t, s2.t], [g1.t, g2.t]);
    expect(rel(jsDefault.dataSync()[0]!, 0.5 * r1 + 0.5 * r2)).toBeLessThan(1e-5);
    tf.dispose([s1.t, g1.t, s2.t, g2.t, j1, j2, js, jsDefault]);
  });

  it('the course example values: identical images cost 0; total = α·Jc + β·Js with α = 10, β = 40', () => {
    const a = act(3, 3, 2, 9);
    const [z1, z2] = [contentCost(a.t, a.t), styleLayerCost(a.t, a.t)];
    expect(z1.dataSync()[0]).toBe(0);
    expect(z2.dataSync()[0]).toBe(0);
    const [jc, js] = [tf.scalar(2), tf.scalar(3)];
    const j = totalCost(jc, js);
    expect(j.dataSync()[0]).toBe(10 * 2 + 40 * 3);
    const tv = tf.scalar(5);
    const jt = totalCost(jc, js, { alpha: 1, beta: 2, gamma: 0.5, tv });
    expect(jt.dataSync()[0]).toBe(2 + 6 + 2.5);
    tf.dispose([a.t, z1, z2, jc, js, j, tv, jt]);
  });

  it('total variation', () => {
    const img = act(6, 5, 3, 11);
    const tv = totalVariation(img.t);
    expect(rel(tv.dataSync()[0]!, totalVariationReference(img.a))).toBeLessThan(1e-5);
    tf.dispose([img.t, tv]);
  });

  it('gradients flow to the generated activations and match finite differences', () => {
    const [c, s] = [act(3, 3, 2, 21), act(3, 3, 2, 22)];
    const g = act(3, 3, 2, 23);
    const f = (x: tf.Tensor) => tf.add(contentCost(c.t, x as tf.Tensor3D), styleLayerCost(s.t, x as tf.Tensor3D));
    const grad = tf.grad(f)(g.t);
    const analytic = grad.dataSync();
    // central differences in double precision on the plain-loop reference
    const J = (a: Act3) => contentCostReference(c.a, a) + styleLayerCostReference(s.a, a);
    const eps = 1e-3;
    let worst = 0;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        for (let k = 0; k < 2; k++) {
          const plus = structuredClone(g.a);
          const minus = structuredClone(g.a);
          plus[i]![j]![k]! += eps;
          minus[i]![j]![k]! -= eps;
          const fd = (J(plus) - J(minus)) / (2 * eps);
          worst = Math.max(worst, Math.abs(fd - analytic[(i * 3 + j) * 2 + k]!) / Math.max(1e-3, Math.abs(fd)));
        }
      }
    }
    expect(worst).toBeLessThan(1e-2);
    tf.dispose([c.t, s.t, g.t, grad]);
  });

  it('no leaks; typed errors for mismatched or malformed activations', async () => {
    const [a, b, odd] = [act(3, 3, 2, 1), act(3, 3, 2, 2), act(3, 2, 2, 3)];
    await expectNoLeaks(() => {
      tf.dispose([contentCost(a.t, b.t), styleLayerCost(a.t, b.t), styleCost([a.t], [b.t]), totalVariation(a.t)]);
    });
    expect(() => contentCost(a.t, odd.t)).toThrow(ShapeMismatchError);
    expect(() => styleLayerCost(a.t, odd.t)).toThrow(ShapeMismatchError);
    expect(() => styleCost([a.t], [b.t, b.t])).toThrow(ShapeMismatchError);
    expect(() => styleCost([a.t], [b.t], [-1])).toThrow(InvalidArgumentError);
    const g2 = tf.zeros([3, 3]) as tf.Tensor2D;
    expect(() => styleLayerCostFromGram(g2, a.t)).toThrow(/\[2, 2\] Gram matrix/);
    const batch2 = tf.zeros([2, 3, 3, 2]) as tf.Tensor4D;
    expect(() => contentCost(batch2, batch2)).toThrow(InvalidArgumentError);
    expect(() => totalVariation(tf.zeros([1, 4, 2]) as tf.Tensor3D)).toThrow(/2×2/);
    expect(() => totalCost(tf.scalar(1), tf.scalar(1), { gamma: 1 })).toThrow(InvalidArgumentError);
    tf.dispose([a.t, b.t, odd.t, g2, batch2]);
  });
});
