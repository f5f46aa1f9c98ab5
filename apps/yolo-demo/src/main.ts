/**
 * @cnn/yolo demo: detect objects in photos (Yolo-Fastest, any Darknet cfg, the shipped shapes or face
 * detector, a trained detector folder), train a detector (the shapes recipe on generated scenes, or a
 * pretrained Darknet backbone on a labelled data set), evaluate a detector's mAP on a labelled data set, fit
 * anchor boxes by k-means, and draw the course's grid picture (which cell and anchor own each object). Thin on
 * purpose: models, training, data readers, metrics and pictures all come from @cnn/yolo and @cnn/ops.
 */
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CnnError, describeBackend, ready } from '@cnn/ops';
import { anchors, detect, evaluate, grid, train } from './commands.js';
import { UsageError } from './models.js';

function fail(message: string, code = 2): never {
  console.error(`error: ${message}${code === 2 ? `\n\n${HELP}` : ''}`);
  process.exit(code);
}

/** parseArgs, with an unknown flag or a missing value reported like any other usage error. */
function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    fail((err as Error).message);
  }
}

const HELP = `Usage: cnn-yolo-demo <command> [options]

Commands:
  detect <image...>   detect objects; write each picture with boxes to --out and print the detections
  train               train a YOLOv2 detector on --data; checkpoints (detector folders) in --out: last/, best/
                        scenes[:N]: the shapes recipe, from scratch on N generated scenes (default 4000),
                                    128 px, 8x8 grid, 5 k-means anchors (no files, no weights)
                        a data set: darknet-tiny-imagenet (on CNN_WEIGHTS_PATH) to stride 16, frozen, at 160 px,
                                    + a new conv block and a YOLOv2 head; 5 k-means anchors from its boxes
  eval                mAP@0.5 and COCO mAP@[.5:.95] of --model on --data, AP per class, a PR-curve picture
  anchors             k-means anchor boxes (distance 1 - IoU) over --data's box sizes, with their mean IoU
  grid                the grid picture of a generated scene: each object's cell, centre, box and anchor

Models (--model, default yolo-fastest):
  yolo-fastest        Yolo-Fastest 1.1, COCO 80 classes, 320x320 ('yolo-fastest' folder on CNN_WEIGHTS_PATH)
  yolo-fastest-xl     Yolo-Fastest 1.1-XL, from the same folder
  shapes              the shapes detector shipped with @cnn/yolo (sun, moon, star, square, triangle, ring)
  faces               the tiny face detector shipped with @cnn/yolo
  <folder>            a detector folder (detector.json + model.json): train's out/train/best or last, or a
                      training folder itself (its best/)
  <file.cfg>          any Darknet YOLO cfg, with --weights (default: the cfg's name .weights) and --labels

Options:
  --model <name|cfg>  the detector (detect, eval)
  --weights <file>    Darknet .weights (with a cfg, or to override Yolo-Fastest's)
  --labels <file>     class names, one a line (with a cfg)
  --score <p>         keep detections scoring at least this (default 0.25 for detect, 0.01 for eval)
  --iou <t>           NMS IoU threshold (default 0.45)
  --data <where>      train, eval, anchors: a Pascal VOC folder (with Annotations/ or annotations/), a COCO .json,
                      an Ultralytics data.yaml, a box .csv, a data set id on CNN_DATA_PATH (e.g. raccoon),
                      or scenes[:N] (N generated shape scenes, default 64)
  --images <dir>      COCO/CSV: folder of the images (default: the JSON's folder; for a CSV ../images)
  --split <name>      data.yaml: train, val or test (default val; train for train)
  --limit <n>         eval: only the first n images
  --k <n>             anchors, grid: number of anchors (default 5 for anchors, 3 for grid)
  --grid <S>          anchors: S x S grid the sizes are measured in (default 13); grid: cells a side (default 4)
  --input-size <px>   anchors: network input, for the sizes in pixels (default 416)
  --anchors "w,h ..." grid: anchor shapes in cells (default: k-means over generated scenes)
  --size <px>         Darknet input size (default the cfg's; 320 for Yolo-Fastest); scene size for grid and
                      scenes:N (default 256)
  --seed <n>          scene and k-means seed (default 1); train: shuffling and augmentation seed (default 1)
  --out <dir>         where pictures go (default out); train: the checkpoint folder (default out/train)
  --json              print one JSON document instead of text

Training (train):
  --epochs <n>        epochs to reach, also after --resume (default 30)
  --steps <n>         steps an epoch (default 80 for scenes; one pass over the data set's images)
  --batch <n>         pictures a step (default 16 for scenes, 8 for a data set)
  --lr <rate>         Adam's peak rate of the cosine schedule (default 2e-3 for scenes, 1e-3 for a data set)
  --size <px>         network input, a multiple of 16 (default 128 for scenes, 160 for a data set)
  --val <spec>        held out for mAP@0.5 every 3 epochs; the best epoch is kept in best/: a fraction of
                      --data (default 0.2; a data.yaml's val split), scenes:N (default for scenes: 100, seed
                      2000), another data set with the same classes, or 0 for none
  --resume            continue the run in --out from its last finished epoch
  --minutes <m>       stop after m minutes (the last finished epoch is saved; --resume continues)
  -h, --help          this help

Examples:
  CNN_WEIGHTS_PATH=../shared/weights cnn-yolo-demo detect ../shared/data/darknet-samples/dog.jpg
  cnn-yolo-demo detect photo.jpg --model faces --out faces
  cnn-yolo-demo eval --model shapes --data scenes:100
  cnn-yolo-demo train --data scenes:4000 --epochs 30 --out out/shapes    (then --resume --epochs 60)
  cnn-yolo-demo eval --model out/shapes/best --data scenes:200 --size 128 --seed 9000
  CNN_WEIGHTS_PATH=../shared/weights CNN_DATA_PATH=../shared/data cnn-yolo-demo train --data raccoon --out out/raccoon
  CNN_DATA_PATH=../shared/data cnn-yolo-demo anchors --data raccoon --k 5
  cnn-yolo-demo grid --grid 4 --seed 3`;

