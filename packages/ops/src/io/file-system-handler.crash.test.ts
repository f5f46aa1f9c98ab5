/**
 * Crash safety of `fileSystem().save()`, with node:fs/promises wrapped so that every write step (open for
 * writing, write, fsync, rename) can fail — a partial write then an error — or be followed by a snapshot of
 * the model folder, i.e. what a crash right there would leave on disk.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready } from '../backend/backend.js';
import { FileNotFoundError } from '../errors/errors.js';
import { fileSystem } from './file-system-handler.js';

const ctl = vi.hoisted(() => ({ failAt: 0, steps: 0, onStep: undefined as (() => void) | undefined }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const before = () => ++ctl.steps === ctl.failAt;
  const fail = () => Object.assign(new Error('simulated disk failure'), { code: 'ENOSPC' });
  const after = () => ctl.onStep?.();
  const open = async (file: string, flags?: string, mode?: number) => {
    const writing = typeof flags === 'string' && /[wa]/.test(flags);
    if (!writing) return real.open(file, flags, mode);
    if (before()) throw fail();
    const h = await real.open(file, flags, mode);
    after();
    return {
      async write(buf: Uint8Array, offset = 0, length = buf.byteLength - offset) {
        if (before()) {
          await h.write(buf, offset, Math.floor(length / 2)); // a torn write, then the error
          after();
          throw fail();
        }
        const r = await h.write(buf, offset, length);
        after();
        return r;
      },
      async sync() {
        if (before()) throw fail();
        await h.sync();
        after();
      },
      close: () => h.close(),
    };
  };
  const rename = async (from: string, to: string) => {
    if (before()) throw fail();
    await real.rename(from, to);
    after();
  };
  const rm = async (...args: Parameters<typeof real.rm>) => {
    await real.rm(...args);
    after();
  };
  return { ...real, default: { ...real, open, rename, rm }, open, rename, rm };
});

const root = mkdtempSync(join(tmpdir(), 'cnn-crash-'));
beforeAll(async () => {
  await ready({ backend: 'cpu' });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function artifacts(version: number): tf.io.ModelArtifacts {
  return {
    modelTopology: { class_name: 'Toy', config: { version } },
    format: 'layers-model',
    weightSpecs: [{ name: 'w', shape: [64], dtype: 'float32' }],
    weightData: Float32Array.from({ length: 64 }, (_, i) => i * version).buffer,
  };
}

type Snapshot = Map<string, Buffer>;
const snap = (dir: string): Snapshot => new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));

/** Which version a folder's model loads as (throws if it loads as neither, or half of each). */
async function loadedVersion(dir: string): Promise<number> {
  const a = await fileSystem(dir).load();
  const version = (a.modelTopology as { config: { version: number } }).config.version;
  expect(Buffer.from(a.weightData as ArrayBuffer).equals(Buffer.from(artifacts(version).weightData as ArrayBuffer))).toBe(true);
  return version;
}

async function countSteps(dir: string, version: number): Promise<number> {
  ctl.steps = 0;
  await fileSystem(dir).save(artifacts(version));
  return ctl.steps;
}

describe('fileSystem save under failures and crashes', () => {
  it('a failure at any write step keeps the old model loadable and leaves no temp or new files', async () => {
    const dir = join(root, 'fail');
    await countSteps(dir, 1);
    const original = [...snap(dir).keys()].sort();
    const steps = await countSteps(join(root, 'probe'), 2);
    expect(steps).toBeGreaterThanOrEqual(8); // open, write, sync, rename for a shard and for model.json
    for (let k = 1; k <= steps; k++) {
      ctl.steps = 0;
      ctl.failAt = k;
      await expect(fileSystem(dir).save(artifacts(2)), `failure at step ${k}`).rejects.toThrow('simulated disk failure');
      ctl.failAt = 0;
      expect([...snap(dir).keys()].sort(), `files after a failure at step ${k}`).toEqual(original);
      expect(await loadedVersion(dir)).toBe(1);
    }
  });

  it('a failing first save leaves nothing that loads', async () => {
    const dir = join(root, 'first');
    ctl.steps = 0;
    ctl.failAt = 3;
    await expect(fileSystem(dir).save(artifacts(1))).rejects.toThrow('simulated disk failure');
    ctl.failAt = 0;
    expect(readdirSync(dir)).toEqual([]);
    await expect(fileSystem(dir).load()).rejects.toThrow(FileNotFoundError);
  });

  it('a crash after any step leaves a folder that loads as exactly the old or the new model', async () => {
    const dir = join(root, 'crash');
    await countSteps(dir, 1);
    const states: Snapshot[] = [snap(dir)];
    ctl.onStep = () => states.push(snap(dir));
    await fileSystem(dir).save(artifacts(2));
    ctl.onStep = undefined;
    expect(states.length).toBeGreaterThan(8);
    const seen = new Set<number>();
    for (const [i, state] of states.entries()) {
      const fresh = mkdtempSync(join(root, `state-${i}-`));
      for (const [f, b] of state) writeFileSync(join(fresh, f), b);
      seen.add(await loadedVersion(fresh));
    }
    expect([...seen].sort()).toEqual([1, 2]);
    // After the save only the new model's files remain.
    expect([...snap(dir).keys()].filter((f) => !f.startsWith('model.'))).toEqual([]);
    expect([...snap(dir).keys()]).toHaveLength(2);
  });
});
