/**
 * The demo apps' exit codes: 0 done, 1 a failure the packages reported (a CnnError: its message says what to
 * do), 2 a usage error (printed with the help). Anything else is a bug and keeps its stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CnnError } from '@cnn/ops';
import { UsageError } from './usage-error.js';

/** node:util's parseArgs, with its errors (unknown option, missing value) turned into usage errors. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) throw new UsageError(err.message);
    throw err;
  }
}

function fail(message: string, code: 1 | 2, help: string): never {
  console.error(code === 2 ? `error: ${message}\n\n${help}` : `error: ${message}`);
  process.exit(code);
}

/** Runs the command and exits with its code (0 or 1), or 1 / 2 for a CnnError / UsageError. */
export async function runCli(run: () => Promise<number>, help: string): Promise<void> {
  try {
    process.exitCode = await run();
  } catch (err) {
    if (err instanceof UsageError) fail(err.message, 2, help);
    if (err instanceof CnnError) fail(err.message, 1, help);
    throw err;
  }
}
