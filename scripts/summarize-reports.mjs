#!/usr/bin/env node
// Sums vitest JSON reports (written when CNN_REPORT_DIR is set) into the closing "N passed, N failed" line.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '.reports';
let passed = 0;
let failed = 0;
let skipped = 0;
let files = 0;
for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const r = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  files++;
  const p = r.numPassedTests ?? 0;
  // A test file that fails to load has no test results: count it as one failure.
  const brokenFiles = (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
  const f = (r.numFailedTests ?? 0) + brokenFiles;
  const s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`${name.padEnd(40)} ${String(p).padStart(5)} passed ${String(f).padStart(4)} failed${s ? ` ${s} skipped` : ''}`);
  passed += p;
  failed += f;
  skipped += s;
}
if (files === 0) {
  console.log('no test reports found');
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
