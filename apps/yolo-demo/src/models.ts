/**
 * The detectors the demo can run, behind one small interface. Loading only: every model is @cnn/yolo's
 * (Darknet cfg + weights, the shipped shapes detector, the shipped tiny face detector, a detector folder
 * written by `train` or detector.save).
 */
import { access, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { CnnError, FileNotFoundError, resolveWeights } from '@cnn/ops';
import { loadDarknetDetector, loadDetector } from '@cnn/yolo';

/** A detection as every @cnn/yolo detector returns it. */
export interface Detection {
  box: number[];
  format: 'xyxy';
  score: number;
  class: number;
  label: string;
}

export interface DemoDetector {
  /** What was loaded, for the printout. */
  name: string;
  /** Class names in index order. */
  classNames: readonly string[];
  /** Network input size, when fixed. */
  inputSize?: readonly [number, number];
  detect(image: tf.Tensor3D, options: { scoreThreshold: number; iouThreshold: number }): Promise<Detection[]>;
  dispose(): void;
}

export interface ModelArgs {
  model: string;
  weights?: string | undefined;
  labels?: string | undefined;
  /** Darknet input size (default: the cfg's). */
  size?: number | undefined;
}

/** A user error: printed with the help text (exit 2), as a wrong flag would be. */
export class UsageError extends Error {}

export const MODEL_NAMES = ['yolo-fastest', 'yolo-fastest-xl', 'shapes', 'faces'] as const;

const exists = (p: string) => access(p).then(() => true, () => false);

async function readLines(path: string, what: string): Promise<string[]> {
  if (!(await exists(path))) throw new FileNotFoundError(path, what);
  return (await readFile(path, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
}

async function darknet(cfgPath: string, weightsPath: string, labelsPath: string | undefined, size: number | undefined, name: string): Promise<DemoDetector> {
  if (!(await exists(cfgPath))) throw new FileNotFoundError(cfgPath, 'Darknet cfg');
  if (!(await exists(weightsPath))) throw new FileNotFoundError(weightsPath, 'Darknet weights', 'Pass --weights <file.weights>.');
  const labels = labelsPath ? await readLines(labelsPath, 'labels file') : undefined;
  const detector = await loadDarknetDetector({
    cfg: await readFile(cfgPath, 'utf8'),
    weights: await readFile(weightsPath),
    ...(labels ? { labels } : {}),
    ...(size ? { inputSize: size } : {}),
  });
  const classNames = labels ?? Array.from({ length: detector.meta.classes }, (_, i) => `class ${i}`);
  return {
    name,
    classNames,
    inputSize: detector.meta.inputSize,
    detect: async (image, o) => (await detector.detect(image, { scoreThreshold: o.scoreThreshold, iouThreshold: o.iouThreshold })).map((d) => ({ ...d, box: [...d.box], label: d.label ?? classNames[d.class] })),
    dispose: () => detector.dispose(),
  };
}

type Loose = Record<string, unknown>;
type LooseDetect = (image: tf.Tensor3D, options?: Loose) => Promise<Loose[]>;
interface LooseDetector {
  detect: LooseDetect;
  dispose?: () => void;
  labels?: readonly string[];
  classNames?: readonly string[];
}
const isDetector = (v: unknown): v is LooseDetector => v !== null && typeof v === 'object' && typeof (v as Loose)['detect'] === 'function';

/** @cnn/yolo's exports, read by name: the shapes and face detectors may not be in the installed version yet. */
async function yoloExport(name: string): Promise<((...args: unknown[]) => unknown) | undefined> {
  const mod = (await import('@cnn/yolo')) as unknown as Loose;
  const f = mod[name];
  return typeof f === 'function' ? (f as (...args: unknown[]) => unknown) : undefined;
}

function plain(d: Loose, classNames: readonly string[], fallbackLabel: string): Detection {
  const cls = typeof d['class'] === 'number' ? d['class'] : 0;
  const label = typeof d['label'] === 'string' ? d['label'] : (classNames[cls] ?? fallbackLabel);
  return { box: [...(d['box'] as number[])], format: 'xyxy', score: d['score'] as number, class: cls, label };
}

async function shapes(): Promise<DemoDetector> {
  const load = await yoloExport('loadShapesDetector');
  if (!load) throw new UsageError("--model shapes: this version of @cnn/yolo has no loadShapesDetector yet (the shipped shapes detector). Try --model yolo-fastest.");
  const detector = await load();
  if (!isDetector(detector)) throw new UsageError('--model shapes: loadShapesDetector() gave no detect()');
  const classNames = detector.classNames ?? detector.labels ?? ((await import('@cnn/yolo')).SHAPE_CLASSES as readonly string[]);
  return {
    name: 'shapes detector (shipped with @cnn/yolo)',
    classNames,
    detect: async (image, o) => (await detector.detect(image, { scoreThreshold: o.scoreThreshold, iouThreshold: o.iouThreshold })).map((d) => plain(d, classNames, 'shape')),
    dispose: () => detector.dispose?.(),
  };
}

async function faces(): Promise<DemoDetector> {
  const create = await yoloExport('createFaceDetector');
  const load = await yoloExport('loadTinyFaceDetector');
  const detectFaces = await yoloExport('detectFaces');
  if (!create && !load) throw new UsageError('--model faces: this version of @cnn/yolo has no loadTinyFaceDetector yet (the shipped face detector). Try --model yolo-fastest.');
  let detector: LooseDetector | undefined;
  const made = create ? await create() : await load!();
  if (isDetector(made)) detector = made;
  else if (detectFaces) {
    (made as { dispose?: () => void } | undefined)?.dispose?.();
    const disposeDefault = await yoloExport('disposeDefaultFaceDetector');
    detector = { detect: detectFaces as LooseDetect, dispose: () => void disposeDefault?.() };
  } else throw new UsageError('--model faces: @cnn/yolo gives neither a face detector with detect() nor detectFaces');
  const d = detector;
  return {
    name: 'tiny face detector (shipped with @cnn/yolo)',
    classNames: ['face'],
    detect: async (image, o) => (await d.detect(image, { scoreThreshold: o.scoreThreshold, iouThreshold: o.iouThreshold })).map((x) => plain(x, ['face'], 'face')),
    dispose: () => d.dispose?.(),
  };
}

const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);

/**
 * A detector folder (model.json + detector.json, as `train` writes last/ and best/). A training folder
 * (checkpoint.json) stands for its best/ checkpoint, or last/ when no epoch was validated.
 */
async function detectorFolder(path: string): Promise<DemoDetector> {
  let dir = basename(path) === 'detector.json' ? dirname(path) : path;
  let note = '';
  if (!(await exists(join(dir, 'detector.json'))) && (await exists(join(dir, 'checkpoint.json')))) {
    const pick = (await exists(join(dir, 'best', 'detector.json'))) ? 'best' : 'last';
    dir = join(dir, pick);
    note = ` (the training folder's ${pick}/)`;
  }
  if (!(await exists(join(dir, 'detector.json')))) {
    throw new UsageError(`--model '${path}': a folder must hold detector.json and model.json (a folder written by train, e.g. out/train/best, or by detector.save)`);
  }
  const detector = await loadDetector(dir);
  const classNames = detector.labels;
  return {
    name: `detector folder ${dir}${note}`,
    classNames,
    inputSize: detector.inputSize,
    detect: async (image, o) => (await detector.detect(image, { scoreThreshold: o.scoreThreshold, iouThreshold: o.iouThreshold })).map((d) => ({ box: [...d.box], format: 'xyxy', score: d.score, class: d.class, label: d.label ?? classNames[d.class] ?? 'object' })),
    dispose: () => detector.dispose(),
  };
}

/** Loads `--model`: a name from MODEL_NAMES, a detector folder, or a Darknet .cfg path (with --weights, --labels). */
export async function loadModel(args: ModelArgs): Promise<DemoDetector> {
  const { model } = args;
  if (model === 'shapes') return shapes();
  if (model === 'faces') return faces();
  if (model === 'yolo-fastest' || model === 'yolo-fastest-xl') {
    let dir: string;
    try {
      dir = await resolveWeights('yolo-fastest', { offline: true });
    } catch (err) {
      if (err instanceof CnnError) {
        throw new CnnError(err.code, `${err.message}\nYolo-Fastest's Darknet files (yolo-fastest-1.1.cfg, .weights, coco.names) come from github.com/dog-qiuqiu/Yolo-Fastest (ModelZoo/yolo-fastest-1.1_coco): put them in a folder 'yolo-fastest' on CNN_WEIGHTS_PATH.`, { cause: err });
      }
      throw err;
    }
    const base = model === 'yolo-fastest' ? 'yolo-fastest-1.1' : 'yolo-fastest-1.1-xl';
    return darknet(join(dir, `${base}.cfg`), args.weights ?? join(dir, `${base}.weights`), args.labels ?? join(dir, 'coco.names'), args.size ?? 320, `${base} (COCO, 80 classes)`);
  }
  if (model.endsWith('.cfg')) {
    const weights = args.weights ?? model.replace(/\.cfg$/, '.weights');
    return darknet(model, weights, args.labels, args.size, model);
  }
  if (basename(model) === 'detector.json' || (await isDir(model))) return detectorFolder(model);
  throw new UsageError(`unknown --model '${model}': use one of ${MODEL_NAMES.join(', ')}, a detector folder (with detector.json, e.g. from train) or a Darknet .cfg file`);
}
