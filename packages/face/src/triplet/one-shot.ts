/**
 * A minimal one-shot identification score (rank-1 accuracy) for checking a trained embedding net: one
 * enrolled picture per person, every other picture of those people a query, right when the nearest enrolled
 * embedding is the query's person. Deliberately small (no thresholds, no "unknown" answers, no ROC): the
 * package's evaluation module covers the rest.
 */
import { InvalidArgumentError, ShapeMismatchError, describeValue } from '@cnn/ops';
import { assertMetric, rawDistance, type DistanceMetric } from '../distance.js';

export interface OneShotResult {
  /** Queries whose nearest enrolled embedding has their label. */
  correct: number;
  queries: number;
  /** correct / queries. */
  accuracy: number;
}

/**
 * Rank-1 accuracy when the rows `enrolled` (one per person) are the gallery and every other row whose person
 * is enrolled is a query. Rows of people not enrolled are left out. Default metric 'euclidean'.
 */
export function oneShotRank1(embeddings: readonly ArrayLike<number>[], labels: ArrayLike<number>, enrolled: readonly number[], metric: DistanceMetric = 'euclidean'): OneShotResult {
  assertMetric(metric);
  if (!Array.isArray(embeddings) || embeddings.length === 0) throw new InvalidArgumentError('embeddings', 'a non-empty array of embeddings', describeValue(embeddings));
  if (labels.length !== embeddings.length) throw new ShapeMismatchError('labels', `${labels.length} labels for ${embeddings.length} embeddings.`);
  const d = embeddings[0]!.length;
  for (const [i, e] of embeddings.entries()) if (e.length !== d) throw new ShapeMismatchError(`embeddings[${i}]`, `length ${e.length}, the first has ${d}.`);
  const seen = new Set<number>();
  for (const r of enrolled) {
    if (!Number.isInteger(r) || r < 0 || r >= embeddings.length) throw new InvalidArgumentError('enrolled', `row indices in 0..${embeddings.length - 1}`, describeValue(r));
    if (seen.has(labels[r]!)) throw new InvalidArgumentError('enrolled', 'one row per person', `two rows of person ${labels[r]}`);
    seen.add(labels[r]!);
  }
  if (enrolled.length < 2) throw new InvalidArgumentError('enrolled', 'at least two people', describeValue(enrolled));
  const gallery = new Set(enrolled);
  let correct = 0;
  let queries = 0;
  for (let q = 0; q < embeddings.length; q++) {
    if (gallery.has(q) || !seen.has(labels[q]!)) continue;
    let best = -1;
    let bestD = Infinity;
    for (const g of enrolled) {
      const v = rawDistance(embeddings[q]!, embeddings[g]!, metric);
      if (v < bestD) {
        bestD = v;
        best = g;
      }
    }
    queries++;
    if (labels[best] === labels[q]) correct++;
  }
  return { correct, queries, accuracy: queries ? correct / queries : 0 };
}
