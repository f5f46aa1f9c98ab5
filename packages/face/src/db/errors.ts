/**
 * Errors of the face database files. @cnn/ops has no error code for bad file contents, so these use
 * 'INVALID_ARGUMENT' (the file is the argument), as @cnn/yolo's AnnotationFormatError and @cnn/transfer's
 * ImageFolderError do; the class names are what a program catches.
 */
import { CnnError } from '@cnn/ops';

/** A face database file (or bytes, or JSON) that is not one, is truncated, corrupt, or of a newer format. */
export class FaceDatabaseFormatError extends CnnError {
  /** The file, or a label such as 'bytes' / 'JSON' for data that did not come from a file. */
  readonly source: string;
  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', `Cannot read the face database ${source}: ${message}`, options);
    this.source = source;
  }
}

/** A face database made with another embedding model (model id or embedding size) than the one asked for. */
export class FaceDatabaseMismatchError extends CnnError {
  readonly source: string;
  readonly expected: { modelId?: string; embeddingSize?: number };
  readonly found: { modelId: string; embeddingSize: number };
  constructor(source: string, expected: { modelId?: string; embeddingSize?: number }, found: { modelId: string; embeddingSize: number }) {
    const want = [expected.modelId !== undefined ? `model '${expected.modelId}'` : '', expected.embeddingSize !== undefined ? `${expected.embeddingSize}-number embeddings` : '']
      .filter(Boolean)
      .join(', ');
    super(
      'INVALID_ARGUMENT',
      `The face database ${source} holds ${found.embeddingSize}-number embeddings of model '${found.modelId}', expected ${want}. ` +
        'Embeddings of different models cannot be compared: enroll the faces again with this model (or load the database with the model it was made with).',
    );
    this.source = source;
    this.expected = expected;
    this.found = found;
  }
}
