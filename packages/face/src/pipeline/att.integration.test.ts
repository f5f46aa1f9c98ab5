/**
 * The pretrained descriptor on the AT&T / ORL faces (CNN_DATA_PATH `faces-att`, 40 people × 10 pictures):
 * LFW-style 10-fold verification (all 1,800 genuine pairs + 1,800 impostor pairs) and one-shot rank-1
 * (picture 1 of each person enrolled). The reference: the npm package's descriptors of the plain
 * 92×112 pictures score 86.6% / 75.3%; the target with detection, cropping and alignment is ≥ 95% each.
 * bench/att-eval.mjs prints every step (box, dlib-box, chip, chip+flip); here the baseline and the default.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ready, resolveData } from '@cnn/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FacePipeline, createFacePipeline } from './face-pipeline.js';
import { evaluateFaceFolder } from './evaluate-folder.js';

const hasData = Boolean(process.env['CNN_DATA_PATH']);
let pipeline: FacePipeline;
let root: string;

describe.skipIf(!hasData)('AT&T faces with the pretrained descriptor', () => {
  beforeAll(async () => {
    await ready({ backend: 'wasm' });
    root = await resolveData('faces-att', { offline: true });
    pipeline = await createFacePipeline();
  }, 120_000);
  afterAll(() => pipeline?.dispose());

  it('plain pictures reproduce the issue baseline (about 86% 10-fold, 75% one-shot rank-1)', async () => {
    const r = await evaluateFaceFolder(root, { pipeline, whole: true });
    const acc = r.verification.meanAccuracy;
    const rank1 = r.identification.rankAccuracy[0]!.accuracy;
    console.log(`whole pictures: 10-fold ${(100 * acc).toFixed(1)}% ± ${(100 * r.verification.stdAccuracy).toFixed(1)}, rank-1 ${(100 * rank1).toFixed(1)}%, AUC ${r.verification.auc.toFixed(4)}`);
    expect(r.images).toBe(400);
    expect(r.verification.genuinePairs).toBe(1800);
    expect(r.verification.impostorPairs).toBe(1800);
    // Measured 86.2% and 75.3% (the issue: 86.6% and 75.3%; the impostor pairs differ).
    expect(acc).toBeGreaterThan(0.82);
    expect(acc).toBeLessThan(0.9);
    expect(rank1).toBeGreaterThan(0.7);
    expect(rank1).toBeLessThan(0.8);
  });

  it("detection + landmarks + dlib's face chip reach >= 95% on both", async () => {
    const before = tf.memory().numTensors;
    const r = await evaluateFaceFolder(root, { pipeline });
    const acc = r.verification.meanAccuracy;
    const rank1 = r.identification.rankAccuracy[0]!.accuracy;
    console.log(`chip: 10-fold ${(100 * acc).toFixed(1)}% ± ${(100 * r.verification.stdAccuracy).toFixed(1)}, rank-1 ${(100 * rank1).toFixed(1)}%, AUC ${r.verification.auc.toFixed(4)}, EER ${(100 * r.verification.eer).toFixed(1)}%, detected ${r.detected}/400, ${r.seconds.toFixed(0)} s`);
    // Measured 98.9% and 99.2%.
    expect(acc).toBeGreaterThanOrEqual(0.95);
    expect(rank1).toBeGreaterThanOrEqual(0.95);
    expect(tf.memory().numTensors).toBe(before);
  });
});
