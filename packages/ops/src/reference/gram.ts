/** Gram matrix (style transfer) and its gradient, plain loops. */
import { ndarray, type NDArray } from './ndarray.js';

/** G = A·Aᵀ of activations A [n_H, n_W, n_C] (or [1, n_H, n_W, n_C]) unrolled to [n_C, n_H·n_W]. */
export function gramMatrixReference(A: NDArray): NDArray {
  const c = A.shape[A.shape.length - 1]!;
  const hw = A.data.length / c;
  const G = ndarray([c, c]);
  for (let i = 0; i < c; i++)
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let p = 0; p < hw; p++) s += A.data[p * c + i]! * A.data[p * c + j]!;
      G.data[i * c + j] = s;
    }
  return G;
}

/** dA from dG: G[i, j] = Σ_p A[p, i]·A[p, j], so dA[p, i] = Σ_j A[p, j]·(dG[i, j] + dG[j, i]). */
export function gramMatrixBackward(dG: NDArray, A: NDArray): NDArray {
  const c = A.shape[A.shape.length - 1]!;
  const hw = A.data.length / c;
  const dA = ndarray(A.shape);
  for (let p = 0; p < hw; p++)
    for (let i = 0; i < c; i++) {
      let s = 0;
      for (let j = 0; j < c; j++) s += A.data[p * c + j]! * (dG.data[i * c + j]! + dG.data[j * c + i]!);
      dA.data[p * c + i] = s;
    }
  return dA;
}
