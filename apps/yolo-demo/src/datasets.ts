/**
 * `--data` for eval, anchors and train: a Pascal VOC folder, a COCO .json, an Ultralytics data.yaml, a box
 * .csv, a data set id on CNN_DATA_PATH (e.g. 'raccoon'), or `scenes[:N]` (N generated shape scenes, no files).
 * Reading is @cnn/yolo's; this file only picks the reader (and, for train, holds out a validation share).
 */
import { stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { CnnError, resolveData } from '@cnn/ops';
import { createRng, generateDataset, readCocoDataset, readCsvAnnotations, readUltralyticsDataset, readVocDataset, type DetectionDataset, type Scene } from '@cnn/yolo';
import { UsageError } from './models.js';

export interface LoadedData {
  dataset: DetectionDataset;
  /** How it was read, for the printout. */
  source: string;
  /** For generated scenes: the pictures themselves (no files to decode). */
  scenes?: Scene[];
}

export interface DataArgs {
  data: string | undefined;
  /** COCO: folder of the images (default: the JSON's folder). */
  images?: string | undefined;
  /** Ultralytics: split (default 'val'). */
  split?: string | undefined;
  /** Generated scenes: side in pixels. */
  sceneSize: number;
  seed: number;
}

const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);
const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);

export async function loadData(args: DataArgs): Promise<LoadedData> {
  const { data } = args;
  if (!data) throw new UsageError('--data is required: a VOC folder, a COCO .json, a data.yaml, a .csv, a data set id, or scenes[:N]');
  const scenes = /^scenes(?::(\d+))?$/.exec(data);
  if (scenes) {
    const n = Number(scenes[1] ?? 64);
    if (!(n >= 1)) throw new UsageError(`--data scenes:N needs N >= 1, got '${data}'`);
    const generated = generateDataset(n, { size: args.sceneSize, seed: args.seed });
    const dataset: DetectionDataset = {
      classNames: [...(generated[0]?.classNames ?? [])],
      images: generated.map((s, i) => ({ id: `scene-${i}`, path: `scene-${i}`, width: s.width, height: s.height, boxes: s.objects.map((o) => ({ box: o.box, class: o.class })) })),
    };
    return { dataset, scenes: generated, source: `${n} generated scenes ${args.sceneSize}x${args.sceneSize} (seed ${args.seed})` };
  }
  let path = data;
  if (!(await isDir(path)) && !(await isFile(path))) {
    try {
      path = await resolveData(data, { offline: true }); // an id on CNN_DATA_PATH
    } catch (err) {
      if (!(err instanceof CnnError)) throw err;
      throw new UsageError(`--data '${data}' is not a file, a folder, scenes[:N] or a data set id found on CNN_DATA_PATH:\n${err.message}`);
    }
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return { dataset: await readCocoDataset(path, { imagesDir: args.images ?? dirname(path) }), source: `COCO ${path}` };
  if (ext === '.yaml' || ext === '.yml') {
    const split = args.split ?? 'val';
    if (split !== 'train' && split !== 'val' && split !== 'test') throw new UsageError(`--split must be train, val or test, got '${split}'`);
    return { dataset: await readUltralyticsDataset(path, { split }), source: `Ultralytics ${path} (${split})` };
  }
  if (ext === '.csv') return { dataset: await readCsvAnnotations(path, { imagesDir: args.images ?? join(dirname(path), '..', 'images') }), source: `CSV ${path}` };
  if (await isDir(path)) {
    // A VOC root holds Annotations/ (VOC) or annotations/ (raccoon); the folder of .xml files itself works too.
    for (const sub of ['Annotations', 'annotations']) {
      if (await isDir(join(path, sub))) return { dataset: await readVocDataset(join(path, sub), args.images ? { imagesDir: args.images } : {}), source: `Pascal VOC ${join(path, sub)}` };
    }
    return { dataset: await readVocDataset(path, args.images ? { imagesDir: args.images } : {}), source: `Pascal VOC ${path}` };
  }
  throw new UsageError(`--data '${data}': expected a VOC folder, a .json (COCO), a .yaml (Ultralytics), a .csv, a data set id or scenes[:N]`);
}

/** A `--data` string that names generated scenes: `scenes` or `scenes:N` (N undefined for the bare word). */
export function scenesCount(data: string): { n: number | undefined } | undefined {
  const m = /^scenes(?::(\d+))?$/.exec(data);
  if (!m) return undefined;
  const n = m[1] === undefined ? undefined : Number(m[1]);
  if (n !== undefined && n < 1) throw new UsageError(`--data scenes:N needs N >= 1, got '${data}'`);
  return { n };
}

/**
 * Splits off a validation share: a fixed shuffle (the same on every run, so a resumed training never sees
 * its validation pictures), at least one picture on each side.
 */
export function holdOut(dataset: DetectionDataset, fraction: number): { train: DetectionDataset; val: DetectionDataset } {
  const n = dataset.images.length;
  const k = Math.round(n * fraction);
  if (k < 1 || k >= n) throw new UsageError(`--val ${fraction} holds out ${k} of ${n} images: leave at least one on each side (or pass --val 0, or a separate data set)`);
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = createRng(0);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const held = new Set(order.slice(0, k));
  return {
    train: { classNames: dataset.classNames, images: dataset.images.filter((_, i) => !held.has(i)) },
    val: { classNames: dataset.classNames, images: dataset.images.filter((_, i) => held.has(i)) },
  };
}

/** `other`'s boxes renumbered to `classNames` by name; a class `classNames` lacks is an error. */
export function withClasses(other: DetectionDataset, classNames: readonly string[], what: string): DetectionDataset {
  const index = new Map(classNames.map((n, i) => [n.toLowerCase(), i]));
  const map = other.classNames.map((n) => index.get(n.toLowerCase()));
  const used = new Set(other.images.flatMap((im) => im.boxes.map((b) => b.class)));
  const missing = [...used].filter((c) => map[c] === undefined).map((c) => other.classNames[c] ?? `class ${c}`);
  if (missing.length) throw new UsageError(`${what} has classes the training data lacks: ${missing.slice(0, 6).join(', ')} (training classes: ${classNames.slice(0, 6).join(', ')}${classNames.length > 6 ? ', ...' : ''})`);
  return { classNames: [...classNames], images: other.images.map((im) => ({ ...im, boxes: im.boxes.map((b) => ({ ...b, class: map[b.class]! })) })) };
}
