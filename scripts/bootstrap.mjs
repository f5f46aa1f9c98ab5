#!/usr/bin/env node
// One entry point for the README's two commands. On a fresh machine with only Node 20 and npm it gets
// pnpm (pinned, through npx), installs the workspace from the lockfile, builds every package, then runs
// the demo tour (`npm run tour`) or the test suite (`npm test`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = 'pnpm@12.4.2';
const task = process.argv[2] ?? 'test';
const extra = process.argv.slice(3);
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', FORCE_COLOR: process.env.FORCE_COLOR ?? '1' };
// Tasks run inside each package's folder: make search paths given relative to where the user stands absolute.
for (const name of ['CNN_WEIGHTS_PATH', 'CNN_DATA_PATH', 'CNN_CACHE_DIR', 'CNN_REPORT_DIR']) {
  if (env[name]) env[name] = env[name].split(delimiter).filter(Boolean).map((p) => resolve(process.cwd(), p)).join(delimiter);
}

function step(title) {
  console.log(`\n\x1b[1m▶ ${title}\x1b[0m`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function pnpm(args) {
  return run('npx', ['--yes', PNPM, ...args]);
}

function must(status, what) {
  if (status !== 0) {
    console.error(`\n✖ ${what} failed (exit ${status}).`);
    process.exit(status);
  }
}

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  console.error(`Node ${process.versions.node} is too old: CNN for All needs Node 20 or newer.`);
  process.exit(1);
}

step(`install (${PNPM}, frozen lockfile)`);
must(pnpm(['install', '--frozen-lockfile', ...(existsSync(join(root, 'node_modules', '.modules.yaml')) ? ['--prefer-offline'] : [])]), 'pnpm install');

step('build (turbo run build)');
must(pnpm(['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']), 'build');

if (task === 'tour') {
  step('demo tour');
  process.exit(pnpm(['--filter', '@cnn/tour', 'run', 'start', ...extra]));
} else if (task === 'test') {
  step('typecheck, lint and unit tests (turbo run typecheck lint test)');
  process.exit(pnpm(['exec', 'turbo', 'run', 'typecheck', 'lint', 'test', '--output-logs=new-only', '--continue', ...extra]));
} else if (task === 'integration') {
  step('integration tests (turbo run test:integration)');
  process.exit(pnpm(['exec', 'turbo', 'run', 'test:integration', '--output-logs=new-only', '--continue', ...extra]));
} else {
  console.error(`Unknown task '${task}'. Use: tour, test or integration.`);
  process.exit(2);
}
