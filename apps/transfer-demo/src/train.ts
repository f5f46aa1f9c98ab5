/**
 * `cnn-transfer train <folder>`: the course's transfer-learning recipe on an image folder. Stratified split,
 * a pretrained backbone cut and pooled, a new head trained with the backbone frozen (on cached features when
 * nothing is augmented: the backbone's output for a picture then never changes), optional fine-tuning of the
 * top layers at a low learning rate, evaluation on the test split, and the export bundle with pictures.
 */
import { join } from 'node:path';
import { percent, writePicture } from '@cnn/cli-kit';
import {
  augmentation,
  cacheFeatures,
  classWeights,
  createBatches,
  createClassifier,
  describePreprocessing,
  evaluateClassifier,
  fineTune,
  formatClassificationReport,
  ImageFolderError,
  learningCurves,
  loadBackbone,
  readImageFolder,
  renderConfusionMatrix,
  saveClassifier,
  splitStratified,
  trainClassifier,
  trainHeadOnFeatures,
  type Classifier,
  type FeatureCache,
  type ImageBatches,
  type ImageItem,
  type TrainHistory,
} from '@cnn/transfer';
import { resolveBackbone } from './backbone-source.js';
import { formatConfusionMatrix } from './confusion-matrix.js';

export interface TrainSettings {
  folder: string;
  backbone: string;
  cut?: string | undefined;
  weights?: string | undefined;
  alpha?: number | undefined;
  pooling: 'avg' | 'max';
  size: number;
  epochs: number;
  learningRate: number;
  fineTuneEpochs: number;
  fineTuneLearningRate: number;
  unfreeze: number;
  /** Early stopping on the validation split for both phases (fineTune also keeps the head when nothing beats it). */
  earlyStopping?: { patience: number; monitor: 'val_loss' | 'val_acc' } | undefined;
  cacheFeatures: boolean;
  /** Standardize the features before the head (createClassifier's normalize). */
  normalize: boolean;
  augment: boolean;
  balanced: boolean;
  val: number;
  test: number;
  seed: number;
  batchSize: number;
  dropout: number;
  hidden?: number | undefined;
  out: string;
  /** Progress lines on stderr (off under --json). */
  progress: boolean;
}

/** Keras-like mild augmentation: small shifts of framing, angle and light. No flip: it can change a sign's meaning. */
const AUGMENTATION = { cropZoom: { scale: [0.85, 1] as [number, number] }, rotation: 10, color: { brightness: 0.1, contrast: 0.1 } };

