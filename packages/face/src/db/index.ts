/**
 * The face database: identities with several embeddings each, exact nearest-neighbour search through a
 * pluggable vector store, crash-safe files (binary or JSON) that record their embedding model.
 */
export {
  FaceDatabase,
  parseFaceDatabase,
  removeStaleTempFiles,
  type EmbeddingMatch,
  type FaceDatabaseOptions,
  type IdentifyOptions,
  type IdentityRecord,
  type LoadFaceDatabaseOptions,
  type NearestOptions,
  type SaveOptions,
  type SearchOptions,
  type UpdateIdentityOptions,
} from './face-database.js';
export { FlatVectorStore, type FlatVectorStoreOptions } from './flat-vector-store.js';
export type { MaybePromise, VectorHit, VectorRecord, VectorSearchOptions, VectorStore } from './vector-store.js';
export {
  FACE_DATABASE_FORMAT,
  FACE_DATABASE_FORMAT_VERSION,
  FACE_DATABASE_MAGIC,
  decodeFaceDatabase,
  encodeFaceDatabase,
  faceDatabaseFromJSON,
  faceDatabaseToJSON,
  isBinaryFaceDatabase,
  type FaceDatabaseJSON,
  type FaceDatabaseSnapshot,
  type FaceDatabaseSnapshotIdentity,
  type JsonObject,
  type JsonValue,
} from './file-format.js';
export { FaceDatabaseFormatError, FaceDatabaseMismatchError } from './errors.js';
