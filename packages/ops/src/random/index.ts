/** Seeded randomness: the same seed gives the same numbers everywhere (no backend RNG, no Node modules). */
export { gaussian } from './gaussian.js';
export { mulberry32 } from './mulberry32.js';
export { shuffleInPlace } from './shuffle-in-place.js';
