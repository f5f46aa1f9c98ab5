/**
 * Ultralytics YOLO data sets: a `data.yaml` naming the splits and classes, images in `.../images/...` and
 * one `.../labels/....txt` per image with lines `class cx cy w h`, normalized to [0, 1] by the image size
 * (or `class x1 y1 x2 y2 ...`, a polygon, whose enclosing box is taken, as Ultralytics does).
 */
import { InvalidArgumentError, assertOneOf, describeValue } from '@cnn/ops';
import { AnnotationFormatError } from './errors.js';
import { readImageSize } from './image-size.js';
import { naturalCompare } from './voc.js';
import { parseSimpleYaml, type YamlValue } from './simple-yaml.js';
import { readTextFile } from './text-lines.js';
import type { DatasetBox, DatasetImage, DetectionDataset } from './types.js';

export interface UltralyticsDataConfig {
  /** Data set root as written (`path:`), if any. */
  path?: string;
  /** Each split: folders, image-list .txt files or images, as written (relative to the root). */
  train?: string[];
  val?: string[];
  test?: string[];
  /** Class names, index order. */
  names: string[];
  nc: number;
}

/** Image extensions Ultralytics reads (IMG_FORMATS). */
export const IMAGE_EXTENSIONS: readonly string[] = ['bmp', 'dng', 'jpeg', 'jpg', 'mpo', 'png', 'tif', 'tiff', 'webp', 'pfm', 'heic'];

/** Parses the text of an Ultralytics data.yaml (the keys path, train, val, test, names, nc). */
export function parseDataYaml(text: string, source = '<data.yaml>'): UltralyticsDataConfig {
  if (typeof text !== 'string') throw new InvalidArgumentError('text', 'the text of a data.yaml file', describeValue(text));
  const doc = parseSimpleYaml(text, source);
  const fail = (key: string, message: string): never => {
    throw new AnnotationFormatError(source, doc.get(key)?.line, `${key}: ${message}`);
  };
  const entry = (key: string) => {
    const e = doc.get(key);
    if (e?.error) throw e.error;
    if (e?.raw) fail(key, 'expected a value or a list of values, found a nested block');
    return e?.value;
  };
  const paths = (key: string): string[] | undefined => {
    const v = entry(key);
    if (v === undefined || v === null) return undefined;
    const list = Array.isArray(v) ? v : [v];
    return list.map((p) => (typeof p === 'string' && p !== '' ? p : fail(key, `expected a path or a list of paths, found ${JSON.stringify(p)}`)));
  };
  const path = entry('path');
  if (path !== undefined && path !== null && typeof path !== 'string') fail('path', `expected a folder, found ${JSON.stringify(path)}`);
  const ncValue = entry('nc');
  if (ncValue !== undefined && ncValue !== null && !(typeof ncValue === 'number' && Number.isInteger(ncValue) && ncValue >= 1)) {
    fail('nc', `expected an integer >= 1, found ${JSON.stringify(ncValue)}`);
  }
  const toName = (v: YamlValue, where: string): string =>
    typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : fail('names', `${where} is ${JSON.stringify(v)}, expected a class name`);
  const namesValue = entry('names');
  let names: string[];
  if (namesValue === undefined || namesValue === null) {
    if (typeof ncValue !== 'number') throw new AnnotationFormatError(source, undefined, 'neither "names" nor "nc" is given: the classes are unknown');
    names = Array.from({ length: ncValue }, (_, i) => `class${i}`);
  } else if (Array.isArray(namesValue)) {
    names = namesValue.map((v, i) => toName(v, `item ${i}`));
  } else if (typeof namesValue === 'object') {
    const keys = Object.keys(namesValue);
    names = keys.map((_, i) => {
      if (!(String(i) in namesValue)) fail('names', `the keys must be 0 .. ${keys.length - 1}, found ${keys.join(', ')}`);
      return toName(namesValue[String(i)]!, `key ${i}`);
    });
  } else {
    return fail('names', `expected a list or a map {0: name, ...}, found ${JSON.stringify(namesValue)}`);
  }
  if (names.length === 0) fail('names', 'is empty');
  if (typeof ncValue === 'number' && ncValue !== names.length) fail('nc', `is ${ncValue} but names has ${names.length} entries`);
  const out: UltralyticsDataConfig = { names, nc: names.length };
  if (typeof path === 'string') out.path = path;
  for (const split of ['train', 'val', 'test'] as const) {
    const p = paths(split);
    if (p) out[split] = p;
  }
  return out;
}

/** Ultralytics' img2label_paths: the last `/images/` becomes `/labels/`, the extension `.txt`. */
export function labelPathForImage(imagePath: string): string {
  const sep = imagePath.includes('\\') && !imagePath.includes('/') ? '\\' : '/';
  const sa = `${sep}images${sep}`;
  const k = imagePath.lastIndexOf(sa);
  const swapped = k < 0 ? imagePath : `${imagePath.slice(0, k)}${sep}labels${sep}${imagePath.slice(k + sa.length)}`;
  const dot = swapped.lastIndexOf('.');
  return `${dot > swapped.lastIndexOf(sep) ? swapped.slice(0, dot) : swapped}.txt`;
}

/**
 * Parses a YOLO label file's text into pixel xyxy boxes for an image of the given size. Empty text is an
 * image without objects.
 */
