/**
 * L-BFGS (Nocedal & Wright, Algorithm 7.4 two-loop recursion) with a backtracking Armijo line search, on
 * flat Float64Array parameters. Used by Gatys et al. for style transfer: far fewer cost evaluations than
 * first-order methods for the same cost. `f` returns the value and gradient at x.
 */
export interface LbfgsOptions {
  /** History pairs kept (default 10). */
  memory?: number;
  /** Stop when |g|∞ falls below this (default 1e-8). */
  gradTolerance?: number;
  /** Stop when the relative decrease of f over one iteration falls below this (default 1e-9). */
  relTolerance?: number;
  /** Most cost evaluations in all (default 100). */
  maxEvaluations?: number;
  /** Called after each accepted step. Return false to stop. */
  onIteration?: (state: { iteration: number; evaluations: number; value: number; x: Float64Array }) => boolean | void | Promise<boolean | void>;
  signal?: AbortSignal;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  evaluations: number;
  /** Cost after every evaluation (the curve to compare optimizers by evaluations). */
  history: number[];
  stopped: 'maxEvaluations' | 'gradTolerance' | 'relTolerance' | 'callback' | 'lineSearch';
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

export async function lbfgs(f: (x: Float64Array) => Promise<{ value: number; grad: Float64Array }> | { value: number; grad: Float64Array }, x0: Float64Array, options: LbfgsOptions = {}): Promise<LbfgsResult> {
  const m = options.memory ?? 10;
  const gradTol = options.gradTolerance ?? 1e-8;
  const relTol = options.relTolerance ?? 1e-9;
  const maxEval = options.maxEvaluations ?? 100;
  const n = x0.length;
  const history: number[] = [];
  let evaluations = 0;
  const evaluate = async (x: Float64Array) => {
    options.signal?.throwIfAborted();
    evaluations++;
    const r = await f(x);
    history.push(r.value);
    return r;
  };
  let x = Float64Array.from(x0);
  let { value, grad } = await evaluate(x);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  let iteration = 0;
  for (;;) {
    let gmax = 0;
    for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.abs(grad[i]!));
    if (gmax <= gradTol) return { x, value, iterations: iteration, evaluations, history, stopped: 'gradTolerance' };
    if (evaluations >= maxEval) return { x, value, iterations: iteration, evaluations, history, stopped: 'maxEvaluations' };
    // Two-loop recursion: d = −H·g.
    const q = Float64Array.from(grad);
    const alpha: number[] = new Array(S.length);
    for (let i = S.length - 1; i >= 0; i--) {
      alpha[i] = rho[i]! * dot(S[i]!, q);
      const y = Y[i]!;
      for (let j = 0; j < n; j++) q[j]! -= alpha[i]! * y[j]!;
    }
    // Initial Hessian scaling γ = sᵀy / yᵀy (or a step of length 1 along −g at the start).
    const gamma = S.length ? dot(S.at(-1)!, Y.at(-1)!) / dot(Y.at(-1)!, Y.at(-1)!) : 1 / Math.sqrt(dot(grad, grad));
    for (let j = 0; j < n; j++) q[j]! *= gamma;
    for (let i = 0; i < S.length; i++) {
      const beta = rho[i]! * dot(Y[i]!, q);
      const s = S[i]!;
      for (let j = 0; j < n; j++) q[j]! += s[j]! * (alpha[i]! - beta);
    }
    for (let j = 0; j < n; j++) q[j] = -q[j]!;
    let slope = dot(grad, q);
    if (slope >= 0) {
      // Not a descent direction (curvature info gone bad): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      const norm = Math.sqrt(dot(grad, grad));
      for (let j = 0; j < n; j++) q[j] = -grad[j]! / norm;
      slope = dot(grad, q);
    }
    // Backtracking line search (Armijo, c1 = 1e-4).
    let t = 1;
    let next: { value: number; grad: Float64Array } | undefined;
    const xNew = new Float64Array(n);
    while (evaluations < maxEval) {
      for (let j = 0; j < n; j++) xNew[j] = x[j]! + t * q[j]!;
      const r = await evaluate(xNew);
      if (Number.isFinite(r.value) && r.value <= value + 1e-4 * t * slope) {
        next = r;
        break;
      }
      t *= 0.5;
    }
    if (!next) return { x, value, iterations: iteration, evaluations, history, stopped: evaluations >= maxEval ? 'maxEvaluations' : 'lineSearch' };
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      s[j] = xNew[j]! - x[j]!;
      y[j] = next.grad[j]! - grad[j]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-10 * dot(y, y)) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    const previous = value;
    x = Float64Array.from(xNew);
    value = next.value;
    grad = next.grad;
    iteration++;
    if ((await options.onIteration?.({ iteration, evaluations, value, x })) === false) return { x, value, iterations: iteration, evaluations, history, stopped: 'callback' };
    if (Math.abs(previous - value) <= relTol * Math.max(Math.abs(previous), 1e-30)) return { x, value, iterations: iteration, evaluations, history, stopped: 'relTolerance' };
  }
}
