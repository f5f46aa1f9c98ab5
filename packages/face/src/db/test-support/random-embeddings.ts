/** Seeded synthetic embeddings for the database, matching and evaluation tests (test-only). */
import { gaussian } from '@cnn/ops';
import { mulberry32 } from '../../eval/random.js';

export { mulberry32 };

/** Standard normal draws (Box–Muller) from a uniform generator, from @cnn/ops. */
export { gaussian };

/** `count` vectors of `dim` standard normal numbers. */
export function randomEmbeddings(count: number, dim: number, seed: number): Float32Array[] {
  const g = gaussian(mulberry32(seed));
  return Array.from({ length: count }, () => Float32Array.from({ length: dim }, g));
}

/**
 * `identities` clusters of `perIdentity` points: a centre of norm ≈ `centreScale`·√dim, plus noise of standard
 * deviation `spread` per number. Returns the points with their cluster labels.
 */
export function clusteredEmbeddings(identities: number, perIdentity: number, dim: number, seed: number, spread = 0.1, centreScale = 1): { embeddings: Float32Array[]; labels: number[]; centres: Float32Array[] } {
  const g = gaussian(mulberry32(seed));
  const centres = Array.from({ length: identities }, () => Float32Array.from({ length: dim }, () => g() * centreScale));
  const embeddings: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < identities; i++) {
    for (let k = 0; k < perIdentity; k++) {
      embeddings.push(Float32Array.from(centres[i]!, (c) => c + g() * spread));
      labels.push(i);
    }
  }
  return { embeddings, labels, centres };
}
