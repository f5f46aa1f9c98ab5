/**
 * @cnn/cli-kit: what the demo apps' command lines share (private, source only; the apps run it through tsx).
 * Model logic stays in the packages; this is only the command line's plumbing.
 */
export { UsageError } from './usage-error.js';
export { choiceOption, intOption, numberOption, rejectForeignOptions } from './options.js';
export { userPath } from './paths.js';
export { makeLog, makeProgress, percent, writePicture } from './output.js';
export { parseCommandLine, runCli } from './run-cli.js';
