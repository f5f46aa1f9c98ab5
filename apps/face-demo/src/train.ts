/**
 * `cnn-face train <folder>`: FaceNet's recipe at course size. A small embedding net (@cnn/face
 * createEmbeddingNet) is trained with the triplet loss (trainEmbedding: P×K batches, online mining, Adam) on
 * the folder's people but the last `holdout` folders; then one-shot identification of those unseen people
 * (oneShotRank1: one picture enrolled per person, the others identified) compares the net before and after
 * training. Writes the trained net (tfjs layers format), its loss curve and training.json.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeProgress, percent, writePicture } from '@cnn/cli-kit';
import { computeEmbeddings, createEmbeddingNet, loadFacePictures, oneShotRank1, trainEmbedding, type EmbeddingNetOptions, type TripletMining } from '@cnn/face';
import { CnnError, fileSystem, readImageFolder, renderLinePlot } from '@cnn/ops';
import type { Log } from './faces.js';

export interface TrainSettings {
  folder: string;
  holdout: number;
  epochs: number;
  steps: number | undefined;
  size: [number, number];
  learningRate: number;
  margin: number;
  mining: TripletMining;
  embeddingSize: number;
  seed: number;
  out: string;
  progress: boolean;
}

/** One-shot rank-1 with each person's first picture enrolled, and the mean over enrolling their k-th picture. */
function oneShot(embeddings: Float32Array[], labels: number[]): { first: number; mean: number; queries: number } {
  const rows = new Map<number, number[]>();
  labels.forEach((l, i) => rows.set(l, [...(rows.get(l) ?? []), i]));
  const fewest = Math.min(...[...rows.values()].map((r) => r.length));
  const scores = Array.from({ length: fewest }, (_, k) => oneShotRank1(embeddings, labels, [...rows.values()].map((r) => r[k]!)));
  return { first: scores[0]!.accuracy, mean: scores.reduce((t, s) => t + s.accuracy, 0) / scores.length, queries: scores[0]!.queries };
}

