/**
 * Crash safety of `FaceDatabase.save`: a child process (plain Node, ./test-support/save-loop.mjs) saves a
 * ~10 MB database over and over, cycling through three versions, and is killed with SIGKILL at random moments.
 * After every kill the file must load and be exactly the last version the child finished saving or the one it
 * was writing (never a mix, never unreadable); the temporary files the killed saves leave must not disturb
 * loading, and the next save removes them.
 *
 * The child runs the real src/db code: the test bundles src/db/index.ts with tsup (this package's build tool)
 * into node_modules/.cache first, so it needs no `dist/` and always tests the current source.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceDatabase } from './face-database.js';
import { mulberry32, randomEmbeddings } from './test-support/random-embeddings.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..', '..');
// Inside the package so that the bundle's `import '@cnn/ops'` resolves through packages/face/node_modules.
const bundleDir = join(packageDir, 'node_modules', '.cache', `cnn-face-db-crash-${process.pid}`);
const bundle = join(bundleDir, 'db.mjs');
const dir = mkdtempSync(join(tmpdir(), 'cnn-face-crash-'));
const target = join(dir, 'faces.db');
const versionPaths = [0, 1, 2].map((i) => join(dir, `version-${i}.db`));
let versions: Uint8Array[] = [];

beforeAll(async () => {
  await build({
    entry: { db: join(here, 'index.ts') },
    outDir: bundleDir,
    format: ['esm'],
    outExtension: () => ({ js: '.mjs' }),
    platform: 'node',
    target: 'node20',
    external: [/^@cnn\//, /^@tensorflow\//],
    dts: false,
    sourcemap: false,
    splitting: false,
    clean: true,
    silent: true,
    config: false,
  });
  // Three versions of 4,000 people × 5 embeddings (20,000 × 128 numbers, 10 MB each), all different.
  const base = randomEmbeddings(20_000, 128, 1);
  const next = mulberry32(2);
  for (let v = 0; v < 3; v++) {
    const db = new FaceDatabase();
    for (let p = 0; p < 4_000; p++) {
      if (v === 2 && p % 10 === 0) continue; // version 2 lacks every tenth person
      const vectors = base.slice(p * 5, p * 5 + 5).map((x) => (v === 1 && p % 7 === 0 ? x.map((y) => y + next()) : x));
      await db.enroll(`person ${p}`, vectors, { version: v });
    }
    await db.save(versionPaths[v]!);
    await db.dispose();
  }
  versions = versionPaths.map((p) => new Uint8Array(readFileSync(p)));
}, 300_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(bundleDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tempFiles = () => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

/**
 * Starts the save loop with save number `start` on disk and kills it `delay` ms after it is ready, or, with
 * `duringWrite`, `delay` ms after its temporary file appears (a kill aimed at the write itself). Returns the
 * last finished save and the child's pid.
 */
async function saveThenKill(start: number, delay: number, duringWrite: boolean): Promise<{ lastSaved: number; pid: number }> {
  const child = spawn(process.execPath, [join(here, 'test-support', 'save-loop.mjs'), bundle, target, ...versionPaths, String(start)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  let exited = false;
  void closed.then(() => (exited = true));
  while (!out.includes('ready\n')) {
    if (exited) throw new Error(`the save loop exited before it was ready: ${err}`);
    await sleep(5);
  }
  if (duringWrite) {
    const mark = `.${child.pid}.`;
    for (const t0 = Date.now(); !tempFiles().some((f) => f.includes(mark)); ) {
      if (exited || Date.now() - t0 > 60_000) throw new Error(`no temporary file of the save loop appeared: ${err}`);
      await sleep(0);
    }
  }
  await sleep(delay);
  child.kill('SIGKILL');
  const { signal } = await closed;
  expect(signal, err).toBe('SIGKILL');
  const saved = [...out.matchAll(/^saved (\d+)$/gm)].map((m) => Number(m[1]));
  return { lastSaved: saved.length ? saved[saved.length - 1]! : start, pid: child.pid! };
}

describe('FaceDatabase.save under SIGKILL', () => {
  it('leaves the previous or the new file after every kill, loadable, and cleans the temporary files up', async () => {
    const first = await FaceDatabase.load(versionPaths[0]!);
    await first.save(target);
    await first.dispose();
    let onDisk = 0; // the number of the save whose content is on disk (content = versions[n % 3])
    const random = mulberry32(3);
    let saves = 0;
    let killedMidWrite = 0;
    const killed: number[] = [];
    const kills = 12;
    for (let k = 0; k < kills; k++) {
      // Even kills at a random moment of the loop (a save takes ~0.1–0.5 s here), odd ones 0–4 ms into a write.
      const duringWrite = k % 2 === 1;
      const { lastSaved, pid } = await saveThenKill(onDisk, Math.floor(random() * (duringWrite ? 5 : 1500)), duringWrite);
      saves += lastSaved - onDisk;
      const bytes = new Uint8Array(readFileSync(target));
      // Exactly the last finished save or the one being written when the kill came.
      const candidates = [lastSaved, lastSaved + 1].filter((n) => same(bytes, versions[n % 3]!));
      expect(candidates.length, `kill ${k}: the file is neither save ${lastSaved} nor save ${lastSaved + 1}`).toBeGreaterThan(0);
      onDisk = candidates[0]!;
      // A temporary file named with the child's pid: the kill came while it was writing.
      if (tempFiles().some((f) => f.includes(`.${pid}.`))) killedMidWrite++;
      killed.push(pid);
      // It loads (with the killed saves' temporary files next to it) and holds that version.
      const db = await FaceDatabase.load(target, { modelId: 'dlib-resnet34-face-api', embeddingSize: 128 });
      expect(db.get('person 1')!.metadata).toEqual({ version: onDisk % 3 });
      expect(db.size).toBe(onDisk % 3 === 2 ? 18_000 : 20_000);
      await db.dispose();
    }
    // Saves completed between kills, and kills hit during writes.
    expect(saves).toBeGreaterThan(0);
    expect(killedMidWrite).toBeGreaterThan(0);
    // Temporary files do not pile up: each save of a later child removed those of the dead ones before it.
    const left = tempFiles();
    expect(left.length).toBeLessThanOrEqual(killedMidWrite);
    for (const f of left) expect(killed.some((pid) => f.includes(`.${pid}.`))).toBe(true);
    // The next save removes the dead processes' temporary files.
    const db = await FaceDatabase.load(target);
    await db.save(target);
    expect(tempFiles()).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['faces.db', ...versionPaths.map((p) => p.slice(dir.length + 1))].sort());
    expect(same(new Uint8Array(readFileSync(target)), versions[onDisk % 3]!)).toBe(true);
    console.log(`crash test: ${kills} kills, ${saves} completed saves in between, ${killedMidWrite} kills during a write (a temporary file left behind)`);
  }, 600_000);
});
