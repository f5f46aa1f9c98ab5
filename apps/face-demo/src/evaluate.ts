/**
 * `cnn-face evaluate <folder>`: @cnn/face's LFW-style protocol (evaluateFaceFolder) on a folder-per-identity
 * set: k-fold verification accuracy (threshold chosen on the other folds), AUC, EER, TAR@FAR and the
 * best-accuracy threshold over all pairs, one-shot (or N-shot) rank-1 / rank-5 identification; `--out` draws
 * the ROC curve (TAR against FAR, @cnn/ops renderLinePlot).
 */
import { makeProgress, percent, writePicture } from '@cnn/cli-kit';
import { evaluateFaceFolder, type DistanceMetric, type FaceAlignment } from '@cnn/face';
import { renderLinePlot } from '@cnn/ops';
import { openPipeline, type Log } from './faces.js';

export interface EvaluateSettings {
  folder: string;
  folds: number;
  alignment: FaceAlignment;
  whole: boolean;
  flip: boolean;
  enroll: number;
  metric: DistanceMetric;
  seed: number;
  out: string | undefined;
  faceApiModels: string | undefined;
  progress: boolean;
}

export async function evaluate(s: EvaluateSettings, log: Log) {
  const pipeline = await openPipeline({ alignment: s.alignment, flip: s.flip }, s.faceApiModels, log);
  try {
    if (s.whole) log('--whole: each picture embedded as it is (no detection, landmarks or alignment)');
    let show: ((done: number) => void) | undefined;
    const report = await evaluateFaceFolder(s.folder, {
      pipeline,
      whole: s.whole,
      folds: s.folds,
      seed: s.seed,
      metric: s.metric,
      enrollPerIdentity: s.enroll,
      pick: 'first',
      onProgress: (done, total) => {
        show ??= makeProgress('describing pictures', total, s.progress);
        show?.(done);
      },
    });
    const v = report.verification;
    const id = report.identification;
    const rank = (r: number) => id.rankAccuracy.find((x) => x.rank === r)?.accuracy;
    log(`\n${report.root}: ${report.identities} people, ${report.images} pictures${s.whole ? '' : `, a face detected in ${report.detected} (the others: the whole picture)`}; ${report.seconds.toFixed(1)} s`);
    log(`verification, ${v.genuinePairs} genuine + ${v.impostorPairs} impostor pairs (${s.metric}):`);
    log(`  ${v.folds.length}-fold accuracy ${percent(v.meanAccuracy)} ± ${percent(v.stdAccuracy)} (threshold chosen on the other folds, mean ${v.meanThreshold.toFixed(4)})`);
    log(`  AUC ${v.auc.toFixed(4)}, EER ${percent(v.eer)} (at ${v.eerThreshold.toFixed(4)}), best accuracy ${percent(v.bestAccuracy)} at threshold ${v.bestThreshold.toFixed(4)}`);
    log(`  TAR@FAR: ${v.tarAtFar.map((t) => `${percent(t.tar)} at FAR ${t.far}`).join(', ')}`);
    log(`identification, ${id.enrollPerIdentity} picture${id.enrollPerIdentity === 1 ? '' : 's'} enrolled per person (the first), ${id.probes.length} probes: rank-1 ${percent(rank(1) ?? NaN)}, rank-5 ${rank(5) === undefined ? '-' : percent(rank(5)!)}`);

    const files: Record<string, string> = {};
    if (s.out) {
      const roc = report.verification.roc;
      const curve = roc.points.filter((p) => Number.isFinite(p.threshold) || p.far === 0);
      const plot = renderLinePlot(
        [
          { x: curve.map((p) => p.far), y: curve.map((p) => p.tar), label: `ROC (AUC ${v.auc.toFixed(3)})` },
          { x: [0, 1], y: [0, 1], label: 'chance', color: [170, 170, 170] },
        ],
        { title: `TAR vs FAR: ${report.identities} people, EER ${percent(v.eer)}`, xLabel: 'FAR (false accept rate), y: TAR (true accept rate)' },
      );
      await writePicture(s.out, plot);
      files['roc'] = s.out;
      log(`wrote ${s.out}`);
    }
    // The descriptors, the ROC points and the index lists (probes, gallery) stay out of the JSON: thousands of numbers.
    const { descriptors: _d, labels: _l, verification: { roc: _roc, ...verification }, identification: { probeRanks: _r, probes, gallery: _g, ...identification }, ...summary } = report;
    return { ...summary, verification, identification: { ...identification, probes: probes.length }, alignment: s.whole ? 'whole' : s.alignment, flip: s.flip, files };
  } finally {
    pipeline.dispose();
  }
}
