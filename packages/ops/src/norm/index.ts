export * from './batch-norm.js';
