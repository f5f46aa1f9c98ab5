/**
 * `--data` for eval and anchors: a Pascal VOC folder, a COCO .json, an Ultralytics data.yaml, a box .csv,
 * a data set id on CNN_DATA_PATH (e.g. 'raccoon'), or `scenes[:N]` (N generated shape scenes, no files).
 * Reading is @cnn/yolo's; this file only picks the reader.
 */
import { stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { resolveData } from '@cnn/ops';
import { generateDataset, readCocoDataset, readCsvAnnotations, readUltralyticsDataset, readVocDataset, type DetectionDataset, type Scene } from '@cnn/yolo';
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
  if (!(await isDir(path)) && !(await isFile(path))) path = await resolveData(data, { offline: true }); // an id on CNN_DATA_PATH
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
