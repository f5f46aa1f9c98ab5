/**
 * Face identification (who is this?), DeepFace's `find` in one call: rank the identities of a FaceDatabase or
 * of a plain gallery by distance to the face, and answer 'unknown' when even the nearest is farther than the
 * threshold.
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import type { EmbeddingLike } from '../distance.js';
import { FaceDatabase, type IdentifyOptions } from '../db/face-database.js';
import type { JsonObject } from '../db/file-format.js';
import type { IdentifyResult } from './identify-result.js';
import { FACE_API_EMBEDDING_SIZE, FACE_API_MODEL_ID } from './thresholds.js';

/** One picture's embedding in a gallery, with whose it is. */
export interface GalleryEntry {
  identity: string;
  embedding: EmbeddingLike;
  /** Merged into the identity's metadata. */
  metadata?: JsonObject;
}

export interface IdentifyFaceOptions extends IdentifyOptions {
  /** For a gallery: the model that made the embeddings (default 'dlib-resnet34-face-api'; a database knows its own). */
  modelId?: string;
}

/**
 * Ranks the identities of `db` (or of a gallery: entries with several pictures of a person are one identity)
 * by distance to `face` and applies the threshold. Defaults: topK 5, metric 'euclidean', aggregate 'min',
 * threshold DEFAULT_THRESHOLDS[modelId][metric].
 */
export async function identify(face: EmbeddingLike, db: FaceDatabase | readonly GalleryEntry[], options: IdentifyFaceOptions = {}): Promise<IdentifyResult> {
  if (db instanceof FaceDatabase) {
    if (options.modelId !== undefined && options.modelId !== db.modelId) {
      throw new InvalidArgumentError('options.modelId', `the database's model '${db.modelId}'`, describeValue(options.modelId), 'The face was embedded by another model than the database holds.');
    }
    return db.identify(face, options);
  }
  if (!Array.isArray(db)) throw new InvalidArgumentError('db', 'a FaceDatabase or an array of { identity, embedding }', describeValue(db));
  const modelId = options.modelId ?? FACE_API_MODEL_ID;
  const first = (db as readonly GalleryEntry[])[0]?.embedding;
  const embeddingSize = modelId === FACE_API_MODEL_ID ? FACE_API_EMBEDDING_SIZE : (first?.length ?? (face as ArrayLike<number>)?.length);
  const gallery = new FaceDatabase({ modelId, embeddingSize });
  try {
    for (const [i, entry] of (db as readonly GalleryEntry[]).entries()) {
      if (entry === null || typeof entry !== 'object') throw new InvalidArgumentError(`db[${i}]`, '{ identity, embedding }', describeValue(entry));
      await gallery.enroll(entry.identity, [entry.embedding], entry.metadata);
    }
    return await gallery.identify(face, options);
  } finally {
    await gallery.dispose();
  }
}
