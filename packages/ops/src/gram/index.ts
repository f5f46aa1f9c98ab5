export * from './gram-matrix.js';
