/**
 * Seeded test data for the box tests (not part of the public API). Coordinates sit on a 1/4-pixel grid
 * and scores on a 1/32 grid: exact in float32 (so tensors and arrays hold the same numbers), with plenty
 * of equal scores, equal IoUs, duplicates and zero-area boxes to exercise ties and edge cases.
 */
import { randomValues } from '../test-support/random.js';
import type { Box } from './box-types.js';

const q = (v: number, step: number) => Math.round(v / step) * step;

/** n xyxy boxes in a 64x64 image, clustered so that many overlap; every 17th duplicates the previous, every 23rd has zero width. */
export function randomBoxes(n: number, seed: number): Box[] {
  const v = randomValues(n * 4, seed, 0, 1);
  const out: Box[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 17 === 16) {
      out.push([...out[i - 1]!]);
      continue;
    }
    const cx = 16 + 32 * v[i * 4]!;
    const cy = 16 + 32 * v[i * 4 + 1]!;
    const w = i % 23 === 22 ? 0 : 1 + 20 * v[i * 4 + 2]!;
    const h = 1 + 20 * v[i * 4 + 3]!;
    const x1 = q(cx - w / 2, 0.25);
    const y1 = q(cy - h / 2, 0.25);
    out.push([x1, y1, x1 + q(w, 0.25), y1 + q(h, 0.25)]);
  }
  return out;
}

/** n scores in (0, 1] on a 1/32 grid (so many are equal). */
export function randomScores(n: number, seed: number): number[] {
  return Array.from(randomValues(n, seed, 0, 1), (v) => Math.max(1, Math.round(v * 32)) / 32);
}

/** n class ids in [0, k). */
export function randomClasses(n: number, seed: number, k: number): number[] {
  return Array.from(randomValues(n, seed, 0, k), (v) => Math.min(k - 1, Math.floor(v)));
}
