/**
 * Shared pieces of the browser tests (packages/ops/test/browser-smoke.mjs, apps/playground/test/e2e.mjs):
 * where Chromium is, how it is started headless, a static server for a Vite build on 127.0.0.1 (with the
 * MIME type tfjs-wasm's streaming compile needs), and the "N passed, N failed" line plus a vitest-shaped
 * JSON report in CNN_REPORT_DIR, so scripts/summarize-reports.mjs counts these checks with the others.
 * playwright-core itself stays each test's own dependency (pnpm keeps it out of the root).
 */
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

/** Debian's chromium, or CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium in a container: no sandbox, no GPU, no network chatter. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/**
 * With no GPU, Chromium runs WebGL on SwiftShader, a CPU rasterizer. That lets a test use the webgl backend
 * here, but it is far slower than wasm (measured in the playground: a 128 px style-transfer step 10 s vs
 * 0.6 s, a shapes detection 3 s vs 0.1 s). `webgl: false` turns WebGL off instead, so `ready()` falls back to
 * wasm as it does in a browser without WebGL: `--disable-3d-apis` for <canvas>, and no software rasterizer
 * for OffscreenCanvas (which tfjs-webgl uses and which ignores the first switch).
 */
const WEBGL_ARGS = { software: ['--enable-unsafe-swiftshader'], off: ['--disable-3d-apis', '--disable-software-rasterizer'] };

/** Exits with a message saying how to install Chromium when it is missing. */
export function requireChromium() {
  if (!existsSync(CHROMIUM_PATH)) {
    console.error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`);
    process.exit(1);
  }
  return CHROMIUM_PATH;
}

/** Launch options for playwright-core's `chromium.launch`: WebGL on SwiftShader (default) or, with `webgl: false`, none. */
export function chromiumLaunchOptions({ webgl = true } = {}) {
  return { executablePath: requireChromium(), headless: true, args: [...CHROMIUM_ARGS, ...WEBGL_ARGS[webgl ? 'software' : 'off']] };
}

const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain',
};

/** Serves `dir` on 127.0.0.1 (a free port); `url` ends with '/'. Nothing outside `dir` is served. */
export async function serveStatic(dir) {
  const root = normalize(dir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

/**
 * Prints one line per check and the closing "N passed, N failed" line, writes `<name>.json` to
 * CNN_REPORT_DIR when set (the fields scripts/summarize-reports.mjs reads from vitest's JSON reporter), and
 * returns the number of failures. No checks at all counts as one failure.
 * @param {string} name report file name, e.g. 'ops-browser-smoke'
 * @param {string} file the test file, for the report
 * @param {{ name: string; ok: boolean; detail?: string }[]} checks
 */
export function reportChecks(name, file, checks) {
  let passed = 0;
  let failed = 0;
  for (const c of checks) {
    if (c.ok) passed++;
    else failed++;
    console.log(`${c.ok ? '✓' : '✗'} ${c.name}${c.detail ? ` (${c.detail})` : ''}`);
  }
  if (checks.length === 0) failed++;
  console.log(`${passed} passed, ${failed} failed`);
  if (process.env.CNN_REPORT_DIR) {
    const report = {
      numTotalTests: checks.length,
      numPassedTests: passed,
      numFailedTests: failed,
      success: failed === 0,
      testResults: [
        {
          name: file,
          status: failed ? 'failed' : 'passed',
          assertionResults: checks.map((c) => ({ title: c.name, fullName: c.name, status: c.ok ? 'passed' : 'failed', failureMessages: c.ok ? [] : [c.detail ?? ''] })),
        },
      ],
    };
    writeFileSync(join(process.env.CNN_REPORT_DIR, `${name}.json`), JSON.stringify(report, null, 2));
  }
  return failed;
}