export function parseYoloLabels(text: string, options: { width: number; height: number; numClasses: number; source?: string }): DatasetBox[] {
  const { width, height, numClasses, source = '<labels>' } = options;
  if (typeof text !== 'string') throw new InvalidArgumentError('text', 'the text of a YOLO label file', describeValue(text));
  for (const [k, v] of [['options.width', width], ['options.height', height], ['options.numClasses', numClasses]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(k, 'an integer >= 1', describeValue(v));
  }
  const boxes: DatasetBox[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const fail = (message: string): never => {
      throw new AnnotationFormatError(source, i + 1, message);
    };
    const fields = line.split(/\s+/);
    const values = fields.map(Number);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`field ${bad + 1} is ${JSON.stringify(fields[bad])}, expected a number`);
    const cls = values[0]!;
    if (!Number.isInteger(cls) || cls < 0 || cls >= numClasses) fail(`the class ${fields[0]} is not an integer in [0, ${numClasses - 1}]`);
    const coords = values.slice(1);
    const outside = coords.findIndex((v) => v < 0 || v > 1 + 1e-6);
    if (outside >= 0) fail(`coordinate ${outside + 1} is ${fields[outside + 1]}: YOLO labels are normalized to [0, 1] by the image size`);
    let box: [number, number, number, number];
    if (coords.length === 4) {
      const [cx, cy, w, h] = coords as [number, number, number, number];
      box = [(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height];
    } else if (coords.length >= 6 && coords.length % 2 === 0) {
      const xs = coords.filter((_, k) => k % 2 === 0);
      const ys = coords.filter((_, k) => k % 2 === 1);
      box = [Math.min(...xs) * width, Math.min(...ys) * height, Math.max(...xs) * width, Math.max(...ys) * height];
    } else {
      return fail(`${fields.length} fields: expected "class cx cy w h" (5) or a polygon "class x1 y1 x2 y2 x3 y3 ..." (odd, >= 7)`);
    }
    boxes.push({ box, class: cls });
  });
  return boxes;
}

export interface ReadUltralyticsOptions {
  /** Which split (default 'train'). */
  split?: 'train' | 'val' | 'test';
}

/**
 * Reads one split of an Ultralytics data set (Node). The root is `path:` resolved against the YAML file's
 * folder (or that folder when absent); split entries are resolved against the root. An entry is a folder
 * (its images, recursively), a .txt list of images (relative lines resolved against the list's folder) or
 * an image. An image without a label file has no objects.
 */
export async function readUltralyticsDataset(yamlFile: string, options: ReadUltralyticsOptions = {}): Promise<DetectionDataset> {
  if (typeof yamlFile !== 'string' || yamlFile.length === 0) throw new InvalidArgumentError('yamlFile', 'a path to a data.yaml file', describeValue(yamlFile));
  const split = options.split ?? 'train';
  assertOneOf(split, 'options.split', ['train', 'val', 'test'] as const);
  const { readdir, stat } = await import('node:fs/promises');
  const { dirname, extname, isAbsolute, join, relative, resolve } = await import('node:path');
  const { FileNotFoundError } = await import('@cnn/ops');
  const config = parseDataYaml(await readTextFile(yamlFile, 'data.yaml'), yamlFile);
  const root = config.path === undefined ? dirname(resolve(yamlFile)) : resolve(dirname(resolve(yamlFile)), config.path);
  const entries = config[split];
  if (!entries) throw new AnnotationFormatError(yamlFile, undefined, `no "${split}" split is given`);
  const isImage = (f: string) => IMAGE_EXTENSIONS.includes(extname(f).slice(1).toLowerCase());
  const walk = async (dir: string): Promise<string[]> => {
    const out: string[] = [];
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => naturalCompare(a.name, b.name))) {
      if (e.isDirectory()) out.push(...(await walk(join(dir, e.name))));
      else if (isImage(e.name)) out.push(join(dir, e.name));
    }
    return out;
  };
  const imagePaths: string[] = [];
  for (const entry of entries) {
    const full = isAbsolute(entry) ? entry : resolve(root, entry);
    const s = await stat(full).catch(() => undefined);
    if (!s) throw new FileNotFoundError(full, `"${split}" entry`, `(from ${yamlFile}; relative entries are resolved against ${root})`);
    if (s.isDirectory()) imagePaths.push(...(await walk(full)));
    else if (extname(full).toLowerCase() === '.txt') {
      const lines = (await readTextFile(full, 'image list')).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      imagePaths.push(...lines.map((l) => (isAbsolute(l) ? l : resolve(dirname(full), l))).filter(isImage));
    } else if (isImage(full)) imagePaths.push(full);
    else throw new AnnotationFormatError(yamlFile, undefined, `${split}: ${full} is neither a folder, a .txt image list nor an image`);
  }
  const images: DatasetImage[] = [];
  for (const path of imagePaths) {
    const size = await readImageSize(path).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FileNotFoundError(path, 'image');
      throw err;
    });
    if (!size || size.width < 1 || size.height < 1) throw new AnnotationFormatError(path, undefined, 'cannot read the image size from its header (PNG, JPEG, BMP, GIF and WebP are read)');
    const labelFile = labelPathForImage(path);
    const text = await readTextFile(labelFile).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'FILE_NOT_FOUND') return '';
      throw err;
    });
    const boxes = parseYoloLabels(text, { ...size, numClasses: config.nc, source: labelFile });
    images.push({ id: relative(root, path) || path, path, width: size.width, height: size.height, boxes });
  }
  return { classNames: config.names, images };
}