export async function train(s: TrainSettings, log: Log) {
  const folder = await readImageFolder(s.folder);
  const people = folder.classNames.length;
  if (people - s.holdout < 2) {
    throw new CnnError('INVALID_ARGUMENT', `'${s.folder}' has ${people} people: training needs at least 2 after holding out ${s.holdout} (--holdout). Use a folder with more people or a smaller --holdout.`);
  }
  const heldOut = folder.classNames.slice(people - s.holdout);
  const trainItems = folder.items.filter((it) => it.label < people - s.holdout);
  const testItems = folder.items.filter((it) => it.label >= people - s.holdout);
  const single = heldOut.filter((_, k) => testItems.filter((it) => it.label === people - s.holdout + k).length < 2);
  if (single.length > 0) throw new CnnError('INVALID_ARGUMENT', `Held-out people need two pictures or more for one-shot identification (one enrolled, one identified); ${single.join(', ')} in '${s.folder}' have one.`);
  log(`data: ${people} people, ${folder.items.length} pictures; training on ${people - s.holdout} (${trainItems.length} pictures), held out for one-shot: ${heldOut.join(', ')} (${testItems.length} pictures), gray ${s.size.join('x')}`);

  const trainShow = makeProgress('loading pictures', trainItems.length, s.progress);
  const trainImages = await loadFacePictures(trainItems.map((it) => it.path), { size: s.size, ...(trainShow ? { onProgress: (d: number) => trainShow(d) } : {}) });
  const testShow = makeProgress('loading held-out pictures', testItems.length, s.progress && testItems.length > 50);
  const testImages = await loadFacePictures(testItems.map((it) => it.path), { size: s.size, ...(testShow ? { onProgress: (d: number) => testShow(d) } : {}) });
  const testLabels = testItems.map((it) => it.label);
  // trainEmbedding's default, spelled out for the progress line: about one pass over the pictures in P×K batches.
  const steps = s.steps ?? Math.ceil(trainItems.length / (Math.min(8, people - s.holdout) * 4));
  const netOptions: EmbeddingNetOptions = { inputShape: [s.size[0], s.size[1], 1], embeddingSize: s.embeddingSize, seed: s.seed };
  try {
    // The untrained net with the same seed is exactly where training starts: the baseline.
    const untrained = createEmbeddingNet(netOptions);
    let before;
    try {
      before = oneShot(await computeEmbeddings(untrained, testImages), testLabels);
    } finally {
      untrained.dispose();
    }
    log(`untrained net: one-shot rank-1 ${percent(before.first)} (first picture enrolled), ${percent(before.mean)} (mean over the enrolled picture)`);

    const net = createEmbeddingNet(netOptions);
    try {
      log(`training ${net.countParams().toLocaleString('en')} parameters, ${s.embeddingSize}-number embeddings: ${s.epochs} epochs of ${steps} steps, ${s.mining} triplets, margin ${s.margin}, Adam lr ${s.learningRate}`);
      let show: ((done: number) => void) | undefined;
      const history = await trainEmbedding(
        net,
        { images: trainImages, labels: trainItems.map((it) => it.label) },
        {
          epochs: s.epochs,
          stepsPerEpoch: steps,
          mining: s.mining,
          margin: s.margin,
          learningRate: s.learningRate,
          seed: s.seed,
          onStep: (e) => {
            if (e.step === 1) show = makeProgress(`epoch ${e.epoch}, step`, steps, s.progress && process.stderr.isTTY);
            show?.(e.step);
          },
          onEpoch: (e) => log(`epoch ${e.epoch}/${s.epochs}: loss ${e.loss.toFixed(4)}, active triplets ${percent(e.activeFraction)}, ${e.steps} steps in ${e.seconds.toFixed(1)} s`),
        },
      );
      const after = oneShot(await computeEmbeddings(net, testImages), testLabels);
      log(`\none-shot rank-1 on the ${s.holdout} held-out people (${after.queries} queries):`);
      log(`  untrained ${percent(before.first)} -> trained ${percent(after.first)} (first picture enrolled)`);
      log(`  untrained ${percent(before.mean)} -> trained ${percent(after.mean)} (mean over the enrolled picture)`);

      await net.save(fileSystem(s.out));
      const files: Record<string, string> = { model: join(s.out, 'model.json'), training: join(s.out, 'training.json') };
      if (history.loss.length > 1) {
        files['loss'] = join(s.out, 'loss.png');
        const x = history.loss.map((_, i) => i + 1);
        await writePicture(files['loss'], renderLinePlot([{ x, y: history.loss, label: 'triplet loss' }], { title: `triplet loss (${s.mining}, margin ${s.margin})`, xLabel: 'epoch' }));
      }
      const summary = {
        folder: folder.root,
        trainPeople: people - s.holdout,
        trainPictures: trainItems.length,
        heldOut,
        heldOutPictures: testItems.length,
        inputShape: netOptions.inputShape,
        embeddingSize: s.embeddingSize,
        params: net.countParams(),
        settings: { epochs: s.epochs, stepsPerEpoch: steps, mining: s.mining, margin: s.margin, learningRate: s.learningRate, seed: s.seed },
        history: history.epochs,
        steps: history.steps,
        seconds: history.seconds,
        oneShotRank1: { untrained: before, trained: after },
      };
      await writeFile(files['training']!, `${JSON.stringify(summary, null, 1)}\n`);
      log(`wrote ${s.out}/ (model.json and weights: @cnn/face loadEmbeddingNet('${s.out}'), ${Object.keys(files).filter((k) => k !== 'model').map((k) => files[k]).join(', ')})`);
      return { ...summary, files };
    } finally {
      net.dispose();
    }
  } finally {
    trainImages.dispose();
    testImages.dispose();
  }
}
