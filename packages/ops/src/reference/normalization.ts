/**
 * Batch norm over every axis but the last (channels), forward and backward, plain loops:
 * x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β, with μ, σ² (biased, /n) from the batch or given (inference).
 */
import { ndarray, type NDArray } from './ndarray.js';

export function batchNormForward(x: NDArray, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps: number, stats?: { mean: ArrayLike<number>; variance: ArrayLike<number> }) {
  const c = x.shape[x.shape.length - 1]!;
  const n = x.data.length / c;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  if (stats) {
    mean.set(Array.from(stats.mean));
    variance.set(Array.from(stats.variance));
  } else {
    for (let i = 0; i < x.data.length; i++) mean[i % c] = mean[i % c]! + x.data[i]! / n;
    for (let i = 0; i < x.data.length; i++) variance[i % c] = variance[i % c]! + (x.data[i]! - mean[i % c]!) ** 2 / n;
  }
  const xhat = ndarray(x.shape);
  const y = ndarray(x.shape);
  for (let i = 0; i < x.data.length; i++) {
    const k = i % c;
    xhat.data[i] = (x.data[i]! - mean[k]!) / Math.sqrt(variance[k]! + eps);
    y.data[i] = gamma[k]! * xhat.data[i]! + beta[k]!;
  }
  return { y, cache: { xhat, mean, variance, gamma, eps, batchStats: !stats } };
}

/**
 * Gradients of batchNormForward. Batch statistics: dx = γ/(n·√(σ²+ε)) · (n·dy − Σdy − x̂·Σ(dy·x̂));
 * given statistics (inference): dx = γ/√(σ²+ε) · dy. dγ = Σ dy·x̂, dβ = Σ dy.
 */
export function batchNormBackward(dy: NDArray, cache: ReturnType<typeof batchNormForward>['cache']) {
  const { xhat, variance, gamma, eps } = cache;
  const c = variance.length;
  const n = dy.data.length / c;
  const dgamma = new Float64Array(c);
  const dbeta = new Float64Array(c);
  for (let i = 0; i < dy.data.length; i++) {
    dgamma[i % c] = dgamma[i % c]! + dy.data[i]! * xhat.data[i]!;
    dbeta[i % c] = dbeta[i % c]! + dy.data[i]!;
  }
  const dx = ndarray(dy.shape);
  for (let i = 0; i < dy.data.length; i++) {
    const k = i % c;
    const inv = 1 / Math.sqrt(variance[k]! + eps);
    dx.data[i] = cache.batchStats
      ? (gamma[k]! * inv / n) * (n * dy.data[i]! - dbeta[k]! - xhat.data[i]! * dgamma[k]!)
      : gamma[k]! * inv * dy.data[i]!;
  }
  return { dx, dgamma, dbeta };
}
