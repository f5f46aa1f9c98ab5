/**
 * Anchor shapes by k-means over the training boxes' widths and heights (YOLOv2, section "Dimension
 * Clusters"): the distance is d(box, centroid) = 1 − IoU(box, centroid), both placed at a common corner, so
 * large boxes do not dominate as they would under Euclidean distance. Seeding is k-means++ (each next seed
 * drawn with probability ∝ d², from a seeded generator: the same seed gives the same anchors); then Lloyd
 * iterations until no box changes cluster; the best of several such runs (by mean IoU) is kept, since one
 * run can settle in a local minimum. An emptied cluster is re-seeded with the box farthest from its
 * centroid. Plain numbers, no tensors: a data set's boxes fit in memory and this is a one-off.
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { mulberry32 } from './prng.js';
import { shapeIou } from './grid-spec.js';

export interface KmeansAnchorsOptions {
  /** Seed of the k-means++ draws (default 0). */
  seed?: number;
  /** At most this many assignment/update rounds per run (default 300). */
  maxIterations?: number;
  /**
   * Independent k-means++ runs; the one of best mean IoU is returned (default 10, as scikit-learn's n_init).
   * One run can settle in a local minimum (two seeds in one cluster): on 5 clear clusters, 3 seeds of 8 did.
   */
  restarts?: number;
  /** How a cluster's centroid is computed: 'mean' (YOLOv2, default) or 'median' (robust to outliers). */
  centroid?: 'mean' | 'median';
}

export interface KmeansAnchorsResult {
  /** k anchor shapes [width, height], in the input's unit, sorted by area (smallest first). */
  anchors: [number, number][];
  /** Mean over boxes of the IoU with their nearest anchor (YOLOv2's "Avg IoU"; 1 is a perfect fit). */
  meanIou: number;
  /** For each input box, the index (into the sorted `anchors`) of its nearest anchor. */
  assignments: number[];
  /** Rounds run by the returned run. */
  iterations: number;
  /** Whether assignments stopped changing before maxIterations. */
  converged: boolean;
}

function readBoxes(boxesWH: unknown): Float64Array {
  if (!Array.isArray(boxesWH) || boxesWH.length === 0) {
    throw new InvalidArgumentError('boxesWH', 'a non-empty array of box sizes [width, height]', describeValue(boxesWH));
  }
  const out = new Float64Array(boxesWH.length * 2);
  boxesWH.forEach((b, i) => {
    const ok = Array.isArray(b) && b.length === 2 && b.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0);
    if (!ok) throw new InvalidArgumentError(`boxesWH[${i}]`, '[width, height], both finite and > 0', describeValue(b));
    out[i * 2] = b[0];
    out[i * 2 + 1] = b[1];
  });
  return out;
}

function median(values: number[]): number {
  const s = values.sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Clusters box sizes [width, height] into k anchors with distance 1 − IoU (see the top of this file).
 *
 *     const wh = labels.map(({ box: [x1, y1, x2, y2] }) => [(x2 - x1) / cellW, (y2 - y1) / cellH]);  // grid cells
 *     const { anchors, meanIou } = kmeansAnchors(wh, 5, { seed: 1 });
 */
export function kmeansAnchors(boxesWH: readonly (readonly [number, number])[], k: number, options: KmeansAnchorsOptions = {}): KmeansAnchorsResult {
  const wh = readBoxes(boxesWH);
  const n = wh.length / 2;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > n) {
    throw new InvalidArgumentError('k', `an integer in [1, ${n}] (the number of boxes)`, describeValue(k));
  }
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { seed?, maxIterations?, restarts?, centroid? }', describeValue(options));
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new InvalidArgumentError('options.seed', 'an integer', describeValue(seed));
  const maxIterations = options.maxIterations ?? 300;
  if (typeof maxIterations !== 'number' || !Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new InvalidArgumentError('options.maxIterations', 'an integer >= 1', describeValue(maxIterations));
  }
  const restarts = options.restarts ?? 10;
  if (typeof restarts !== 'number' || !Number.isInteger(restarts) || restarts < 1) {
    throw new InvalidArgumentError('options.restarts', 'an integer >= 1', describeValue(restarts));
  }
  const centroidKind = options.centroid ?? 'mean';
  if (centroidKind !== 'mean' && centroidKind !== 'median') throw new InvalidArgumentError('options.centroid', "'mean' or 'median'", describeValue(centroidKind));

  const random = mulberry32(seed);
  let best: KmeansAnchorsResult | undefined;
  for (let r = 0; r < restarts; r++) {
    const run = runOnce(wh, k, random, maxIterations, centroidKind);
    if (!best || run.meanIou > best.meanIou) best = run; // ties: the earlier run
  }
  return best!;
}

