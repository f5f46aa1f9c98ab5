/**
 * COCO detection JSON (instances_*.json): `images` [{ id, file_name, width, height }], `annotations`
 * [{ image_id, category_id, bbox: [x, y, w, h] pixels, iscrowd? }], `categories` [{ id, name }]. Category
 * ids (COCO's run 1..90 with gaps) become contiguous class indices in ascending id order;
 * `categoryIds[class]` maps back (needed to write results in COCO's format).
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { AnnotationFormatError } from './errors.js';
import { lineIndex, readTextFile } from './text-lines.js';
import type { DatasetImage, DetectionDataset } from './types.js';

export interface CocoDataset extends DetectionDataset {
  /** The COCO category id of each class index. */
  categoryIds: number[];
}

export interface CocoOptions {
  /** Folder of the images; `path` = imagesDir/file_name (default: file_name alone). */
  imagesDir?: string;
}

/** Parses COCO JSON (text or an already parsed object) into a DetectionDataset; `source` names it in errors. */
export function parseCocoJson(json: string | object, options: CocoOptions & { source?: string } = {}): CocoDataset {
  const source = options.source ?? '<coco json>';
  let data: unknown = json;
  if (typeof json === 'string') {
    try {
      data = JSON.parse(json);
    } catch (err) {
      const pos = /position (\d+)/.exec((err as Error).message);
      const line = pos ? lineIndex(json)(Number(pos[1])) : undefined;
      throw new AnnotationFormatError(source, line, `not valid JSON (${(err as Error).message})`, { cause: err });
    }
  } else if (json === null || typeof json !== 'object') {
    throw new InvalidArgumentError('json', 'COCO JSON text or object', describeValue(json));
  }
  const fail = (where: string, message: string): never => {
    throw new AnnotationFormatError(source, undefined, `${where}: ${message}`);
  };
  if (data === null || typeof data !== 'object' || Array.isArray(data)) fail('top level', 'expected an object { images, annotations, categories }');
  const d = data as Record<string, unknown>;
  const list = (key: string): Record<string, unknown>[] => {
    const v = d[key];
    if (!Array.isArray(v)) return fail(key, `expected an array, found ${describeValue(v)}`);
    v.forEach((e: unknown, i) => {
      if (e === null || typeof e !== 'object' || Array.isArray(e)) fail(`${key}[${i}]`, `expected an object, found ${describeValue(e)}`);
    });
    return v as Record<string, unknown>[];
  };
  const int = (o: Record<string, unknown>, key: string, where: string, min = -Infinity): number => {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(`${where}.${key}`, `expected an integer${min > -Infinity ? ` >= ${min}` : ''}, found ${describeValue(v)}`);
    return v as number;
  };
  const str = (o: Record<string, unknown>, key: string, where: string): string => {
    const v = o[key];
    if (typeof v !== 'string' || v === '') fail(`${where}.${key}`, `expected a non-empty string, found ${describeValue(v)}`);
    return v as string;
  };

  const categories = list('categories').map((c, i) => ({ id: int(c, 'id', `categories[${i}]`), name: str(c, 'name', `categories[${i}]`), i }));
  categories.sort((a, b) => a.id - b.id);
  categories.forEach((c, k) => {
    if (k > 0 && categories[k - 1]!.id === c.id) fail(`categories[${c.i}].id`, `the id ${c.id} appears twice`);
  });
  const classOf = new Map(categories.map((c, k) => [c.id, k]));
  const images: DatasetImage[] = [];
  const imageOf = new Map<number | string, DatasetImage>();
  list('images').forEach((im, i) => {
    const where = `images[${i}]`;
    const id = im['id'];
    if (!((typeof id === 'number' && Number.isInteger(id)) || (typeof id === 'string' && id !== ''))) fail(`${where}.id`, `expected an integer or a string, found ${describeValue(id)}`);
    if (imageOf.has(id as number)) fail(`${where}.id`, `the id ${String(id)} appears twice`);
    const file = str(im, 'file_name', where);
    const img: DatasetImage = {
      id: String(id),
      path: options.imagesDir !== undefined ? `${options.imagesDir.replace(/[\\/]+$/, '')}/${file}` : file,
      width: int(im, 'width', where, 1),
      height: int(im, 'height', where, 1),
      boxes: [],
    };
    imageOf.set(id as number, img);
    images.push(img);
  });
  list('annotations').forEach((a, i) => {
    const where = `annotations[${i}]`;
    const img = imageOf.get(a['image_id'] as number);
    if (!img) fail(`${where}.image_id`, `${describeValue(a['image_id'])} is not the id of any entry in images`);
    const cls = classOf.get(a['category_id'] as number);
    if (cls === undefined) fail(`${where}.category_id`, `${describeValue(a['category_id'])} is not the id of any entry in categories`);
    const bbox = a['bbox'];
    if (!Array.isArray(bbox) || bbox.length !== 4 || bbox.some((v: unknown) => typeof v !== 'number' || !Number.isFinite(v))) {
      fail(`${where}.bbox`, `expected [x, y, width, height], 4 numbers, found ${describeValue(bbox)}`);
    }
    const [x, y, w, h] = bbox as [number, number, number, number];
    if (w < 0 || h < 0) fail(`${where}.bbox`, `negative width or height in [${x}, ${y}, ${w}, ${h}]`);
    const crowd = a['iscrowd'];
    if (crowd !== undefined && crowd !== 0 && crowd !== 1 && typeof crowd !== 'boolean') fail(`${where}.iscrowd`, `expected 0 or 1, found ${describeValue(crowd)}`);
    img!.boxes.push({ box: [x, y, x + w, y + h], class: cls!, ...(crowd === 1 || crowd === true ? { crowd: true } : {}) });
  });
  return { classNames: categories.map((c) => c.name), categoryIds: categories.map((c) => c.id), images };
}

/** Reads a COCO detection JSON file (Node). */
export async function readCocoDataset(file: string, options: CocoOptions = {}): Promise<CocoDataset> {
  if (typeof file !== 'string' || file.length === 0) throw new InvalidArgumentError('file', 'a path to a COCO .json file', describeValue(file));
  return parseCocoJson(await readTextFile(file, 'COCO annotation file'), { ...options, source: file });
}
