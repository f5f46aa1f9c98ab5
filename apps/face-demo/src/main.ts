/**
 * `cnn-face enroll | list | verify | identify | evaluate | train`: face verification and one-shot recognition
 * from the command line. Thin on purpose: the face nets, the database, matching, evaluation, triplet training
 * and the pictures are @cnn/face's (and @cnn/ops'); this file reads the command line.
 */
import { choiceOption, intOption, makeLog, numberOption, parseCommandLine, rejectForeignOptions, runCli, UsageError, userPath } from '@cnn/cli-kit';
import { DISTANCE_METRICS, FACE_ALIGNMENTS, TRIPLET_MINING } from '@cnn/face';
import { BACKEND_NAMES, describeBackend, ready } from '@cnn/ops';
import { enroll, list, remove } from './enroll.js';
import { evaluate } from './evaluate.js';
import { identifyPictures } from './identify.js';
import { train } from './train.js';
import { verifyPictures } from './verify.js';

const HELP = `Usage: cnn-face <command> [options]

Face verification ("is this the same person?") and one-shot recognition ("who is this?"), the course's way: each
face is detected, aligned on its 68 landmarks and encoded by dlib's ResNet-34 as 128 numbers f(x); two faces are
the same person when the distance d = ||f(a) - f(b)|| is at most a threshold (0.6). One picture of a person is
enough to recognize them.

Commands:
  enroll --db <file> <name> <image...>  add the largest face of each picture to <name> (a new person, or more
                                        pictures of a known one); the database file is created if missing
  enroll --db <file> --folder <root>    enroll a folder-per-identity set: each subfolder is a person, named
                                        after it, with all its pictures
  enroll --db <file> --remove <name>    remove a person and their faces
  list --db <file>                      the people in a database
  verify <imageA> <imageB> [image...]   same person or not (the largest face of each picture); with more than
                                        two pictures, every pair: the distance matrix, printed and drawn
  identify --db <file> <image...>       every face of each picture: who it is, or 'unknown', with distances
  evaluate <folder>                     on a folder-per-identity set: 10-fold verification accuracy, AUC, EER,
                                        TAR@FAR, the best threshold, one-shot rank-1 and rank-5 identification
  train <folder>                        triplet-loss training of a small embedding net on the folder's people
                                        but the last --holdout, then one-shot rank-1 on those, before and after

verify / identify options:
  --metric <m>             euclidean (default), cosine or euclidean-l2
  --threshold <t>          same person when the distance is <= t (default: 0.6 euclidean, 0.0856 cosine,
                           0.4138 euclidean-l2)
  --top-k <k>              identify: nearest people listed for each face (default 3)
  --out <path>             verify: the distance-matrix picture with face thumbnails (default matrix.png with
                           more than two pictures); identify: the picture with boxes and names (.png / .jpg),
                           or with several pictures a folder for them

evaluate options:
  --folds <k>              verification folds (default 10); the threshold is chosen on the other k - 1
  --alignment <a>          chip (default: dlib's face chip, rotated onto the eyes and nose), dlib-box (face-api's
                           square from the eyes and mouth) or box (the detector's box)
  --whole                  embed each whole picture: no detection, landmarks or alignment (tight face crops)
  --flip                   also embed each face mirrored and average the two descriptors
  --enroll <n>             pictures enrolled per person for identification (default 1: one-shot)
  --metric <m>             as above
  --seed <n>               impostor pairs drawn with this seed (default 0)
  --out <file.png>         the ROC curve (TAR against FAR)

train options:
  --holdout <n>            people left out of training for the one-shot check: the last n subfolders in name
                           order (default 5)
  --epochs <n>             default 10
  --steps <n>              batches per epoch (default: about one pass over the pictures, 8 people x 4 pictures)
  --size <HxW>             pictures are made gray and resized to H x W (default 56x46)
  --mining <m>             batch-hard (default), batch-all or semi-hard triplets
  --margin <m>             the triplet margin alpha (default 0.2)
  --lr <rate>              Adam's learning rate (default 1e-3)
  --seed <n>               net initialization and batches (default 1)
  --out <dir>              where the trained net goes, with loss.png and training.json (default ./face-embedding)

Common:
  --db <file>              the face database (enroll, list, identify)
  --face-api-models <dir>  folder of face-api's weights for the landmark and descriptor nets (default: the model/
                           folder of the installed @vladmandic/face-api)
  --backend <b>            ${BACKEND_NAMES.join(', ')} (default: CNN_BACKEND or the best available)
  --json                   print the result as JSON on stdout (progress and notices stay off)
  -h, --help               this help

Examples:
  cnn-face enroll --db team.faces alice alice-1.jpg alice-2.jpg
  cnn-face enroll --db team.faces --folder ./team-photos
  cnn-face identify --db team.faces group.jpg --out group-named.png
  cnn-face verify me.jpg passport.jpg
  cnn-face verify a.jpg b.jpg c.jpg d.jpg --out matrix.png
  cnn-face evaluate ../shared/data/faces-att --out roc.png
  cnn-face train ../shared/data/faces-att --holdout 5 --epochs 12 --steps 10 --out att-embedding`;