/** One k-means++ seeding and Lloyd iterations. */
function runOnce(wh: Float64Array, k: number, random: () => number, maxIterations: number, centroidKind: 'mean' | 'median'): KmeansAnchorsResult {
  const n = wh.length / 2;
  const iouWith = (i: number, c: Float64Array, j: number) => shapeIou(wh[i * 2]!, wh[i * 2 + 1]!, c[j * 2]!, c[j * 2 + 1]!);
  const centroids = new Float64Array(k * 2);
  // k-means++: the first seed uniformly, each next one with probability ∝ (distance to the nearest seed)².
  const nearest = new Float64Array(n).fill(Infinity);
  let pick = Math.min(Math.floor(random() * n), n - 1);
  for (let j = 0; j < k; j++) {
    centroids[j * 2] = wh[pick * 2]!;
    centroids[j * 2 + 1] = wh[pick * 2 + 1]!;
    if (j === k - 1) break;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = 1 - iouWith(i, centroids, j);
      nearest[i] = Math.min(nearest[i]!, d * d);
      total += nearest[i]!;
    }
    if (total <= 0) {
      pick = (pick + 1) % n; // every box sits on a seed already: any box will do
      continue;
    }
    let r = random() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= nearest[i]!;
      if (r < 0) {
        pick = i;
        break;
      }
    }
  }

  const assign = new Int32Array(n).fill(-1);
  let iterations = 0;
  let converged = false;
  const best = (i: number): [number, number] => {
    let bj = 0;
    let bv = -1;
    for (let j = 0; j < k; j++) {
      const v = iouWith(i, centroids, j);
      if (v > bv) [bj, bv] = [j, v];
    }
    return [bj, bv];
  };
  while (iterations < maxIterations) {
    iterations++;
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const [j] = best(i);
      if (assign[i] !== j) {
        assign[i] = j;
        changed++;
      }
    }
    if (changed === 0) {
      converged = true;
      break;
    }
    // Update: each centroid to the mean (or median) width and height of its boxes.
    const members: number[][] = Array.from({ length: k }, () => []);
    for (let i = 0; i < n; i++) members[assign[i]!]!.push(i);
    for (let j = 0; j < k; j++) {
      const m = members[j]!;
      if (m.length === 0) {
        // Re-seed with the box worst served by its own centroid (ties: the lower index).
        let far = 0;
        let farD = -1;
        for (let i = 0; i < n; i++) {
          const d = 1 - iouWith(i, centroids, assign[i]!);
          if (d > farD) [far, farD] = [i, d];
        }
        centroids[j * 2] = wh[far * 2]!;
        centroids[j * 2 + 1] = wh[far * 2 + 1]!;
        continue;
      }
      for (const axis of [0, 1]) {
        const values = m.map((i) => wh[i * 2 + axis]!);
        centroids[j * 2 + axis] = centroidKind === 'mean' ? values.reduce((a, b) => a + b, 0) / values.length : median(values);
      }
    }
  }
  // Final assignment against the final centroids, then sort by area.
  const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => centroids[a * 2]! * centroids[a * 2 + 1]! - centroids[b * 2]! * centroids[b * 2 + 1]! || a - b);
  const rank = new Int32Array(k);
  order.forEach((j, r) => (rank[j] = r));
  let iouSum = 0;
  const assignments = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const [j, v] = best(i);
    assignments[i] = rank[j]!;
    iouSum += v;
  }
  return {
    anchors: order.map((j) => [centroids[j * 2]!, centroids[j * 2 + 1]!]),
    meanIou: iouSum / n,
    assignments,
    iterations,
    converged,
  };
}
