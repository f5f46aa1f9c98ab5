/**
 * Seeded randomness for the data pipeline. Every random choice (split, shuffle, augmentation) is drawn in
 * JavaScript from a seeded generator, never from a backend's RNG, so a seed gives the same result on every
 * backend and every run.
 */
import { InvalidArgumentError, describeValue, mulberry32 } from '@cnn/ops';

export { shuffleInPlace } from '@cnn/ops';

/** A source of uniform floats in [0, 1). */
export type Random = () => number;

/** @cnn/ops' mulberry32 (seeded floats in [0, 1)), with the seed checked to be a finite number. */
export function seededRandom(seed: number): Random {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new InvalidArgumentError('seed', 'a finite number', describeValue(seed));
  return mulberry32(seed);
}

/**
 * One seed from several integers (seed, epoch, step, ...), well mixed (murmur3's finalizer), so that
 * neighbouring epochs or steps get unrelated streams.
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A generator from a seed, or the generator itself; `undefined` draws a fresh seed from Math.random. */
export function toRandom(random: Random | number | undefined, argument = 'options.random'): Random {
  if (random === undefined) return seededRandom(Math.floor(Math.random() * 2 ** 32));
  if (typeof random === 'function') return random;
  if (typeof random === 'number' && Number.isFinite(random)) return seededRandom(random);
  throw new InvalidArgumentError(argument, 'a seed (number) or a function returning floats in [0, 1)', describeValue(random));
}

/** A uniform float in [lo, hi). */
export function uniform(random: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * random();
}

/** A standard normal draw (Box-Muller). */
export function normal(random: Random, mean = 0, std = 1): number {
  const u = 1 - random(); // (0, 1]: log stays finite
  const v = random();
  return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
