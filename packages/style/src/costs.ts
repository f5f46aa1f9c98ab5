/**
 * The course's neural-style-transfer costs, on activations a of shape [n_H, n_W, n_C] (or [1, n_H, n_W, n_C]):
 *   J_content = 1/(4·n_H·n_W·n_C) · Σ (a(C) − a(G))²
 *   J_style_layer = 1/(4·n_C²·(n_H·n_W)²) · Σ (Gram(S) − Gram(G))², Gram = A·Aᵀ over channels
 *   J_style = Σ_l λ_l · J_style_layer(l)
 *   J = α·J_content + β·J_style (+ γ·TV(G))
 * All differentiable (tf.grad flows to the generated image) and checked against plain loops in
 * `reference.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertTensor, gramMatrix, InvalidArgumentError, ShapeMismatchError } from '@cnn/ops';

type Act = tf.Tensor3D | tf.Tensor4D;

/** [n_H, n_W, n_C] view of a single image's activations (batch 1 allowed). */
function as3d(a: Act, argument: string): tf.Tensor3D {
  assertTensor(a, argument, { dtype: ['float32'] });
  if (a.rank === 4) {
    if (a.shape[0] !== 1) throw new InvalidArgumentError(argument, 'activations of one image: [n_H, n_W, n_C] or [1, n_H, n_W, n_C]', `shape [${a.shape}]`);
    return tf.reshape(a, a.shape.slice(1) as [number, number, number]);
  }
  if (a.rank !== 3) throw new InvalidArgumentError(argument, 'activations [n_H, n_W, n_C] or [1, n_H, n_W, n_C]', `rank ${a.rank} (shape [${a.shape}])`);
  return a as tf.Tensor3D;
}

function sameShape(a: tf.Tensor, b: tf.Tensor, what: string): void {
  if (a.shape.join() !== b.shape.join()) throw new ShapeMismatchError(what, `the same activation shape, got [${a.shape}] and [${b.shape}]`);
}

/** J_content(C, G) = 1/(4·n_H·n_W·n_C) · Σ (a(C) − a(G))². */
export function contentCost(aC: Act, aG: Act): tf.Scalar {
  return tf.tidy(() => {
    const c = as3d(aC, 'aC');
    const g = as3d(aG, 'aG');
    sameShape(c, g, 'contentCost(aC, aG)');
    const [h, w, ch] = c.shape;
    return tf.div(tf.sum(tf.squaredDifference(c, g)), 4 * h * w * ch) as tf.Scalar;
  });
}

/** J_style_layer(S, G) = 1/(4·n_C²·(n_H·n_W)²) · Σ (Gram(a(S)) − Gram(a(G)))². */
export function styleLayerCost(aS: Act, aG: Act): tf.Scalar {
  return tf.tidy(() => {
    const s = as3d(aS, 'aS');
    const g = as3d(aG, 'aG');
    sameShape(s, g, 'styleLayerCost(aS, aG)');
    return styleLayerCostFromGram(gramMatrix(s), g);
  });
}

/**
 * The style layer cost against a precomputed style Gram matrix (the style image's Grams are computed once
 * per run). `gS` is [n_C, n_C]; `aG` the generated image's activations.
 */
export function styleLayerCostFromGram(gS: tf.Tensor2D, aG: Act): tf.Scalar {
  return tf.tidy(() => {
    const g = as3d(aG, 'aG');
    const [h, w, ch] = g.shape;
    if (gS.rank !== 2 || gS.shape[0] !== ch || gS.shape[1] !== ch) throw new ShapeMismatchError('styleLayerCostFromGram(gS, aG)', `a [${ch}, ${ch}] Gram matrix for ${ch} channels, got [${gS.shape}]`);
    const gG = gramMatrix(g);
    return tf.div(tf.sum(tf.squaredDifference(gS, gG)), 4 * ch * ch * (h * w) ** 2) as tf.Scalar;
  });
}

/** J_style = Σ_l λ_l · J_style_layer(l), over matching lists of style and generated activations. */
export function styleCost(aS: readonly Act[], aG: readonly Act[], weights?: readonly number[]): tf.Scalar {
  if (aS.length !== aG.length || aS.length === 0) throw new ShapeMismatchError('styleCost', `one generated activation per style layer, got ${aS.length} style and ${aG.length} generated`);
  const lambdas = weights ?? aS.map(() => 1 / aS.length);
  if (lambdas.length !== aS.length || !lambdas.every((l) => Number.isFinite(l) && l >= 0)) {
    throw new InvalidArgumentError('weights', `${aS.length} non-negative layer weights`, JSON.stringify(weights));
  }
  return tf.tidy(() => tf.addN(aS.map((s, l) => tf.mul(styleLayerCost(s, aG[l]!), lambdas[l]!))) as tf.Scalar);
}

/**
 * Total variation of an image [H, W, C] or [1, H, W, C]: the mean squared difference between neighbouring
 * pixels (vertical and horizontal), a smoothness prior that removes high-frequency noise.
 */
export function totalVariation(image: Act): tf.Scalar {
  return tf.tidy(() => {
    const x = as3d(image, 'image');
    const [h, w, c] = x.shape;
    if (h < 2 || w < 2) throw new InvalidArgumentError('image', 'at least 2×2 pixels', `shape [${x.shape}]`);
    const dy = tf.squaredDifference(tf.slice(x, [1, 0, 0], [h - 1, w, c]), tf.slice(x, [0, 0, 0], [h - 1, w, c]));
    const dx = tf.squaredDifference(tf.slice(x, [0, 1, 0], [h, w - 1, c]), tf.slice(x, [0, 0, 0], [h, w - 1, c]));
    return tf.add(tf.mean(dy), tf.mean(dx)) as tf.Scalar;
  });
}

/** J = α·J_content + β·J_style (+ γ·TV): the course's defaults α = 10, β = 40. */
export function totalCost(jContent: tf.Scalar, jStyle: tf.Scalar, options: { alpha?: number; beta?: number; gamma?: number; tv?: tf.Scalar } = {}): tf.Scalar {
  const { alpha = 10, beta = 40, gamma = 0, tv } = options;
  return tf.tidy(() => {
    let j = tf.add(tf.mul(jContent, alpha), tf.mul(jStyle, beta));
    if (gamma !== 0) {
      if (!tv) throw new InvalidArgumentError('options.tv', 'the total variation cost when gamma is not 0', 'undefined');
      j = tf.add(j, tf.mul(tv, gamma));
    }
    return j as tf.Scalar;
  });
}
