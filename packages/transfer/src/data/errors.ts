/**
 * Problems with a data set on disk (no class folders, an empty class, an unreadable folder). @cnn/ops has no
 * error code for data-set contents, so this uses 'INVALID_ARGUMENT' (the folder is the argument, as
 * @cnn/yolo's AnnotationFormatError does); `path` says where to look.
 */
import { CnnError } from '@cnn/ops';

export class ImageFolderError extends CnnError {
  /** The folder or file at fault. */
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message.includes(path) ? message : `${message} (${path})`, options);
    this.path = path;
  }
}
