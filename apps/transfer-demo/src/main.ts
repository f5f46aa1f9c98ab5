/**
 * `cnn-transfer train <folder>` / `predict <bundle> <image...>` / `eval <bundle> <folder>`: transfer learning on
 * your own image folder from the command line. Thin on purpose: the work is @cnn/transfer's (backbones, the
 * classifier recipe, feature caching, fine-tuning, metrics, the export bundle); this file reads the command line.
 */
import { intOption, makeLog, numberOption, parseCommandLine, rejectForeignOptions, runCli, UsageError, userPath } from '@cnn/cli-kit';
import { describeBackend, ready } from '@cnn/ops';
import { DEFAULT_BACKBONE } from './backbone-source.js';
import { evaluate } from './evaluate.js';
import { predict } from './predict.js';
import { train } from './train.js';

const HELP = `Usage: cnn-transfer <command> [options]

Transfer learning, the course's way: reuse a CNN pretrained on ImageNet as a frozen feature extractor, train a
new softmax head on your classes, optionally fine-tune the top layers at a low learning rate.

Commands:
  train <folder>                 train on an image folder (one subfolder per class), evaluate on its test
                                 split, write the classifier bundle, confusion-matrix.png, learning-curves.png
  predict <bundle> <image...>    top classes of each picture (bundle: the folder train wrote, or its http(s) URL)
  eval <bundle> <folder>         accuracy, per-class report and confusion-matrix.png on a labelled folder

train options:
  --backbone <name|path>   ${DEFAULT_BACKBONE} (default; found on CNN_WEIGHTS_PATH), mobilenet (or another
                           @cnn/architectures builder: mobilenetV2, resnet50, vgg16, ...), or a tfjs layers model
                           folder / model.json / weights id
  --cut <layer>            layer whose output is the features (default: leaky_re_lu_12 for darknet-tiny-imagenet,
                           the last feature map of a builder's no-top model, else the model's output)
  --weights <w>            builder backbones: imagenet (default), random, or a Keras .h5 / tfjs model path or id
  --alpha <a>              mobilenet width multiplier (default 1)
  --pooling <avg|max>      global pooling of the features (default avg)
  --size <px>              pictures are resized to size x size (default 224)
  --epochs <n>             head epochs (default 40 on cached features, where an epoch costs milliseconds;
                           5 when training on pictures (--augment / --no-cache-features))
  --no-normalize           do not standardize the features before the head (default: standardize, with their
                           mean and variance over the training pictures, as a Keras Normalization layer)
  --lr <rate>              head learning rate (default 1e-3)
  --fine-tune-epochs <n>   fine-tuning epochs after the head (default 0: none)
  --unfreeze <n>           backbone layers with weights to fine-tune, from the top (default 2)
  --fine-tune-lr <rate>    fine-tuning learning rate (default 1e-5)
  --patience <n>           early stopping: stop a phase after n epochs without a better --monitor on the
                           validation split and keep its best epoch's weights; fine-tuning keeps the head's
                           weights when no fine-tuning epoch beats them (default: no early stopping)
  --monitor <m>            val_loss (default) or val_acc, for --patience
  --augment                random crop/zoom, rotation, brightness and contrast on training pictures
  --cache-features         compute backbone features once, train the head on them (default: on unless --augment;
                           --no-cache-features trains on pictures every epoch)
  --balanced               weight each class's loss by n / (classes * count), for unbalanced folders
  --val <f>, --test <f>    validation and test fractions of each class (default 0.15 each)
  --seed <n>               split, shuffle, augmentation and head initialization seed (default 0)
  --batch-size <n>         pictures per batch (default 32)
  --dropout <rate>         dropout before the head (default 0.2)
  --hidden <units>         an extra ReLU dense layer in the head (default none)
  --out <dir>              bundle folder (default ./classifier)

predict options:
  --top <k>                classes per picture, best first (default 3)

eval options:
  --out <dir>              folder for confusion-matrix.png (default ./evaluation)
  --batch-size <n>         pictures per batch (default 32)

Common:
  --json                   print the result as JSON on stdout (progress and notices stay off)
  -h, --help               this help
Environment: CNN_WEIGHTS_PATH (where backbone weights are found), CNN_BACKEND (wasm, cpu, ...).

Examples:
  CNN_WEIGHTS_PATH=../shared/weights cnn-transfer train ./signs --epochs 10 --out ./signs-classifier
  cnn-transfer train ./flowers --backbone mobilenet --alpha 0.5 --augment --fine-tune-epochs 2 --unfreeze 4
  cnn-transfer predict ./signs-classifier photo1.jpg photo2.jpg --top 3
  cnn-transfer eval ./signs-classifier ./signs-holdout`;

/** Which options each command takes (a stray one is a usage error, not silently ignored). */
const ALLOWED: Record<string, readonly string[]> = {
  train: ['backbone', 'cut', 'weights', 'alpha', 'pooling', 'size', 'epochs', 'lr', 'fine-tune-epochs', 'unfreeze', 'fine-tune-lr', 'patience', 'monitor', 'augment', 'cache-features', 'normalize', 'balanced', 'val', 'test', 'seed', 'batch-size', 'dropout', 'hidden', 'out'],
  predict: ['top'],
  eval: ['out', 'batch-size'],
};

