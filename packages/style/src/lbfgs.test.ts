import { describe, expect, it } from 'vitest';
import { lbfgs } from './lbfgs.js';

/** Rosenbrock in n dimensions: minimum 0 at (1, ..., 1). */
function rosenbrock(x: Float64Array): { value: number; grad: Float64Array } {
  const g = new Float64Array(x.length);
  let v = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! ** 2;
    const b = 1 - x[i]!;
    v += 100 * a * a + b * b;
    g[i]! += -400 * x[i]! * a - 2 * b;
    g[i + 1]! += 200 * a;
  }
  return { value: v, grad: g };
}

describe('L-BFGS', () => {
  it('finds the Rosenbrock minimum (1, ..., 1) in 10 dimensions', async () => {
    const r = await lbfgs(rosenbrock, new Float64Array(10).fill(-1.2), { maxEvaluations: 2000, gradTolerance: 1e-9 });
    expect(r.value).toBeLessThan(1e-10);
    for (const v of r.x) expect(v).toBeCloseTo(1, 4);
    expect(r.history.length).toBe(r.evaluations);
  });

  it('beats steepest descent on an ill-conditioned quadratic for the same number of evaluations', async () => {
    const d = Float64Array.from({ length: 50 }, (_, i) => 1 + i * 20); // condition number ~1000
    const f = (x: Float64Array) => {
      const grad = x.map((v, i) => d[i]! * v);
      return { value: x.reduce((s, v, i) => s + 0.5 * d[i]! * v * v, 0), grad };
    };
    const x0 = new Float64Array(50).fill(1);
    const r = await lbfgs(f, x0, { maxEvaluations: 60 });
    // Steepest descent with the optimal fixed step 1/L.
    const x = Float64Array.from(x0);
    for (let k = 0; k < 60; k++) for (let i = 0; i < 50; i++) x[i]! -= (d[i]! / d[49]!) * x[i]!;
    expect(r.value).toBeLessThan(f(x).value / 100);
  });

  it('stops when asked, and on abort', async () => {
    const r = await lbfgs(rosenbrock, new Float64Array(4).fill(0), { onIteration: ({ iteration }) => iteration < 3 });
    expect(r.stopped).toBe('callback');
    expect(r.iterations).toBe(3);
    const ac = new AbortController();
    ac.abort();
    await expect(lbfgs(rosenbrock, new Float64Array(4), { signal: ac.signal })).rejects.toThrow();
  });
});
