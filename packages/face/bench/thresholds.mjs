#!/usr/bin/env node
/**
 * How good are the default decision thresholds of each metric? On the AT&T faces (CNN_DATA_PATH `faces-att`,
 * 40 people × 10 pictures; dlib face chips, the pipeline's default), the same 1,800 genuine + 1,800 seeded
 * impostor pairs as bench/att-eval.mjs, for euclidean (dlib's published 0.6) and for the cosine and
 * euclidean-l2 defaults that are derived from it (src/match/thresholds.ts): accuracy at the default, the
 * 10-fold threshold and its accuracy, the best single threshold over all pairs, AUC and EER.
 * AT&T is small, gray and 92×112: a check of the derivation, not a calibration for real photos.
 * Build first (npx tsup). Run: CNN_DATA_PATH=../../../shared/data node bench/thresholds.mjs
 * Writes bench-results/thresholds.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ready, resolveData } from '@cnn/ops';
import { FACE_API_MODEL_ID, accuracyAt, createFacePipeline, defaultThreshold, evaluateFaceFolder, kFoldVerification, makeVerificationPairs, pairDistances, verificationMetrics } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const info = await ready({ backend: 'wasm' });
const root = await resolveData('faces-att', { offline: true });
const pipeline = await createFacePipeline();
const report = await evaluateFaceFolder(root, { pipeline, onProgress: (d, n) => d % 100 === 0 && process.stdout.write(`  described ${d}/${n} pictures\n`) });
pipeline.dispose();
const pairs = makeVerificationPairs(report.labels, { seed: 0 });
console.log(`AT&T, dlib chips, ${pairs.length} pairs (${pairs.filter((p) => p.same).length} genuine), ${info.backend}`);
console.log('metric         default  acc@default  10-fold threshold  10-fold acc     best threshold (acc)   AUC     EER');
const rows = [];
for (const metric of ['euclidean', 'cosine', 'euclidean-l2']) {
  const d = pairDistances(report.descriptors, pairs, metric);
  const def = defaultThreshold(FACE_API_MODEL_ID, metric);
  const folds = kFoldVerification(d, 10);
  const all = verificationMetrics(d);
  const row = { metric, default: def, accuracyAtDefault: accuracyAt(d, def), tenFoldThreshold: folds.meanThreshold, tenFoldAccuracy: folds.meanAccuracy, bestThreshold: all.bestThreshold, bestAccuracy: all.bestAccuracy, auc: all.auc, eer: all.eer };
  rows.push(row);
  const pct = (v) => `${(100 * v).toFixed(1)}%`;
  console.log(`${metric.padEnd(14)} ${def.toFixed(4)}   ${pct(row.accuracyAtDefault).padStart(6)}       ${row.tenFoldThreshold.toFixed(4)}             ${pct(row.tenFoldAccuracy).padStart(6)}          ${row.bestThreshold.toFixed(4)} (${pct(row.bestAccuracy)})        ${row.auc.toFixed(4)}  ${pct(row.eer)}`);
}
await mkdir(join(here, '..', 'bench-results'), { recursive: true });
await writeFile(join(here, '..', 'bench-results', 'thresholds.json'), JSON.stringify({ backend: info.backend, date: new Date().toISOString(), pairs: pairs.length, rows }, null, 1));
