/**
 * Typed errors of CNN for All. Every user-facing failure is one of these: it names the argument, says what
 * was expected and what came, and (where we know) how to fix it. `code` is stable for programs to switch on.
 */

export type CnnErrorCode =
  | 'INVALID_ARGUMENT'
  | 'SHAPE_MISMATCH'
  | 'BACKEND_UNAVAILABLE'
  | 'IMAGE_DECODE'
  | 'FILE_NOT_FOUND'
  | 'WEIGHTS_NOT_FOUND'
  | 'WEIGHTS_MISMATCH'
  | 'CHECKSUM_MISMATCH'
  | 'UNSAFE_PATH'
  | 'ABORTED';

export class CnnError extends Error {
  readonly code: CnnErrorCode;
  constructor(code: CnnErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An argument has the wrong type, value, rank, shape or dtype. */
export class InvalidArgumentError extends CnnError {
  readonly argument: string;
  readonly expected: string;
  readonly received: string;
  constructor(argument: string, expected: string, received: string, hint?: string) {
    super(
      'INVALID_ARGUMENT',
      `Invalid argument '${argument}': expected ${expected}, received ${received}.${hint ? ` ${hint}` : ''}`,
    );
    this.argument = argument;
    this.expected = expected;
    this.received = received;
  }
}

/** Two arguments do not fit together (e.g. input channels vs filter in-channels). */
export class ShapeMismatchError extends CnnError {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super('SHAPE_MISMATCH', `Shape mismatch in '${argument}': ${message}`);
    this.argument = argument;
  }
}

/** A backend was requested that is not installed or cannot start here. */
export class BackendUnavailableError extends CnnError {
  readonly backend: string;
  constructor(backend: string, message: string, options?: { cause?: unknown }) {
    super('BACKEND_UNAVAILABLE', message, options);
    this.backend = backend;
  }
}

/** Bytes that are not a readable image. */
export class ImageDecodeError extends CnnError {
  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super('IMAGE_DECODE', `Cannot decode image ${source}: ${message}`, options);
  }
}

/** A file or folder that should exist does not. */
export class FileNotFoundError extends CnnError {
  readonly path: string;
  constructor(path: string, what = 'file', hint?: string) {
    super('FILE_NOT_FOUND', `The ${what} '${path}' does not exist.${hint ? ` ${hint}` : ''}`);
    this.path = path;
  }
}

/** Weights could not be found anywhere on the search path and could not be downloaded. */
export class WeightsNotFoundError extends CnnError {
  readonly id: string;
  readonly searched: readonly string[];
  constructor(id: string, searched: readonly string[], message: string, options?: { cause?: unknown }) {
    super('WEIGHTS_NOT_FOUND', message, options);
    this.id = id;
    this.searched = searched;
  }
}

/** Weights that exist but do not fit (shapes, names, byte counts). */
export class WeightsMismatchError extends CnnError {
  constructor(message: string) {
    super('WEIGHTS_MISMATCH', message);
  }
}

/** A downloaded or cached file whose sha256 differs from the published one. */
export class ChecksumMismatchError extends CnnError {
  constructor(file: string, expected: string, actual: string, algorithm: 'sha256' | 'md5' = 'sha256') {
    super(
      'CHECKSUM_MISMATCH',
      `${algorithm} of '${file}' is ${actual}, expected ${expected}. The file is corrupt or not the published one; delete it and download it again.`,
    );
  }
}

/** A path (e.g. in a weights manifest) that escapes the folder it must stay in. */
export class UnsafePathError extends CnnError {
  constructor(path: string, root: string) {
    super('UNSAFE_PATH', `The path '${path}' escapes the folder '${root}'; refusing to read or write outside it.`);
  }
}

/** Long work stopped through an AbortSignal. */
export class AbortedError extends CnnError {
  constructor(what = 'operation') {
    super('ABORTED', `The ${what} was aborted.`);
  }
}