const COMMANDS = ['enroll', 'list', 'verify', 'identify', 'evaluate', 'train'] as const;
type Command = (typeof COMMANDS)[number];

/** Which options each command takes (a stray one is a usage error, not silently ignored). */
const ALLOWED: Record<Command, readonly string[]> = {
  enroll: ['db', 'folder', 'remove', 'face-api-models'],
  list: ['db'],
  verify: ['metric', 'threshold', 'out', 'face-api-models'],
  identify: ['db', 'top-k', 'metric', 'threshold', 'out', 'face-api-models'],
  evaluate: ['folds', 'alignment', 'whole', 'flip', 'enroll', 'metric', 'seed', 'out', 'face-api-models'],
  train: ['holdout', 'epochs', 'steps', 'size', 'mining', 'margin', 'lr', 'seed', 'out'],
};
const COMMON = ['backend', 'json', 'help'];

function parse() {
  return parseCommandLine({
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      folder: { type: 'string' },
      remove: { type: 'string' },
      metric: { type: 'string' },
      threshold: { type: 'string' },
      'top-k': { type: 'string' },
      out: { type: 'string' },
      folds: { type: 'string' },
      alignment: { type: 'string' },
      whole: { type: 'boolean' },
      flip: { type: 'boolean' },
      enroll: { type: 'string' },
      seed: { type: 'string' },
      holdout: { type: 'string' },
      epochs: { type: 'string' },
      steps: { type: 'string' },
      size: { type: 'string' },
      mining: { type: 'string' },
      margin: { type: 'string' },
      lr: { type: 'string' },
      'face-api-models': { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** A picture file name (the extension picks the format). */
function pictureOption(name: string, raw: string): string {
  if (!/\.(png|jpe?g|bmp)$/i.test(raw)) throw new UsageError(`--${name} must be a picture file ending in .png, .jpg or .bmp, got '${raw}'`);
  return userPath(raw);
}

/** '56x46' -> [56, 46]. */
function sizeOption(raw: string): [number, number] {
  const m = /^(\d+)x(\d+)$/i.exec(raw.trim());
  const size = m ? ([Number(m[1]), Number(m[2])] as [number, number]) : undefined;
  if (!size || size.some((v) => v < 16 || v > 1024)) throw new UsageError(`--size must be HxW with sides from 16 to 1024 pixels, e.g. 56x46, got '${raw}'`);
  return size;
}

function needDb(db: string | undefined, command: string): string {
  if (db === undefined) throw new UsageError(`${command} needs the face database: --db <file>`);
  return userPath(db);
}

async function run(): Promise<number> {
  const { values: v, positionals } = parse();
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const [name, ...args] = positionals;
  if (!name) throw new UsageError(`missing command (${COMMANDS.join(', ')})`);
  if (!(COMMANDS as readonly string[]).includes(name)) throw new UsageError(`unknown command '${name}' (${COMMANDS.join(', ')})`);
  const command = name as Command;
  rejectForeignOptions(v, command, ALLOWED[command], COMMON);
  const log = makeLog(v.json);
  const progress = !v.json;
  const faceApiModels = v['face-api-models'] === undefined ? undefined : userPath(v['face-api-models']);
  const metric = choiceOption('metric', v.metric ?? 'euclidean', DISTANCE_METRICS);
  const threshold = v.threshold === undefined ? undefined : numberOption('threshold', v.threshold, 0, Infinity);
  const backend = v.backend === undefined ? undefined : choiceOption('backend', v.backend, BACKEND_NAMES);

  // Every usage error before the (slow) backend and nets start.
  let work: () => Promise<object>;
  if (command === 'enroll') {
    const db = needDb(v.db, 'enroll');
    if (v.remove !== undefined) {
      if (v.folder !== undefined || args.length > 0) throw new UsageError('--remove takes only the name: cnn-face enroll --db <file> --remove <name>');
      const who = v.remove;
      work = () => remove(db, who, log);
    } else if (v.folder !== undefined) {
      if (args.length > 0) throw new UsageError(`--folder enrolls every subfolder under its own name; drop '${args.join(' ')}' (or drop --folder to enroll pictures under one name)`);
      const folder = userPath(v.folder);
      work = () => enroll({ db, people: { folder }, faceApiModels, progress }, log);
    } else {
      const [who, ...images] = args;
      if (!who || images.length === 0) throw new UsageError('enroll needs a name and at least one picture: cnn-face enroll --db <file> <name> <image...> (or --folder <root>)');
      work = () => enroll({ db, people: { name: who, images: images.map(userPath) }, faceApiModels, progress }, log);
    }
  } else if (command === 'list') {
    const db = needDb(v.db, 'list');
    if (args.length > 0) throw new UsageError(`list takes no pictures or names, got '${args.join(' ')}'`);
    work = () => list(db, log);
  } else if (command === 'verify') {
    if (args.length < 2) throw new UsageError('verify needs two pictures or more: cnn-face verify <imageA> <imageB> [image...]');
    const out = v.out !== undefined ? pictureOption('out', v.out) : args.length > 2 ? userPath('matrix.png') : undefined;
    work = () => verifyPictures({ images: args.map(userPath), metric, threshold, out, faceApiModels, progress }, log);
  } else if (command === 'identify') {
    const db = needDb(v.db, 'identify');
    if (args.length === 0) throw new UsageError('identify needs at least one picture: cnn-face identify --db <file> <image...>');
    const out = v.out === undefined ? undefined : args.length === 1 ? pictureOption('out', v.out) : userPath(v.out);
    const topK = intOption('top-k', v['top-k'] ?? '3');
    work = () => identifyPictures({ db, images: args.map(userPath), topK, metric, threshold, out, faceApiModels }, log);
  } else if (command === 'evaluate') {
    if (args.length !== 1) throw new UsageError(args.length === 0 ? 'evaluate needs a folder with one subfolder per person: cnn-face evaluate <folder>' : `evaluate takes one folder, got ${args.length}: ${args.join(' ')}`);
    if (v.whole && v.alignment !== undefined) throw new UsageError('--whole embeds each picture as it is: --alignment does not apply');
    const settings = {
      folder: userPath(args[0]!),
      folds: intOption('folds', v.folds ?? '10', 2),
      alignment: choiceOption('alignment', v.alignment ?? 'chip', FACE_ALIGNMENTS),
      whole: v.whole ?? false,
      flip: v.flip ?? false,
      enroll: intOption('enroll', v.enroll ?? '1'),
      metric,
      seed: intOption('seed', v.seed ?? '0', 0),
      out: v.out === undefined ? undefined : pictureOption('out', v.out),
      faceApiModels,
      progress,
    };
    work = () => evaluate(settings, log);
  } else {
    if (args.length !== 1) throw new UsageError(args.length === 0 ? 'train needs a folder with one subfolder per person: cnn-face train <folder>' : `train takes one folder, got ${args.length}: ${args.join(' ')}`);
    const settings = {
      folder: userPath(args[0]!),
      holdout: intOption('holdout', v.holdout ?? '5', 2),
      epochs: intOption('epochs', v.epochs ?? '10'),
      steps: v.steps === undefined ? undefined : intOption('steps', v.steps),
      size: sizeOption(v.size ?? '56x46'),
      mining: choiceOption('mining', v.mining ?? 'batch-hard', TRIPLET_MINING),
      margin: numberOption('margin', v.margin ?? '0.2', 0, 2),
      learningRate: numberOption('lr', v.lr ?? '1e-3', 1e-8, 1),
      embeddingSize: 64,
      seed: intOption('seed', v.seed ?? '1', 0),
      out: userPath(v.out ?? 'face-embedding'),
      progress,
    };
    work = () => train(settings, log);
  }

  const info = await ready(backend ? { backend } : {});
  log(describeBackend(info));
  const result = await work();
  if (v.json) console.log(JSON.stringify({ command, backend: info.backend, ...result }));
  return 'results' in result && Array.isArray(result.results) && result.results.some((r: { error?: string }) => r.error !== undefined) ? 1 : 0;
}

await runCli(run, HELP);
