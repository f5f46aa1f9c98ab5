/**
 * Malformed annotation files. @cnn/ops has no error code for bad file contents yet, so this uses
 * 'INVALID_ARGUMENT' (the file is the argument); `file` and `line` say where to look.
 */
import { CnnError } from '@cnn/ops';

export class AnnotationFormatError extends CnnError {
  /** The file (or the label passed for text not read from a file). */
  readonly file: string;
  /** 1-based line, when known. */
  readonly line: number | undefined;
  constructor(file: string, line: number | undefined, message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', `${file}${line !== undefined ? `:${line}` : ''}: ${message}`, options);
    this.file = file;
    this.line = line;
  }
}
