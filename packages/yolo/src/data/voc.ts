/**
 * Pascal VOC annotation XML (also written by LabelImg and many labelling tools): one file per image with
 * <size> and one <object> per box, <bndbox> in pixels. Coordinates are kept as written (VOC's own files
 * count pixels from 1; no shift is applied, so boxes equal the CSV exports made from the same files).
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { AnnotationFormatError } from './errors.js';
import { readTextFile } from './text-lines.js';
import type { DatasetImage, DetectionDataset } from './types.js';
import { child, parseXml, type XmlElement } from './xml.js';

export interface VocObject {
  name: string;
  /** [xmin, ymin, xmax, ymax] as written. */
  box: [number, number, number, number];
  difficult: boolean;
  truncated: boolean;
  pose?: string;
  /** Line of the <object> element. */
  line: number;
}

export interface VocAnnotation {
  filename: string;
  folder?: string;
  width: number;
  height: number;
  depth?: number;
  objects: VocObject[];
}

/** Parses the text of one VOC XML file; `source` names it in errors. */
export function parseVocAnnotation(xml: string, source = '<voc xml>'): VocAnnotation {
  if (typeof xml !== 'string') throw new InvalidArgumentError('xml', 'the text of a Pascal VOC XML file', describeValue(xml));
  const root = parseXml(xml, source);
  const fail = (el: XmlElement, message: string): never => {
    throw new AnnotationFormatError(source, el.line, message);
  };
  if (root.name !== 'annotation') fail(root, `the root element is <${root.name}>, expected <annotation> (Pascal VOC)`);
  const need = (el: XmlElement, name: string): XmlElement => child(el, name) ?? fail(el, `<${el.name}> has no <${name}>`);
  const number = (el: XmlElement, name: string, opts: { positive?: boolean; integer?: boolean } = {}): number => {
    const c = need(el, name);
    const v = c.text === '' ? NaN : Number(c.text);
    if (!Number.isFinite(v) || (opts.positive && v <= 0) || (opts.integer && !Number.isInteger(v))) {
      fail(c, `<${name}> is ${JSON.stringify(c.text)}, expected ${opts.positive ? 'a positive ' : 'a '}${opts.integer ? 'integer' : 'number'}`);
    }
    return v;
  };
  const flag = (el: XmlElement, name: string): boolean => {
    const c = child(el, name);
    if (!c || c.text === '') return false;
    if (c.text !== '0' && c.text !== '1') fail(c, `<${name}> is ${JSON.stringify(c.text)}, expected 0 or 1`);
    return c.text === '1';
  };
  const filename = need(root, 'filename').text;
  if (!filename) fail(need(root, 'filename'), '<filename> is empty');
  const size = need(root, 'size');
  const width = number(size, 'width', { positive: true, integer: true });
  const height = number(size, 'height', { positive: true, integer: true });
  const depth = child(size, 'depth') ? number(size, 'depth', { positive: true, integer: true }) : undefined;
  const objects = root.children
    .filter((c) => c.name === 'object')
    .map((o): VocObject => {
      const name = need(o, 'name').text;
      if (!name) fail(need(o, 'name'), '<name> is empty');
      const bb = need(o, 'bndbox');
      const box: [number, number, number, number] = [number(bb, 'xmin'), number(bb, 'ymin'), number(bb, 'xmax'), number(bb, 'ymax')];
      if (box[2] < box[0] || box[3] < box[1]) fail(bb, `the box [${box.join(', ')}] has xmax < xmin or ymax < ymin`);
      const pose = child(o, 'pose')?.text;
      return { name, box, difficult: flag(o, 'difficult'), truncated: flag(o, 'truncated'), ...(pose ? { pose } : {}), line: o.line };
    });
  const folder = child(root, 'folder')?.text;
  return { filename, ...(folder ? { folder } : {}), width, height, ...(depth !== undefined ? { depth } : {}), objects };
}

/** Reads one Pascal VOC XML file (Node). */
export async function readVocAnnotation(file: string): Promise<VocAnnotation> {
  if (typeof file !== 'string' || file.length === 0) throw new InvalidArgumentError('file', 'a path to a .xml file', describeValue(file));
  return parseVocAnnotation(await readTextFile(file, 'annotation file'), file);
}

export interface ReadVocDatasetOptions {
  /** Folder of the images (default: `../JPEGImages` next to the annotations folder if it exists, else `../images`). */
  imagesDir?: string;
  /** Class names in index order; a name not listed is an error. Default: every name found, sorted. */
  classNames?: readonly string[];
  /** Only these annotation files (names without folder, e.g. from VOC's ImageSets/Main/train.txt + '.xml'). */
  files?: readonly string[];
}

/** Natural order: raccoon-2 before raccoon-10. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Reads every .xml file in `annotationsDir` into a DetectionDataset (Node). */
export async function readVocDataset(annotationsDir: string, options: ReadVocDatasetOptions = {}): Promise<DetectionDataset> {
  if (typeof annotationsDir !== 'string' || annotationsDir.length === 0) throw new InvalidArgumentError('annotationsDir', 'a folder of VOC .xml files', describeValue(annotationsDir));
  const { readdir, stat } = await import('node:fs/promises');
  const { join, resolve } = await import('node:path');
  const { FileNotFoundError } = await import('@cnn/ops');
  let files: string[];
  try {
    files = options.files ? [...options.files] : (await readdir(annotationsDir)).filter((f) => f.toLowerCase().endsWith('.xml')).sort(naturalCompare);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FileNotFoundError(annotationsDir, 'annotations folder');
    throw err;
  }
  let imagesDir = options.imagesDir;
  if (imagesDir === undefined) {
    const jpeg = resolve(annotationsDir, '..', 'JPEGImages');
    imagesDir = (await stat(jpeg).then((s) => s.isDirectory()).catch(() => false)) ? jpeg : resolve(annotationsDir, '..', 'images');
  }
  const annotations = await Promise.all(files.map(async (f) => ({ file: join(annotationsDir, f), ann: await readVocAnnotation(join(annotationsDir, f)) })));
  const classNames = options.classNames ? [...options.classNames] : [...new Set(annotations.flatMap((a) => a.ann.objects.map((o) => o.name)))].sort();
  const index = new Map(classNames.map((n, i) => [n, i]));
  const images: DatasetImage[] = annotations.map(({ file, ann }) => ({
    id: ann.filename,
    path: join(imagesDir!, ann.filename),
    width: ann.width,
    height: ann.height,
    boxes: ann.objects.map((o) => {
      const cls = index.get(o.name);
      if (cls === undefined) throw new AnnotationFormatError(file, o.line, `the class "${o.name}" is not in options.classNames (${classNames.join(', ')})`);
      return { box: [...o.box], class: cls, ...(o.difficult ? { difficult: true } : {}) };
    }),
  }));
  return { classNames, images };
}
