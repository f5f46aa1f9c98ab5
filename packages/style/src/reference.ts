/**
 * Plain-loop versions of the costs, written straight from the course's formulas in double precision: the
 * independent reference the tensor versions are tested against. Activations are nested arrays [h][w][c].
 */
export type Act3 = number[][][];

export function contentCostReference(aC: Act3, aG: Act3): number {
  const [h, w, c] = [aC.length, aC[0]!.length, aC[0]![0]!.length];
  let sum = 0;
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) sum += (aC[i]![j]![k]! - aG[i]![j]![k]!) ** 2;
  return sum / (4 * h * w * c);
}

/** G[a][b] = Σ over positions of A[p][a]·A[p][b]. */
export function gramReference(a: Act3): number[][] {
  const [h, w, c] = [a.length, a[0]!.length, a[0]![0]!.length];
  const g = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  for (let x = 0; x < c; x++) {
    for (let y = 0; y < c; y++) {
      let s = 0;
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) s += a[i]![j]![x]! * a[i]![j]![y]!;
      g[x]![y] = s;
    }
  }
  return g;
}

export function styleLayerCostReference(aS: Act3, aG: Act3): number {
  const [h, w, c] = [aS.length, aS[0]!.length, aS[0]![0]!.length];
  const gs = gramReference(aS);
  const gg = gramReference(aG);
  let sum = 0;
  for (let x = 0; x < c; x++) for (let y = 0; y < c; y++) sum += (gs[x]![y]! - gg[x]![y]!) ** 2;
  return sum / (4 * c * c * (h * w) ** 2);
}

export function totalVariationReference(img: Act3): number {
  const [h, w, c] = [img.length, img[0]!.length, img[0]![0]!.length];
  let dy = 0;
  let dx = 0;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      for (let k = 0; k < c; k++) {
        if (i + 1 < h) dy += (img[i + 1]![j]![k]! - img[i]![j]![k]!) ** 2;
        if (j + 1 < w) dx += (img[i]![j + 1]![k]! - img[i]![j]![k]!) ** 2;
      }
    }
  }
  return dy / ((h - 1) * w * c) + dx / (h * (w - 1) * c);
}
