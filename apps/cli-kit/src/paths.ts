import { isAbsolute, resolve } from 'node:path';

/**
 * A path as the user meant it (a URL such as http://host/bundle/ is left as it is). `pnpm --filter <app> start ...` runs in the app's folder, so a relative path is
 * resolved against INIT_CWD (where pnpm / npm was started) when it is set.
 */
export function userPath(path: string): string {
  if (isAbsolute(path) || /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return path; // absolute, or a URL (http://...)
  return resolve(process.env['INIT_CWD'] ?? process.cwd(), path);
}
