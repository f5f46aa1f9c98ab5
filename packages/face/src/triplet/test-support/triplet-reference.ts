/**
 * Plain-loop float64 references for the triplet losses, written from the papers' definitions (no tensors, no
 * Gram-matrix trick): the tests compare tfjs' values against these and differentiate these numerically.
 */
export type RefDistance = 'squared-l2' | 'cosine';
export type RefMining = 'batch-all' | 'batch-hard' | 'semi-hard';

export function refDistance(a: readonly number[], b: readonly number[], distance: RefDistance): number {
  if (distance === 'squared-l2') {
    let s = 0;
    for (let k = 0; k < a.length; k++) s += (a[k]! - b[k]!) ** 2;
    return s;
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < a.length; k++) {
    dot += a[k]! * b[k]!;
    na += a[k]! ** 2;
    nb += b[k]! ** 2;
  }
  return 1 - dot / (Math.sqrt(na) * Math.sqrt(nb));
}

export interface RefResult {
  loss: number;
  terms: number;
  active: number;
  fallbacks: number;
}

export function refTripletLoss(x: readonly (readonly number[])[], labels: readonly number[], margin: number, distance: RefDistance, mining: RefMining, fallback: 'farthest' | 'hardest' = 'farthest'): RefResult {
  const n = x.length;
  const D = (i: number, j: number) => refDistance(x[i]! as number[], x[j]! as number[], distance);
  const hinge = (v: number) => Math.max(v, 0);
  let sum = 0;
  let terms = 0;
  let active = 0;
  let fallbacks = 0;
  const add = (ap: number, an: number) => {
    const l = hinge(ap - an + margin);
    sum += l;
    terms++;
    if (l > 0) active++;
  };
  for (let a = 0; a < n; a++) {
    const positives: number[] = [];
    const negatives: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j === a) continue;
      (labels[j] === labels[a] ? positives : negatives).push(j);
    }
    if (mining === 'batch-all') {
      for (const p of positives) for (const q of negatives) add(D(a, p), D(a, q));
    } else if (mining === 'batch-hard') {
      if (positives.length === 0 || negatives.length === 0) continue;
      const hardestPositive = Math.max(...positives.map((p) => D(a, p)));
      const hardestNegative = Math.min(...negatives.map((q) => D(a, q)));
      add(hardestPositive, hardestNegative);
    } else {
      if (negatives.length === 0) continue;
      for (const p of positives) {
        const dap = D(a, p);
        const farther = negatives.map((q) => D(a, q)).filter((v) => v > dap);
        let dan: number;
        if (farther.length > 0) dan = Math.min(...farther);
        else {
          fallbacks++;
          const all = negatives.map((q) => D(a, q));
          dan = fallback === 'farthest' ? Math.max(...all) : Math.min(...all);
        }
        add(dap, dan);
      }
    }
  }
  let loss: number;
  if (mining === 'batch-all') loss = active > 0 ? sum / active : 0;
  else loss = terms > 0 ? sum / terms : 0;
  return { loss, terms, active, fallbacks };
}

/** Central finite differences of f at x (every coordinate), step h. */
export function numericGradient(f: (x: number[][]) => number, x: readonly (readonly number[])[], h = 1e-6): number[][] {
  const base = x.map((r) => [...r]);
  return base.map((row, i) =>
    row.map((_, k) => {
      const plus = base.map((r) => [...r]);
      const minus = base.map((r) => [...r]);
      plus[i]![k]! += h;
      minus[i]![k]! -= h;
      return (f(plus) - f(minus)) / (2 * h);
    }),
  );
}

/** Normal draws (Box-Muller), from @cnn/ops. */
export { gaussian } from '@cnn/ops';
