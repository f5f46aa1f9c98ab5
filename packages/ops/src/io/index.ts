export * from './atomic-write.js';
export * from './weights-manifest.js';
export * from './file-system-handler.js';
export * from './resolve-weights.js';
