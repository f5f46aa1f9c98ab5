/**
 * Box annotations as CSV, one row per box: `filename,width,height,class,xmin,ymin,xmax,ymax` (the layout of
 * the TensorFlow Object Detection API's xml_to_csv, used by the raccoon data set). Columns are found by
 * header name, in any order; quoted fields (RFC 4180) are read.
 */
import { InvalidArgumentError, describeValue } from '@cnn/ops';
import { AnnotationFormatError } from './errors.js';
import { readTextFile } from './text-lines.js';
import type { DatasetImage, DetectionDataset } from './types.js';

export const CSV_COLUMNS = ['filename', 'width', 'height', 'class', 'xmin', 'ymin', 'xmax', 'ymax'] as const;

/** Splits CSV text into rows of fields with their 1-based line numbers. */
export function parseCsv(text: string, source = '<csv>'): { line: number; fields: string[] }[] {
  const rows: { line: number; fields: string[] }[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) throw new AnnotationFormatError(source, start, 'a quoted field is never closed');
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') throw new AnnotationFormatError(source, line, 'text after a closing quote');
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      }
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    if (!(fields.length === 1 && fields[0]!.trim() === '')) rows.push({ line: start, fields });
  }
  return rows;
}

export interface CsvAnnotationsOptions {
  /** Folder of the images; `path` = imagesDir/filename (default: the file name alone). */
  imagesDir?: string;
  /** Class names in index order; a name not listed is an error. Default: every name found, sorted. */
  classNames?: readonly string[];
}

/** Parses box CSV text into a DetectionDataset; images keep the order of their first row. */
export function parseCsvAnnotations(text: string, options: CsvAnnotationsOptions & { source?: string } = {}): DetectionDataset {
  if (typeof text !== 'string') throw new InvalidArgumentError('text', 'CSV text', describeValue(text));
  const source = options.source ?? '<csv>';
  const [header, ...rows] = parseCsv(text, source);
  if (!header) throw new AnnotationFormatError(source, 1, `the file is empty; expected a header ${CSV_COLUMNS.join(',')}`);
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const col = Object.fromEntries(
    CSV_COLUMNS.map((c) => {
      const k = names.indexOf(c);
      if (k < 0) throw new AnnotationFormatError(source, header.line, `the header has no column "${c}" (found: ${names.join(',')}; needed: ${CSV_COLUMNS.join(',')})`);
      return [c, k];
    }),
  ) as Record<(typeof CSV_COLUMNS)[number], number>;
  const found: string[] = [];
  const parsed = rows.map(({ line, fields }) => {
    if (fields.length !== names.length) throw new AnnotationFormatError(source, line, `${fields.length} fields, the header has ${names.length}`);
    const get = (c: (typeof CSV_COLUMNS)[number]) => fields[col[c]]!.trim();
    const num = (c: (typeof CSV_COLUMNS)[number], positiveInt = false) => {
      const s = get(c);
      const v = s === '' ? NaN : Number(s);
      if (!Number.isFinite(v) || (positiveInt && (!Number.isInteger(v) || v <= 0))) {
        throw new AnnotationFormatError(source, line, `${c} is ${JSON.stringify(s)}, expected ${positiveInt ? 'a positive integer' : 'a number'}`);
      }
      return v;
    };
    const filename = get('filename');
    if (!filename) throw new AnnotationFormatError(source, line, 'filename is empty');
    const cls = get('class');
    if (!cls) throw new AnnotationFormatError(source, line, 'class is empty');
    const box: [number, number, number, number] = [num('xmin'), num('ymin'), num('xmax'), num('ymax')];
    if (box[2] < box[0] || box[3] < box[1]) throw new AnnotationFormatError(source, line, `the box [${box.join(', ')}] has xmax < xmin or ymax < ymin`);
    if (!found.includes(cls)) found.push(cls);
    return { line, filename, width: num('width', true), height: num('height', true), cls, box };
  });
  const classNames = options.classNames ? [...options.classNames] : found.sort();
  const index = new Map(classNames.map((c, i) => [c, i]));
  const images = new Map<string, DatasetImage>();
  for (const r of parsed) {
    const cls = index.get(r.cls);
    if (cls === undefined) throw new AnnotationFormatError(source, r.line, `the class "${r.cls}" is not in options.classNames (${classNames.join(', ')})`);
    let img = images.get(r.filename);
    if (!img) {
      const path = options.imagesDir !== undefined ? `${options.imagesDir.replace(/[\\/]+$/, '')}/${r.filename}` : r.filename;
      img = { id: r.filename, path, width: r.width, height: r.height, boxes: [] };
      images.set(r.filename, img);
    } else if (img.width !== r.width || img.height !== r.height) {
      throw new AnnotationFormatError(source, r.line, `${r.filename} is ${r.width}x${r.height} here but ${img.width}x${img.height} on an earlier row`);
    }
    img.boxes.push({ box: r.box, class: cls });
  }
  return { classNames, images: [...images.values()] };
}

/** Reads a box CSV file (Node). */
export async function readCsvAnnotations(file: string, options: CsvAnnotationsOptions = {}): Promise<DetectionDataset> {
  if (typeof file !== 'string' || file.length === 0) throw new InvalidArgumentError('file', 'a path to a .csv file', describeValue(file));
  return parseCsvAnnotations(await readTextFile(file, 'CSV file'), { ...options, source: file });
}

/**
 * The raccoon data set's published split (datitran/raccoon_dataset): `data/train_labels.csv` (160 images,
 * 173 boxes) and `data/test_labels.csv` (40 images, 44 boxes), images in `images/`. `root` is the data
 * set's folder, e.g. `await resolveData('raccoon')`.
 */
export async function readRaccoonSplits(root: string): Promise<{ train: DetectionDataset; test: DetectionDataset }> {
  if (typeof root !== 'string' || root.length === 0) throw new InvalidArgumentError('root', "the raccoon data set's folder", describeValue(root));
  const { join } = await import('node:path');
  const opts = { imagesDir: join(root, 'images'), classNames: ['raccoon'] };
  const [train, test] = await Promise.all([
    readCsvAnnotations(join(root, 'data', 'train_labels.csv'), opts),
    readCsvAnnotations(join(root, 'data', 'test_labels.csv'), opts),
  ]);
  return { train, test };
}
