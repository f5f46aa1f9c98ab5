/**
 * Errors of the Darknet loader. A `.cfg` problem names the line (1-based) and the section it is in, so a user
 * can open the file and fix it; weights that do not fit the cfg are `WeightsMismatchError`s from @cnn/ops.
 */
import { CnnError } from '@cnn/ops';

/** A `.cfg` that cannot be read or built: unknown section, bad or unsupported option, bad layer index. */
export class DarknetCfgError extends CnnError {
  /** 1-based line of the problem in the cfg text (0 when it concerns the whole file). */
  readonly line: number;
  /** The section the line belongs to (e.g. 'convolutional'), when known. */
  readonly section: string | undefined;
  constructor(line: number, message: string, section?: string) {
    super('INVALID_ARGUMENT', `Darknet cfg${line > 0 ? `, line ${line}` : ''}${section ? ` [${section}]` : ''}: ${message}`);
    this.line = line;
    this.section = section;
  }
}
