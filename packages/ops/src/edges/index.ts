export * from './edge-filters.js';
