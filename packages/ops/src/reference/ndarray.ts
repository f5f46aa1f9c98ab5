/** A minimal dense row-major array for the plain-loop reference: no tfjs, float64. */
export interface NDArray {
  shape: number[];
  data: Float64Array;
}

export function ndarray(shape: number[], data?: ArrayLike<number>): NDArray {
  const size = shape.reduce((a, b) => a * b, 1);
  if (data && data.length !== size) throw new Error(`ndarray: ${data.length} values for shape [${shape}]`);
  return { shape: [...shape], data: data ? Float64Array.from(data) : new Float64Array(size) };
}

export function zerosLike(a: NDArray): NDArray {
  return ndarray(a.shape);
}

/** Flat index of a 4-D position. */
export function at4(a: NDArray, i: number, j: number, k: number, l: number): number {
  const s = a.shape;
  return ((i * s[1]! + j) * s[2]! + k) * s[3]! + l;
}
