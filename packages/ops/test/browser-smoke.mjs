#!/usr/bin/env node
// Builds test/browser with Vite, serves it on 127.0.0.1, opens it in headless Chromium (playwright-core,
// Debian's /usr/bin/chromium or CHROMIUM_PATH) and reports its checks as "N passed, N failed".
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readdirSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, 'browser');
const out = join(root, 'dist');
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`Chromium not found at ${executablePath}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`);
  process.exit(1);
}

await build({ configFile: join(root, 'vite.config.ts') });
// The wasm backend fetches its .wasm files at run time: serve them from /wasm/.
const require = createRequire(import.meta.url);
const wasmDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist';
mkdirSync(join(out, 'wasm'), { recursive: true });
for (const f of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDist, f), join(out, 'wasm', f));

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
  const file = join(out, path === '/' ? 'index.html' : path);
  if (!file.startsWith(out) || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader'],
});
/* global window */
let results;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.__results !== undefined, undefined, { timeout: 120_000 });
  results = await page.evaluate(() => window.__results);
  mkdirSync(join(here, '..', 'bench-results'), { recursive: true });
  await page.screenshot({ path: join(here, '..', 'bench-results', 'browser-smoke.png') });
} finally {
  await browser.close();
  server.close();
}
let passed = 0;
let failed = 0;
for (const c of results ?? []) {
  if (c.ok) passed++;
  else failed++;
  console.log(`${c.ok ? '✓' : '✗'} browser: ${c.name}${c.detail ? ` (${c.detail})` : ''}`);
}
if (!results?.length) failed++;
console.log(`${passed} passed, ${failed} failed`);
if (process.env.CNN_REPORT_DIR) writeFileSync(`${process.env.CNN_REPORT_DIR}/ops-browser-smoke.json`, JSON.stringify({ numPassedTests: passed, numFailedTests: failed, testResults: [] }));
process.exit(failed ? 1 : 0);
