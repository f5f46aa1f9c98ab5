/**
 * Paths read from files we did not write (a weights manifest, a registry entry) must stay inside their
 * folder: `../x.bin`, `/etc/passwd`, `C:\x.bin` or `\\server\share` would let a downloaded model.json read
 * or overwrite any file. The check is plain string logic that treats `/` and `\` alike, so a Windows-style
 * escape is refused on Linux too and the answer never depends on the platform.
 */
import { UnsafePathError } from '../errors/errors.js';

/**
 * Normalizes `rel` (a path relative to `root`) to `a/b/c` form, or throws `UnsafePathError` when it is
 * empty, absolute, has a drive letter, contains NUL, or climbs out of `root` with `..`.
 */
export function safeRelativePath(rel: unknown, root: string): string {
  if (typeof rel !== 'string' || rel.length === 0 || rel.includes('\0')) throw new UnsafePathError(String(rel), root);
  const unified = rel.replace(/\\/g, '/');
  // '/x', '//server/share' and 'C:x' / 'C:/x' are absolute (or drive-relative) somewhere.
  if (unified.startsWith('/') || /^[a-zA-Z]:/.test(unified)) throw new UnsafePathError(rel, root);
  const parts: string[] = [];
  for (const segment of unified.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) throw new UnsafePathError(rel, root);
      parts.pop();
      continue;
    }
    parts.push(segment);
  }
  if (parts.length === 0) throw new UnsafePathError(rel, root);
  return parts.join('/');
}

/** The absolute path of `rel` inside `root` (Node only); throws `UnsafePathError` if it would leave it. */
export async function resolveInside(root: string, rel: unknown): Promise<string> {
  const path = await import('node:path');
  const safe = safeRelativePath(rel, root);
  return path.join(path.resolve(root), ...safe.split('/'));
}