const { values, positionals } = parseCommandLine({
  allowPositionals: true,
  options: {
    model: { type: 'string', default: 'yolo-fastest' },
    weights: { type: 'string' },
    labels: { type: 'string' },
    score: { type: 'string' },
    iou: { type: 'string', default: '0.45' },
    data: { type: 'string' },
    images: { type: 'string' },
    split: { type: 'string' },
    limit: { type: 'string' },
    k: { type: 'string' },
    grid: { type: 'string' },
    'input-size': { type: 'string', default: '416' },
    anchors: { type: 'string' },
    size: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    val: { type: 'string' },
    epochs: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    resume: { type: 'boolean', default: false },
    minutes: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});


function number(name: string, text: string | undefined, fallback: number, check: (v: number) => boolean, expected: string): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !check(v)) fail(`--${name} must be ${expected}, got '${text}'`);
  return v;
}
const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;
const unit = (v: number) => v >= 0 && v <= 1;

if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const [command, ...rest] = positionals;
const COMMANDS = ['detect', 'train', 'eval', 'anchors', 'grid'];
if (!command) fail('missing command');
if (!COMMANDS.includes(command)) fail(`unknown command '${command}' (one of ${COMMANDS.join(', ')})`);
if (command !== 'detect' && rest.length > 0) fail(`${command} takes no positional arguments, got '${rest.join(' ')}'`);

const log = (s: string) => {
  if (!values.json) console.log(s);
};
const common = { json: values.json, out: values.out ?? (command === 'train' ? join('out', 'train') : 'out'), log };
const model = { model: values.model, weights: values.weights, labels: values.labels };
const seed = number('seed', values.seed, 1, Number.isInteger, 'an integer');
const iou = number('iou', values.iou, 0.45, unit, 'a number in [0, 1]');

try {
  const info = await ready();
  log(describeBackend(info));
  if (command === 'detect') {
    const size = values.size === undefined ? undefined : number('size', values.size, 0, (v) => positiveInt(v) && v % 32 === 0, 'a multiple of 32');
    await detect(rest, { ...common, ...model, size, score: number('score', values.score, 0.25, unit, 'a number in [0, 1]'), iou });
  } else if (command === 'train') {
    const optional = (name: 'epochs' | 'steps' | 'batch' | 'size', check = positiveInt, expected = 'a positive integer') =>
      values[name] === undefined ? undefined : number(name, values[name], 0, check, expected);
    await train({
      ...common,
      data: values.data,
      images: values.images,
      split: values.split,
      val: values.val,
      epochs: optional('epochs'),
      steps: optional('steps'),
      batch: optional('batch'),
      size: optional('size', (v) => positiveInt(v) && v % 16 === 0 && v >= 32, 'a multiple of 16, at least 32'),
      lr: values.lr === undefined ? undefined : number('lr', values.lr, 0, (v) => v > 0 && v < 1, 'a learning rate in (0, 1), e.g. 1e-3'),
      seed: values.seed === undefined ? undefined : seed,
      resume: values.resume,
      minutes: values.minutes === undefined ? undefined : number('minutes', values.minutes, 0, (v) => v > 0, 'a positive number of minutes'),
    });
  } else if (command === 'eval') {
    // --size is both the Darknet input (default the cfg's) and the side of generated scenes (default 256).
    const size = values.size === undefined ? undefined : number('size', values.size, 0, positiveInt, 'a positive integer');
    await evaluate({
      ...common,
      ...model,
      size,
      sceneSize: size ?? 256,
      data: values.data,
      images: values.images,
      split: values.split,
      seed,
      score: number('score', values.score, 0.01, unit, 'a number in [0, 1]'),
      iou,
      limit: values.limit === undefined ? undefined : number('limit', values.limit, 0, positiveInt, 'a positive integer'),
    });
  } else if (command === 'anchors') {
    await anchors({
      ...common,
      data: values.data,
      images: values.images,
      split: values.split,
      sceneSize: number('size', values.size, 256, positiveInt, 'a positive integer'),
      seed,
      k: number('k', values.k, 5, positiveInt, 'a positive integer'),
      grid: number('grid', values.grid, 13, positiveInt, 'a positive integer'),
      inputSize: number('input-size', values['input-size'], 416, positiveInt, 'a positive integer'),
    });
  } else {
    await grid({
      ...common,
      grid: number('grid', values.grid, 4, positiveInt, 'a positive integer'),
      size: number('size', values.size, 256, (v) => positiveInt(v) && v >= 32, 'an integer >= 32'),
      seed,
      k: number('k', values.k, 3, positiveInt, 'a positive integer'),
      anchors: values.anchors,
    });
  }
} catch (err) {
  if (err instanceof UsageError) fail(err.message);
  if (err instanceof CnnError) fail(err.message, 1);
  throw err;
}
