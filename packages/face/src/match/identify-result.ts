/**
 * What identification returns, and the decision rule shared by `identify` and `FaceDatabase.identify`: the
 * nearest identity is the answer when its distance is ≤ the threshold, otherwise the face is 'unknown'.
 */
import type { DistanceMetric } from '../distance.js';
import type { JsonObject } from '../db/file-format.js';

/** The answer for a face whose nearest identity is farther than the threshold. No identity may use this name. */
export const UNKNOWN_IDENTITY = 'unknown';

/** How the distances of one identity's embeddings make the identity's distance. */
export type IdentityAggregate = 'min' | 'mean' | 'centroid';
export const IDENTITY_AGGREGATES: readonly IdentityAggregate[] = ['min', 'mean', 'centroid'];

/** One identity in a ranking. */
export interface IdentityMatch {
  identity: string;
  /** The identity's distance to the query (see IdentityAggregate). */
  distance: number;
  /** The id of the identity's nearest embedding ('min' and 'mean'; absent for 'centroid'). */
  embeddingId?: number;
  /** How many embeddings the identity has. */
  embeddingCount: number;
  metadata: JsonObject;
}

/** A ranked identity with the threshold decision. */
export interface IdentifyMatch extends IdentityMatch {
  /** distance ≤ threshold. */
  verified: boolean;
}

export interface IdentifyResult {
  /** The nearest identity when its distance is ≤ threshold, else UNKNOWN_IDENTITY. */
  identity: string;
  /** Whether `identity` is a known one (false: 'unknown', including an empty database). */
  known: boolean;
  /** Distance of the nearest identity (Infinity when the database is empty). */
  distance: number;
  threshold: number;
  metric: DistanceMetric;
  aggregate: IdentityAggregate;
  modelId: string;
  /** The topK nearest identities, nearest first, each with its own decision. */
  matches: IdentifyMatch[];
}

/** Applies the threshold to a ranking (nearest first). */
export function decideIdentity(
  ranking: readonly IdentityMatch[],
  context: { threshold: number; metric: DistanceMetric; aggregate: IdentityAggregate; modelId: string },
): IdentifyResult {
  const matches = ranking.map((m) => ({ ...m, verified: m.distance <= context.threshold }));
  const best = matches[0];
  const known = best !== undefined && best.verified;
  return {
    identity: known ? best.identity : UNKNOWN_IDENTITY,
    known,
    distance: best?.distance ?? Infinity,
    threshold: context.threshold,
    metric: context.metric,
    aggregate: context.aggregate,
    modelId: context.modelId,
    matches,
  };
}
