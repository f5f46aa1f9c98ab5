/** Builds with Math.random seeded (tfjs initializers draw their seeds from it), so the run is the same every time. */
export async function seeded<T>(seed: number, build: () => Promise<T>): Promise<T> {
  const original = Math.random;
  let a = seed >>> 0;
  Math.random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  try {
    return await build();
  } finally {
    Math.random = original;
  }
}
