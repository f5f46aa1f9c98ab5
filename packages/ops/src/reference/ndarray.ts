/** A minimal dense row-major array for the plain-loop reference: no tfjs, float64. */
export interface NDArray {
  shape: number[];
  data: Float64Array;
}

/** Nested number arrays of any depth (numpy-style literals: `[[[[1, 2]]]]`). */
export type Nested = number | readonly Nested[];

export function ndarray(shape: readonly number[], data?: ArrayLike<number>): NDArray {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`ndarray: invalid shape [${shape}]`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (data && data.length !== size) throw new Error(`ndarray: ${data.length} values for shape [${shape}]`);
  return { shape: [...shape], data: data ? Float64Array.from(data) : new Float64Array(size) };
}

export function zerosLike(a: NDArray): NDArray {
  return ndarray(a.shape);
}

/** From nested arrays (e.g. NHWC `number[][][][]`); every row at a depth must have the same length. */
export function fromNested(nested: Nested): NDArray {
  if (typeof nested === 'number') return ndarray([], [nested]);
  const shape: number[] = [];
  for (let v: Nested | undefined = nested; Array.isArray(v); v = (v as readonly Nested[])[0]) shape.push(v.length);
  const flat = (nested as readonly unknown[]).flat(Infinity) as number[];
  return ndarray(shape, flat); // throws if ragged (the count will not match)
}

/** Back to nested arrays (rank 0 gives a number). */
export function toNested(a: NDArray): Nested {
  const build = (dim: number, offset: number): Nested => {
    if (dim === a.shape.length) return a.data[offset]!;
    const stride = a.shape.slice(dim + 1).reduce((x, y) => x * y, 1);
    return Array.from({ length: a.shape[dim]! }, (_, i) => build(dim + 1, offset + i * stride));
  };
  return build(0, 0);
}

/** Flat index of a 4-D position. */
export function at4(a: NDArray, i: number, j: number, k: number, l: number): number {
  const s = a.shape;
  return ((i * s[1]! + j) * s[2]! + k) * s[3]! + l;
}
