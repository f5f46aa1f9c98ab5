export { avgPool, globalAvgPool, globalMaxPool, maxPool, type PoolOptions } from './pool.js';