export async function train(s: TrainSettings, log: (line: string) => void) {
  const resolved = resolveBackbone(s.backbone, { cut: s.cut, weights: s.weights, alpha: s.alpha }); // usage errors first
  const folder = await readImageFolder(s.folder);
  if (folder.classNames.length < 2) throw new ImageFolderError(s.folder, `A classifier needs at least 2 class folders; '${s.folder}' has only '${folder.classNames[0]}'.`);
  const split = splitStratified(folder.items, { train: 1 - s.val - s.test, val: s.val, test: s.test, seed: s.seed });
  const numClasses = folder.classNames.length;
  log(`data: ${folder.items.length} images in ${numClasses} classes (${folder.classNames.join(', ')}); train ${split.train.length}, val ${split.val.length}, test ${split.test.length}`);

  const backbone = await loadBackbone(resolved.source, { ...(resolved.cutLayer ? { cutLayer: resolved.cutLayer } : {}), pooling: s.pooling, inputShape: [s.size, s.size, 3] });
  const classifier = createClassifier({ backbone, labels: folder.classNames, dropout: s.dropout, normalize: s.normalize, seed: s.seed, ...(s.hidden ? { hidden: s.hidden } : {}) });
  const open: ImageBatches[] = [];
  try {
    log(`backbone: ${resolved.description}, cut at ${backbone.cutLayer ?? 'its output'}, ${s.pooling} pooling -> ${backbone.featureShape.join('x')} features; preprocessing ${describePreprocessing(backbone.preprocessing)}`);
    log(`head: ${s.normalize ? 'standardized features, ' : ''}dropout ${s.dropout}${s.hidden ? `, dense ${s.hidden} relu` : ''}, dense ${numClasses} softmax (${classifier.trainableParams().toLocaleString('en')} trainable parameters)`);

    const batches = (items: readonly ImageItem[], shuffle: boolean, augment = false): ImageBatches => {
      const b = createBatches(items, { batchSize: s.batchSize, imageSize: [s.size, s.size], numClasses, shuffle, seed: s.seed, ...(augment ? { augment: augmentation(AUGMENTATION) } : {}) });
      open.push(b);
      return b;
    };
    const weights = s.balanced ? { classWeights: classWeights(split.train, numClasses) } : {};
    const common = { progress: s.progress, seed: s.seed, ...weights, ...(s.earlyStopping && split.val.length > 0 ? { earlyStopping: s.earlyStopping } : {}) };
    const trainBatches = batches(split.train, true, s.augment);
    const valBatches = split.val.length > 0 ? batches(split.val, false) : undefined;

    // 1. The head, backbone frozen.
    let head: TrainHistory;
    if (s.cacheFeatures) {
      log(`training the head for ${epochs(s.epochs)} on cached backbone features (lr ${s.learningRate})`);
      const caches: FeatureCache[] = [];
      try {
        const trainCache = await cacheFeatures(classifier, batches(split.train, false).epoch(0), { onProgress: cachingProgress('train', split.train.length, s.progress) });
        caches.push(trainCache);
        const valCache = split.val.length > 0 ? await cacheFeatures(classifier, batches(split.val, false).epoch(0), { onProgress: cachingProgress('val', split.val.length, s.progress) }) : undefined;
        if (valCache) caches.push(valCache);
        log(`  features of ${split.train.length + split.val.length} images in ${caches.reduce((t, c) => t + c.seconds, 0).toFixed(1)} s`);
        head = await trainHeadOnFeatures(classifier, { train: trainCache, ...(valCache ? { validation: valCache } : {}), epochs: s.epochs, learningRate: s.learningRate, batchSize: s.batchSize, ...common });
      } finally {
        for (const c of caches) c.dispose();
      }
    } else {
      log(`training the head for ${epochs(s.epochs)} on pictures${s.augment ? ' (augmented)' : ''} (lr ${s.learningRate})`);
      head = await trainClassifier(classifier, { train: trainBatches, ...(valBatches ? { validation: valBatches } : {}), epochs: s.epochs, learningRate: s.learningRate, ...common });
    }
    log(`  head: ${epochLine(head)} in ${head.seconds.toFixed(1)} s`);

    // 2. Fine-tuning the top layers at a low learning rate (frozen batch norm stays in inference mode).
    let tuned: TrainHistory | undefined;
    if (s.fineTuneEpochs > 0) {
      log(`fine-tuning the top ${s.unfreeze} backbone layers with weights for ${epochs(s.fineTuneEpochs)} (lr ${s.fineTuneLearningRate})`);
      tuned = await fineTune(classifier, { unfreeze: s.unfreeze, learningRate: s.fineTuneLearningRate, epochs: s.fineTuneEpochs, train: trainBatches, ...(valBatches ? { validation: valBatches } : {}), ...common });
      log(`  fine-tune: ${epochLine(tuned)} in ${tuned.seconds.toFixed(1)} s`);
      if (tuned.start && tuned.bestEpoch === 0) {
        log(`  no fine-tuning epoch beat the head on ${tuned.monitor} (${tuned.start[tuned.monitor as 'val_loss' | 'val_acc'].toFixed(4)}): kept the head's weights`);
      }
    }

    // 3. Test split, bundle, pictures.
    const bundle = await saveClassifier(classifier, s.out);
    const files: Record<string, string> = { bundle: s.out, learningCurves: join(s.out, 'learning-curves.png') };
    await writePicture(files['learningCurves']!, learningCurves(joinHistories(head, tuned), { title: curvesTitle(head.epochs.length, tuned?.epochs.length ?? 0) }));
    let test: Awaited<ReturnType<typeof testReport>> | undefined;
    if (split.test.length > 0) {
      test = await testReport(classifier, batches(split.test, false), folder.classNames, log);
      files['confusionMatrix'] = join(s.out, 'confusion-matrix.png');
      await writePicture(files['confusionMatrix'], renderConfusionMatrix(test.confusion, folder.classNames, { title: `test: ${percent(test.accuracy)} of ${split.test.length}` }));
    } else {
      log('no test split (--test 0): skipped the evaluation and confusion-matrix.png');
    }
    log(`wrote ${s.out}/ (classifier.json and the model; load it with loadClassifier or \`cnn-transfer predict ${s.out} <image>\`)`);
    for (const [k, f] of Object.entries(files)) if (k !== 'bundle') log(`      ${f}`);
    return {
      folder: s.folder,
      classes: folder.classNames,
      split: { train: split.train.length, val: split.val.length, test: split.test.length },
      backbone: bundle.backbone,
      head: runSummary(head, s.cacheFeatures ? 'head-on-features' : 'head'),
      ...(tuned ? { fineTune: { ...runSummary(tuned, 'fine-tune'), unfreeze: s.unfreeze } } : {}),
      ...(test ? { test: { accuracy: test.accuracy, report: test.report, confusion: test.confusion } } : {}),
      params: bundle.params,
      files,
    };
  } finally {
    for (const b of open) b.dispose();
    classifier.dispose();
  }
}

