#!/usr/bin/env node
// Builds test/browser with Vite, serves it on 127.0.0.1, opens it in headless Chromium (playwright-core,
// Debian's /usr/bin/chromium or CHROMIUM_PATH) and reports its checks as "N passed, N failed".
import { mkdirSync, readdirSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions, reportChecks, requireChromium, serveStatic } from '../../../browser-test.shared.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, 'browser');
const out = join(root, 'dist');
requireChromium();

await build({ configFile: join(root, 'vite.config.ts') });
// The wasm backend fetches its .wasm files at run time: serve them from /wasm/.
const require = createRequire(import.meta.url);
const wasmDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist';
mkdirSync(join(out, 'wasm'), { recursive: true });
for (const f of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDist, f), join(out, 'wasm', f));

const server = await serveStatic(out);
const url = server.url;

const browser = await chromium.launch(chromiumLaunchOptions());
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
  await server.close();
}
const failed = reportChecks('ops-browser-smoke', 'packages/ops/test/browser-smoke.mjs', (results ?? []).map((c) => ({ ...c, name: `browser: ${c.name}` })));
process.exit(failed ? 1 : 0);
