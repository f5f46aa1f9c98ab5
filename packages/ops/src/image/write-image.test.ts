import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/errors.js';
import { describeEachBackend, expectNoLeaks } from '../testing/index.js';
import { decodeImage } from './decode-image.js';
import { sniffImageFormat } from './image-format.js';
import { imageFormatFromPath, writeImage } from './write-image.js';

describeEachBackend('writeImage', (backend) => {
  let dir: string;
  let image: tf.Tensor3D;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `cnn-write-${backend}-`));
    image = tf.tensor3d(Array.from({ length: 4 * 5 * 3 }, (_, i) => (i * 13) % 256), [4, 5, 3], 'int32');
  });
  afterAll(async () => {
    image.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('picks the format from the extension and creates missing folders', async () => {
    const cases = [['a.png', 'PNG'], ['b.jpg', 'JPEG'], ['c.JPEG', 'JPEG'], ['d.bmp', 'BMP']] as const;
    for (const [name, format] of cases) {
      const path = join(dir, 'nested', 'deeper', name);
      await writeImage(path, image, { quality: 95 });
      expect(sniffImageFormat(await readFile(path))).toBe(format);
    }
    const back = await decodeImage(join(dir, 'nested', 'deeper', 'a.png'));
    expect(Array.from(back.dataSync())).toEqual(Array.from(image.dataSync()));
    back.dispose();
    expect(imageFormatFromPath('x/y.Jpg')).toBe('jpeg');
  });

  it('is atomic: no temp files remain, and a failed encode leaves the old file as it was', async () => {
    const out = join(dir, 'atomic');
    const path = join(out, 'pic.png');
    await writeImage(path, image);
    const before = await readFile(path);
    await expect(writeImage(path, tf.zeros([2, 2, 2]) as tf.Tensor3D)).rejects.toThrow(InvalidArgumentError);
    expect(Buffer.compare(await readFile(path), before)).toBe(0);
    // overwrite with a different picture: replaced in one piece
    const other = tf.fill([3, 3, 3], 200, 'int32') as tf.Tensor3D;
    await writeImage(path, other);
    expect(Buffer.compare(await readFile(path), before)).not.toBe(0);
    expect(await readdir(out)).toEqual(['pic.png']); // readdir lists dot-files: no '.pic.png.*.tmp' left
    other.dispose();
  });

  it('cleans up its temp file when the final rename fails (target is a folder)', async () => {
    const out = join(dir, 'rename-fails');
    await mkdir(join(out, 'taken.png'), { recursive: true });
    await writeFile(join(out, 'taken.png', 'keep.txt'), 'x');
    await expect(writeImage(join(out, 'taken.png'), image)).rejects.toThrow(/'path'.*which is a folder/);
    expect(await readdir(out)).toEqual(['taken.png']);
    expect(await readdir(join(out, 'taken.png'))).toEqual(['keep.txt']);
  });

  it('rejects unknown or missing extensions before writing anything', async () => {
    for (const name of ['x.gif', 'x.webp', 'noext', '.png', 'dir.png/']) {
      await expect(writeImage(join(dir, 'bad', name), image)).rejects.toThrow(/'path'.*\.png, \.jpg, \.jpeg or \.bmp/);
    }
    await expect(writeImage('' as string, image)).rejects.toThrow(InvalidArgumentError);
    await expect(readdir(join(dir, 'bad'))).rejects.toThrow(/ENOENT/);
  });

  it('does not leak', async () => {
    const f = tf.cast(image, 'float32') as tf.Tensor3D;
    await expectNoLeaks(async () => {
      await writeImage(join(dir, 'leak.png'), image);
      await writeImage(join(dir, 'leak.jpg'), f, { range: '0-255' });
      await writeImage(join(dir, 'leak.gif'), image).catch(() => undefined);
    });
    f.dispose();
  });
});
