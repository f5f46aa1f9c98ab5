/**
 * sha256 of files (Node only), streamed so a 500 MB weights file never sits in memory, and memoized per
 * (path, size, mtime) so resolving the same weights twice in a process hashes them once.
 */
import { ChecksumMismatchError, InvalidArgumentError } from '../errors/errors.js';

const verified = new Map<string, string>();

/** Lower-case hex, or throws InvalidArgumentError naming `argument`. */
export function normalizeSha256(value: unknown, argument: string): string {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{64}$/.test(value)) {
    throw new InvalidArgumentError(argument, 'a sha256 digest (64 hex digits)', typeof value === 'string' ? JSON.stringify(value) : typeof value);
  }
  return value.toLowerCase();
}

/** Lower-case hex md5 (Keras publishes md5 `file_hash`es for its application weights), or throws InvalidArgumentError. */
export function normalizeMd5(value: unknown, argument: string): string {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{32}$/.test(value)) {
    throw new InvalidArgumentError(argument, 'an md5 digest (32 hex digits)', typeof value === 'string' ? JSON.stringify(value) : typeof value);
  }
  return value.toLowerCase();
}

/** The hex sha256 of a file's contents. */
export function sha256File(file: string): Promise<string> {
  return hashFile(file, 'sha256');
}

/** The hex md5 of a file's contents (for published md5 digests such as Keras's; not a security check). */
export function md5File(file: string): Promise<string> {
  return hashFile(file, 'md5');
}

async function hashFile(file: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  const { createReadStream } = await import('node:fs');
  const { stat } = await import('node:fs/promises');
  const { createHash } = await import('node:crypto');
  const st = await stat(file);
  const key = `${algorithm}\0${file}\0${st.size}\0${st.mtimeMs}`;
  const known = verified.get(key);
  if (known) return known;
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  verified.set(key, digest);
  return digest;
}

/** Throws ChecksumMismatchError (naming the file) unless `file` hashes to `expected`. */
export async function verifySha256(file: string, expected: string): Promise<void> {
  const want = normalizeSha256(expected, 'sha256');
  const got = await sha256File(file);
  if (got !== want) throw new ChecksumMismatchError(file, want, got);
}
