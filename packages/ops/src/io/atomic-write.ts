/**
 * Atomic file writes (Node): write a temporary file in the same folder, flush it to disk, then rename it
 * over the target. A crash or an error mid-write leaves the previous file (or nothing), never a half-written
 * one. Node modules are imported lazily so browser bundles of @cnn/ops never load them.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const { randomBytes } = await import('node:crypto');
  const { mkdir, open, rename, rm } = await import('node:fs/promises');
  const { basename, dirname, join } = await import('node:path');
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
