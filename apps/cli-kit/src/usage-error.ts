/** A mistake in the command line itself: `runCli` prints it with the help and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
