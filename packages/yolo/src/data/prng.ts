/** A small seeded PRNG (@cnn/ops' mulberry32, seed mixed by splitmix32): the same seed gives the same scenes everywhere. */
import { mulberry32 } from '@cnn/ops';

/** splitmix32: spreads any integer seed (and a stream index) over 32 bits. */
export function mixSeed(seed: number, stream = 0): number {
  let z = (Math.imul(seed | 0, 0x9e3779b9) ^ Math.imul(stream | 0, 0x85ebca6b) ^ 0x6a09e667) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [a, b). */
  range(a: number, b: number): number;
  /** Integer in [a, b] (both included). */
  int(a: number, b: number): number;
  pick<T>(items: readonly T[]): T;
}

export function createRng(seed: number): Rng {
  const next = mulberry32(mixSeed(seed));
  return {
    next,
    range: (a, b) => a + (b - a) * next(),
    int: (a, b) => a + Math.floor(next() * (b - a + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}
