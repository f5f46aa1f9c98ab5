/**
 * Loads @cnn/yolo for the scripts: the built package (`dist/`, after `pnpm --filter @cnn/yolo build`) when it
 * has the training API, else a quick esm build of `src/` (tsup, no types) into node_modules/.cache, so the
 * scripts also run on a working tree that is not built. `CNN_YOLO_FROM=src` forces the source build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function loadYolo() {
  const dist = new URL('../dist/index.js', import.meta.url);
  if (process.env.CNN_YOLO_FROM !== 'src' && existsSync(dist)) {
    const m = await import(dist.href);
    if (typeof m.trainDetector === 'function') return m;
  }
  const out = 'node_modules/.cache/cnn-yolo-src';
  const entries = ['src/index.ts', 'src/train/index.ts'];
  execFileSync(
    'npx',
    ['tsup', ...entries, '--no-config', '--format', 'esm', '--platform', 'node', '--target', 'es2022', '--out-dir', out, '--silent',
      '--external', '@tensorflow/tfjs-core', '--external', '@tensorflow/tfjs-layers', '--external', '@cnn/ops', '--external', '@cnn/architectures'],
    { cwd: root, stdio: 'inherit' },
  );
  // Two entries share chunks, so the train module's classes are the index's.
  const [main, train] = await Promise.all(['index.js', 'train/index.js'].map((f) => import(pathToFileURL(`${root}/${out}/${f}`).href)));
  return { ...main, ...train };
}