function parse() {
  return parseCommandLine({
    allowPositionals: true,
    allowNegative: true,
    options: {
      backbone: { type: 'string' },
      cut: { type: 'string' },
      weights: { type: 'string' },
      alpha: { type: 'string' },
      pooling: { type: 'string' },
      size: { type: 'string' },
      epochs: { type: 'string' },
      lr: { type: 'string' },
      'fine-tune-epochs': { type: 'string' },
      unfreeze: { type: 'string' },
      'fine-tune-lr': { type: 'string' },
      patience: { type: 'string' },
      monitor: { type: 'string' },
      augment: { type: 'boolean' },
      'cache-features': { type: 'boolean' },
      normalize: { type: 'boolean' },
      balanced: { type: 'boolean' },
      val: { type: 'string' },
      test: { type: 'string' },
      seed: { type: 'string' },
      'batch-size': { type: 'string' },
      dropout: { type: 'string' },
      hidden: { type: 'string' },
      out: { type: 'string' },
      top: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

async function run(): Promise<number> {
  const { values: v, positionals } = parse();
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const [command, ...args] = positionals;
  if (!command) throw new UsageError('missing command (train, predict or eval)');
  const allowed = ALLOWED[command];
  if (!allowed) throw new UsageError(`unknown command '${command}' (train, predict or eval)`);
  rejectForeignOptions(v, command, allowed, ['json', 'help']);
  const log = makeLog(v.json);
  const batchSize = intOption('batch-size', v['batch-size'] ?? '32');

  if (command === 'train') {
    if (args.length !== 1) throw new UsageError(args.length === 0 ? 'train needs the image folder: cnn-transfer train <folder>' : `train takes one folder, got ${args.length}: ${args.join(' ')}`);
    const val = numberOption('val', v.val ?? '0.15', 0, 1, true);
    const test = numberOption('test', v.test ?? '0.15', 0, 1, true);
    if (val + test >= 1) throw new UsageError(`--val + --test must leave pictures to train on, got ${val} + ${test}`);
    const augment = v.augment ?? false;
    if (augment && v['cache-features'] === true) throw new UsageError('--cache-features does not combine with --augment: augmented pictures give new features every epoch');
    if (v.monitor !== undefined && v.patience === undefined) throw new UsageError('--monitor goes with --patience (early stopping)');
    const monitor = (v.monitor ?? 'val_loss') as 'val_loss' | 'val_acc';
    if (!['val_loss', 'val_acc'].includes(monitor)) throw new UsageError(`--monitor must be val_loss or val_acc, got '${monitor}'`);
    if (v.patience !== undefined && val === 0) throw new UsageError('--patience watches the validation split: keep --val above 0');
    const pooling = v.pooling ?? 'avg';
    if (pooling !== 'avg' && pooling !== 'max') throw new UsageError(`--pooling must be avg or max, got '${pooling}'`);
    const settings = {
      folder: userPath(args[0]!),
      backbone: v.backbone ?? DEFAULT_BACKBONE,
      cut: v.cut,
      weights: v.weights,
      alpha: v.alpha === undefined ? undefined : numberOption('alpha', v.alpha, 0.1, 2),
      pooling,
      size: intOption('size', v.size ?? '224', 32),
      epochs: intOption('epochs', v.epochs ?? ((v['cache-features'] ?? !augment) ? '40' : '5')),
      normalize: v.normalize ?? true,
      learningRate: numberOption('lr', v.lr ?? '1e-3', 1e-8, 1),
      fineTuneEpochs: intOption('fine-tune-epochs', v['fine-tune-epochs'] ?? '0', 0),
      fineTuneLearningRate: numberOption('fine-tune-lr', v['fine-tune-lr'] ?? '1e-5', 1e-10, 1),
      unfreeze: intOption('unfreeze', v.unfreeze ?? '2'),
      earlyStopping: v.patience === undefined ? undefined : { patience: intOption('patience', v.patience, 0), monitor },
      cacheFeatures: v['cache-features'] ?? !augment,
      augment,
      balanced: v.balanced ?? false,
      val,
      test,
      seed: intOption('seed', v.seed ?? '0', 0),
      batchSize,
      dropout: numberOption('dropout', v.dropout ?? '0.2', 0, 1, true),
      hidden: v.hidden === undefined ? undefined : intOption('hidden', v.hidden),
      out: userPath(v.out ?? 'classifier'),
      progress: !v.json,
    } as const;
    const info = await ready();
    log(describeBackend(info));
    const summary = await train(settings, log);
    if (v.json) console.log(JSON.stringify({ command, backend: info.backend, ...summary }));
    return 0;
  }

  if (command === 'predict') {
    if (args.length < 2) throw new UsageError('predict needs a bundle and at least one image: cnn-transfer predict <bundle> <image...>');
    const top = intOption('top', v.top ?? '3');
    const info = await ready();
    log(describeBackend(info));
    const r = await predict(userPath(args[0]!), args.slice(1).map(userPath), top, log);
    if (v.json) console.log(JSON.stringify({ command, backend: info.backend, ...r }));
    return r.results.some((x) => x.error !== undefined) ? 1 : 0;
  }

  if (args.length !== 2) throw new UsageError('eval needs a bundle and a labelled folder: cnn-transfer eval <bundle> <folder>');
  const info = await ready();
  log(describeBackend(info));
  const r = await evaluate(userPath(args[0]!), userPath(args[1]!), { out: userPath(v.out ?? 'evaluation'), batchSize }, log);
  if (v.json) console.log(JSON.stringify({ command, backend: info.backend, ...r }));
  return 0;
}

await runCli(run, HELP);
