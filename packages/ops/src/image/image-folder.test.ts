import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { FileNotFoundError, InvalidArgumentError } from '../errors/errors.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageFolderError, readImageFolder } from './image-folder.js';

const makeTempDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'cnn-image-folder-'));
const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

/** Only listing is tested here, so the "images" are empty files; decoding is image-batches.test.ts's job. */
async function touch(path: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, '');
}

describe('readImageFolder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir();
    const root = join(dir, 'ok');
    for (const f of ['b_dog/2.png', 'b_dog/1.JPG', 'b_dog/nested/deeper/3.jpeg', 'a_cat/x.png', 'C/z.bmp', 'C/y.tif']) await touch(join(root, f));
    // Skipped: hidden files and folders, other extensions, files directly in root.
    for (const f of ['b_dog/.DS_Store', 'b_dog/.hidden.png', 'a_cat/.thumbs/t.png', 'a_cat/notes.txt', 'a_cat/noext', 'top.png', '.git/HEAD.png']) await touch(join(root, f));
    await symlink(join(root, 'a_cat', 'x.png'), join(root, 'C', 'linked.png'));
    await touch(join(dir, 'empty-class', 'full', '1.png'));
    await mkdir(join(dir, 'empty-class', 'empty', 'sub'), { recursive: true });
    await touch(join(dir, 'empty-class', 'empty', 'readme.txt'));
    await mkdir(join(dir, 'no-classes'));
    await touch(join(dir, 'no-classes', 'a.png'));
    await touch(join(dir, 'a-file.png'));
    await symlink(join(dir, 'loop-b'), join(dir, 'loop-a'));
    await symlink(join(dir, 'loop-a'), join(dir, 'loop-b'));
  });
  afterAll(() => removeDir(dir));

  it('sorts class folders by code point (as Keras) and lists images recursively, skipping hidden and other files', async () => {
    const root = join(dir, 'ok');
    const { classNames, items } = await readImageFolder(root);
    expect(classNames).toEqual(['C', 'a_cat', 'b_dog']);
    expect(items).toEqual([
      { path: join(root, 'C', 'linked.png'), label: 0 },
      { path: join(root, 'C', 'y.tif'), label: 0 },
      { path: join(root, 'C', 'z.bmp'), label: 0 },
      { path: join(root, 'a_cat', 'x.png'), label: 1 },
      { path: join(root, 'b_dog', '1.JPG'), label: 2 },
      { path: join(root, 'b_dog', '2.png'), label: 2 },
      { path: join(root, 'b_dog', 'nested', 'deeper', '3.jpeg'), label: 2 },
    ]);
  });

  it('takes explicit classes in the given order and custom extensions', async () => {
    const root = join(dir, 'ok');
    const { classNames, items } = await readImageFolder(root, { classes: ['b_dog', 'C'], extensions: ['PNG'] });
    expect(classNames).toEqual(['b_dog', 'C']);
    expect(items.map((i) => [i.path.slice(root.length + 1), i.label])).toEqual([
      [join('b_dog', '2.png'), 0],
      [join('C', 'linked.png'), 1],
    ]);
  });

  it('throws typed errors that name the path', async () => {
    const missing = join(dir, 'nope');
    await expect(readImageFolder(missing)).rejects.toThrow(FileNotFoundError);
    await expect(readImageFolder(missing)).rejects.toThrow(missing);
    await expect(readImageFolder(join(dir, 'a-file.png'))).rejects.toThrow(InvalidArgumentError);
    const noClasses = join(dir, 'no-classes');
    await expect(readImageFolder(noClasses)).rejects.toThrow(ImageFolderError);
    await expect(readImageFolder(noClasses)).rejects.toThrow(/has no class subfolders/);
    const emptyClass = join(dir, 'empty-class', 'empty');
    const err = await readImageFolder(join(dir, 'empty-class')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageFolderError);
    expect((err as ImageFolderError).path).toBe(emptyClass);
    expect((err as Error).message).toContain(`'${emptyClass}' has no images with the extensions .bmp, .jpeg, .jpg, .png, .tif, .tiff`);
    await expect(readImageFolder(join(dir, 'ok'), { classes: ['a_cat', 'wolf'] })).rejects.toThrow(join(dir, 'ok', 'wolf'));
    await expect(readImageFolder(join(dir, 'ok'), { classes: ['a_cat', 'a_cat'] })).rejects.toThrow(/'a_cat' twice/);
    await expect(readImageFolder(join(dir, 'ok'), { extensions: [] })).rejects.toThrow(/options\.extensions/);
    // Unreadable (a symlink loop: ELOOP even as root, where permission bits are ignored).
    const loop = join(dir, 'loop-a');
    const unreadable = await readImageFolder(loop).catch((e: unknown) => e);
    expect(unreadable).toBeInstanceOf(ImageFolderError);
    expect((unreadable as Error).message).toMatch(new RegExp(`Cannot read the image folder '${loop.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' \\(ELOOP`));
  });
});
