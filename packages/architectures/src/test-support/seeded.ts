import { mulberry32 } from '@cnn/ops';

/** Builds with Math.random seeded (tfjs initializers draw their seeds from it), so the run is the same every time. */
export async function seeded<T>(seed: number, build: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = mulberry32(seed);
  try {
    return await build();
  } finally {
    Math.random = original;
  }
}
