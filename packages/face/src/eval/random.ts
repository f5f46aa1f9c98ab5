/**
 * mulberry32 (seeded uniform numbers in [0, 1)) and the Fisher-Yates shuffle, from @cnn/ops, so seeded pair
 * lists and splits are the same everywhere.
 */
export { mulberry32, shuffleInPlace } from '@cnn/ops';
