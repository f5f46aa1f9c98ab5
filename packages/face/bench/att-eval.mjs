#!/usr/bin/env node
/**
 * The pretrained face descriptor on the AT&T / ORL faces (CNN_DATA_PATH `faces-att`: 40 people × 10 pictures,
 * 92×112 gray), one row per preprocessing step, to show which step helps:
 *   whole     — each 92×112 picture embedded as it is (centred, padded to a square; the npm package's
 *               "plain crops" baseline: 86.6% 10-fold / 75.3% rank-1 in the issue);
 *   box       — the tiny face detector's box (+10% margin; the whole picture when nothing is detected);
 *   dlib-box  — face-api's alignment: an axis-aligned square from the 68 landmarks (eyes, mouth);
 *   chip      — dlib's face chip: rotation + scale onto dlib's 5-point template, 150 px, 25% padding;
 *   chip+flip — the chip and its mirror image, descriptors averaged.
 * Verification: all 1,800 genuine pairs + 1,800 seeded impostor pairs, LFW-style 10-fold (threshold chosen on
 * 9 folds); identification: one-shot, picture 1 of each person enrolled, the other 360 identified (rank-1).
 * Also the pretrained net's one-shot rank-1 on people 36-40 only (the held-out people of bench/train-att.mjs),
 * for comparison with the triplet-trained net.
 *
 * Build first: cd packages/face && npx tsup. Run: CNN_DATA_PATH=../../../shared/data node bench/att-eval.mjs [steps...]
 * Writes bench-results/att-eval.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeBackend, ready, resolveData } from '@cnn/ops';
import { createFacePipeline, evaluateFaceFolder, identificationAccuracy } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const info = await ready({ backend: 'wasm' });
const root = await resolveData('faces-att', { offline: true });
const steps = [
  ['whole', { whole: true }, {}],
  ['box', {}, { alignment: 'box', margin: 0.1 }],
  ['dlib-box', {}, { alignment: 'dlib-box' }],
  ['chip', {}, { alignment: 'chip' }],
  ['chip+flip', {}, { alignment: 'chip', flip: true }],
];
const wanted = process.argv.slice(2);
const base = await createFacePipeline();
const rows = [];
console.log(`AT&T faces (${root}) on ${describeBackend ? describeBackend(info) : info.backend}`);
console.log('step        detected  10-fold acc (± std)   AUC     EER     rank-1 (enroll #1)  rank-1 people 36-40   s');
for (const [name, evalOptions, pipelineOptions] of steps) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const pipeline = await createFacePipeline({ ...pipelineOptions, detector: base.detector, landmarker: base.landmarker, embedder: base.embedder });
  const report = await evaluateFaceFolder(root, {
    pipeline,
    ...evalOptions,
    onProgress: (d, n) => d % 50 === 0 && process.stdout.write(`  ${name}: ${d}/${n} pictures\n`),
  });
  // People 36-40 only: one-shot, picture 1 enrolled (as bench/train-att.mjs does for its held-out people).
  const held = report.labels.map((l, i) => [l, i]).filter(([l]) => Number(l.slice(1)) >= 36);
  const heldOut = identificationAccuracy(held.map(([, i]) => report.descriptors[i]), held.map(([l]) => l), { pick: 'first', ranks: [1] });
  const row = {
    step: name,
    detected: report.detected,
    images: report.images,
    tenFoldAccuracy: report.verification.meanAccuracy,
    tenFoldStd: report.verification.stdAccuracy,
    meanThreshold: report.verification.meanThreshold,
    auc: report.verification.auc,
    eer: report.verification.eer,
    rank1: report.identification.rankAccuracy[0].accuracy,
    rank5: report.identification.rankAccuracy[1]?.accuracy,
    heldOutRank1: heldOut.rankAccuracy[0].accuracy,
    seconds: report.seconds,
  };
  rows.push(row);
  const pct = (v) => `${(100 * v).toFixed(1)}%`;
  console.log(`${name.padEnd(11)} ${String(row.detected).padStart(3)}/400   ${pct(row.tenFoldAccuracy).padStart(6)} (± ${pct(row.tenFoldStd)})   ${row.auc.toFixed(4)}  ${pct(row.eer).padStart(5)}   ${pct(row.rank1).padStart(6)}              ${pct(row.heldOutRank1).padStart(6)}          ${row.seconds.toFixed(0)}`);
  pipeline.dispose();
}
base.dispose();
await mkdir(join(here, '..', 'bench-results'), { recursive: true });
await writeFile(join(here, '..', 'bench-results', 'att-eval.json'), JSON.stringify({ backend: info.backend, date: new Date().toISOString(), rows }, null, 1));
