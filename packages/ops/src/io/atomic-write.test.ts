import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cnn-atomic-'));
    dirs.push(dir);
    const f = join(dir, 'sub', 'atomic.txt');
    await writeFileAtomic(f, 'one');
    await writeFileAtomic(f, new TextEncoder().encode('two'));
    expect(await readFile(f, 'utf8')).toBe('two');
    expect(await readdir(join(dir, 'sub'))).toEqual(['atomic.txt']);
  });
});