/** Evaluates on labelled batches, prints accuracy, the per-class report and the confusion matrix. */
export async function testReport(classifier: Classifier, batches: ImageBatches, labels: readonly string[], log: (line: string) => void, name = 'test') {
  const e = await evaluateClassifier(classifier, batches.epoch(0));
  log(`\n${name} accuracy: ${percent(e.accuracy)} (${e.yTrue.filter((t, i) => t === e.yPred[i]).length}/${e.yTrue.length})\n`);
  log(formatClassificationReport(e.report));
  if (labels.length <= 20) log(`\n${formatConfusionMatrix(e.confusion, labels)}\n`);
  return e;
}

/** 'head, epochs 1-10' or 'head 1-10, fine-tune 11-12'. */
function curvesTitle(headEpochs: number, tunedEpochs: number): string {
  const range = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);
  if (tunedEpochs === 0) return `head, epoch${headEpochs === 1 ? '' : 's'} ${range(1, headEpochs)}`;
  return `head ${range(1, headEpochs)}, fine-tune ${range(headEpochs + 1, headEpochs + tunedEpochs)}`;
}

const epochs = (n: number): string => `${n} epoch${n === 1 ? '' : 's'}`;

function cachingProgress(name: string, total: number, show: boolean): ((done: number) => void) | undefined {
  if (!show) return undefined;
  return (done) => {
    if (process.stderr.isTTY) process.stderr.write(`\r  caching ${name} features ${done}/${total}${done >= total ? '\n' : ''}`);
    else if (done >= total) process.stderr.write(`  cached ${name} features ${done}/${total}\n`);
  };
}

function epochLine(h: TrainHistory): string {
  const last = h.epochs.at(-1);
  if (!last) return 'no epochs';
  const val = last.val_acc !== undefined ? `, val loss ${last.val_loss?.toFixed(3)} acc ${percent(last.val_acc)}` : '';
  const best = Number.isFinite(h.bestValue) && h.bestEpoch > 0 && h.bestEpoch !== last.epoch ? `; kept epoch ${h.bestEpoch} (best ${h.monitor} ${h.bestValue.toFixed(4)})` : '';
  return `${epochs(h.epochs.length)}, loss ${last.loss.toFixed(3)} acc ${percent(last.acc)}${val}${h.stoppedEarly ? ' (stopped early)' : ''}${best}`;
}

function runSummary(h: TrainHistory, kind: string) {
  return {
    kind,
    epochs: h.epochs.length,
    seconds: h.seconds,
    final: h.epochs.at(-1) ?? null,
    ...(Number.isFinite(h.bestValue) ? { best: { monitor: h.monitor, value: h.bestValue, epoch: h.bestEpoch } } : {}),
    ...(h.start ? { start: h.start } : {}),
  };
}

/** Head and fine-tune histories as one curve per metric (fine-tune epochs follow the head's). */
function joinHistories(head: TrainHistory, tuned: TrainHistory | undefined) {
  const a = head.history;
  const b = tuned?.history;
  const cat = (x: number[] | undefined, y: number[] | undefined) => (x && (!b || y) ? [...x, ...(y ?? [])] : undefined);
  const valLoss = cat(a.val_loss, b?.val_loss);
  const valAcc = cat(a.val_acc, b?.val_acc);
  return { loss: [...a.loss, ...(b?.loss ?? [])], acc: [...a.acc, ...(b?.acc ?? [])], ...(valLoss ? { val_loss: valLoss } : {}), ...(valAcc ? { val_acc: valAcc } : {}) };
}
