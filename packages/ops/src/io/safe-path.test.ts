import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnsafePathError } from '../errors/errors.js';
import { resolveInside, safeRelativePath } from './safe-path.js';

describe('safeRelativePath', () => {
  it('normalizes paths that stay inside the folder', () => {
    expect(safeRelativePath('group1-shard1of1.bin', '/m')).toBe('group1-shard1of1.bin');
    expect(safeRelativePath('./weights/a.bin', '/m')).toBe('weights/a.bin');
    expect(safeRelativePath('weights\\a.bin', '/m')).toBe('weights/a.bin');
    expect(safeRelativePath('a/../b.bin', '/m')).toBe('b.bin');
  });

  it.each(['../secret.bin', '..', 'a/../../b', '..\\x.bin', '/etc/passwd', '\\\\server\\share\\x.bin', '//server/x', 'C:\\x.bin', 'c:x.bin', 'D:/x', '', '.', 'a/..', 'x\0.bin'])(
    'refuses %j',
    (p) => {
      expect(() => safeRelativePath(p, '/m')).toThrow(UnsafePathError);
    },
  );

  it('refuses non-strings and names the path and the folder', () => {
    expect(() => safeRelativePath(42, '/m')).toThrow(UnsafePathError);
    expect(() => safeRelativePath('../x.bin', '/models/vgg')).toThrow(/'\.\.\/x\.bin' escapes the folder '\/models\/vgg'/);
  });
});

describe('resolveInside', () => {
  it('joins a safe path onto the absolute root', async () => {
    expect(await resolveInside('rel/m', 'w/a.bin')).toBe(join(resolve('rel/m'), 'w', 'a.bin'));
    await expect(resolveInside('/m', '../x')).rejects.toThrow(UnsafePathError);
  });
});
