import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { FileNotFoundError, encodeImage, ready } from '@cnn/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnnotationFormatError } from './errors.js';
import { imageSizeFromHeader, readImageSize } from './image-size.js';
import { parseSimpleYaml } from './simple-yaml.js';
import { labelPathForImage, parseDataYaml, parseYoloLabels, readUltralyticsDataset } from './ultralytics.js';

describe('parseSimpleYaml / parseDataYaml', () => {
  it('reads the coco8.yaml layout (names as a block map, a download script to skip)', () => {
    const text = [
      '# Ultralytics COCO8',
      'path: ../datasets/coco8 # dataset root dir',
      'train: images/train # train images (relative to path)',
      "val: 'images/val'",
      'test: # test images (optional)',
      '',
      '# Classes',
      'names:',
      '  0: person',
      '  1: bicycle',
      "  2: 'traffic light'",
      '',
      '# Download script/URL (optional)',
      'download: |',
      '  from ultralytics.utils.downloads import download',
      '  download(["https://x/coco8.zip"], dir=Path(yaml["path"]).parent)',
    ].join('\n');
    const doc = parseSimpleYaml(text);
    expect(doc.get('download')).toMatchObject({ raw: true, line: 14 });
    expect(doc.get('test')).toEqual({ value: null, line: 5 });
    expect(parseDataYaml(text)).toEqual({ path: '../datasets/coco8', train: ['images/train'], val: ['images/val'], names: ['person', 'bicycle', 'traffic light'], nc: 3 });
  });

  it('reads names as a block list, a flow list over lines, a flow map; nc alone; train as a list', () => {
    expect(parseDataYaml('nc: 2\nnames:\n  - cat\n  - "dog #1"\n').names).toEqual(['cat', 'dog #1']);
    expect(parseDataYaml("names: ['sun', 'moon',\n  'star']\ntrain: [a.txt, b]\n")).toMatchObject({ names: ['sun', 'moon', 'star'], train: ['a.txt', 'b'] });
    expect(parseDataYaml('names: {0: a, 1: b}\n').names).toEqual(['a', 'b']);
    expect(parseDataYaml('names:\n- x\n- y\n').names).toEqual(['x', 'y']);
    expect(parseDataYaml('nc: 3\n').names).toEqual(['class0', 'class1', 'class2']);
    // Keys not read may hold anything this subset cannot parse.
    expect(parseDataYaml('names: [a]\nroboflow: workspace: x\nextra:\n  deep:\n    - 1\n').names).toEqual(['a']);
  });

  it('throws with file and line for what it cannot read', () => {
    const cases: [string, number | undefined, RegExp][] = [
      ['names: [a, b]\nnc: 3\n', 2, /nc: is 3 but names has 2/],
      ['names:\n  0: a\n  2: b\n', 1, /keys must be 0 \.\. 1/],
      ['names: [a, b\ntrain: x\n', 1, /unclosed \[/],
      ['names: [a]\ntrain: x\n  - y\n', 3, /own line and an indented block/],
      ['names: [a]\nnames: [b]\n', 2, /appears twice \(first on line 1\)/],
      ['  names: [a]\n', 1, /unexpected indentation/],
      ['just text\n', 1, /expected "key: value"/],
      ['nc: two\n', 1, /nc: expected an integer/],
      ['train: images\n', undefined, /neither "names" nor "nc"/],
      ['names:\n  - a\n  - b: [c\n', 3, /not a plain value.*quote it/],
    ];
    for (const [text, line, message] of cases) {
      try {
        parseDataYaml(text, 'data.yaml');
        expect.unreachable(text);
      } catch (e) {
        expect(e, text).toBeInstanceOf(AnnotationFormatError);
        expect((e as AnnotationFormatError).line, text).toBe(line);
        expect((e as Error).message, text).toMatch(message);
      }
    }
  });
});

describe('YOLO label files', () => {
  it('converts normalized cxcywh to pixel xyxy, and polygons to their box', () => {
    // 200 x 100 image: cx 0.5 -> 100 px, w 0.25 -> 50 px: x 75..125; cy 0.5 -> 50, h 0.4 -> 40: y 30..70.
    const boxes = parseYoloLabels('0 0.5 0.5 0.25 0.4\n\n2 0.1 0.2 0.3 0.2 0.2 0.6\n', { width: 200, height: 100, numClasses: 3 });
    expect(boxes).toEqual([
      { box: [75, 30, 125, 70], class: 0 },
      { box: [20, 20, 60, 60], class: 2 },
    ]);
    expect(parseYoloLabels('', { width: 1, height: 1, numClasses: 1 })).toEqual([]);
  });

  it('rejects bad lines with file and line', () => {
    const opts = { width: 10, height: 10, numClasses: 2, source: 'l.txt' };
    expect(() => parseYoloLabels('0 0.5 0.5 0.1 0.1\n2 0.5 0.5 0.1 0.1', opts)).toThrow(/l\.txt:2: the class 2 is not an integer in \[0, 1\]/);
    expect(() => parseYoloLabels('0 50 50 10 10', opts)).toThrow(/l\.txt:1: coordinate 1 is 50: YOLO labels are normalized/);
    expect(() => parseYoloLabels('0 0.5 0.5 0.1', opts)).toThrow(/4 fields/);
    expect(() => parseYoloLabels('0 0.5 x 0.1 0.1', opts)).toThrow(/field 3 is "x"/);
    expect(() => parseYoloLabels('1.5 0.5 0.5 0.1 0.1', opts)).toThrow(/class 1\.5/);
  });

  it('maps image paths to label paths as Ultralytics', () => {
    expect(labelPathForImage('/d/images/train/a.b.jpg')).toBe('/d/labels/train/a.b.txt');
    expect(labelPathForImage('/images/x/images/y.png')).toBe('/images/x/labels/y.txt');
    expect(labelPathForImage('/d/pics/y.png')).toBe('/d/pics/y.txt');
  });
});

describe('image sizes from headers', () => {
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
  });

  it('reads PNG, JPEG and BMP written by @cnn/ops, and GIF/WebP headers', () => {
    const img = tf.zeros([37, 53, 3], 'int32') as tf.Tensor3D;
    for (const format of ['png', 'jpeg', 'bmp'] as const) expect(imageSizeFromHeader(encodeImage(img, { format })), format).toEqual({ width: 53, height: 37 });
    img.dispose();
    const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x2c, 0x01, 0x0a, 0x00]);
    expect(imageSizeFromHeader(gif)).toEqual({ width: 300, height: 10 });
    // WebP VP8X: canvas width-1 and height-1 as 24-bit little-endian at bytes 24 and 27.
    const webp = new Uint8Array(30);
    webp.set([...'RIFF'].map((c) => c.charCodeAt(0)), 0);
    webp.set([...'WEBPVP8X'].map((c) => c.charCodeAt(0)), 8);
    webp.set([0x1f, 0x03, 0x00, 0x63, 0x00, 0x00], 24); // 799 + 1, 99 + 1
    expect(imageSizeFromHeader(webp)).toEqual({ width: 800, height: 100 });
    expect(imageSizeFromHeader(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });
});

describe('readUltralyticsDataset', () => {
  let dir: string;
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
    dir = await mkdtemp(join(tmpdir(), 'cnn-yolo-'));
    const png = (h: number, w: number) => {
      const t = tf.zeros([h, w, 3], 'int32') as tf.Tensor3D;
      const bytes = encodeImage(t);
      t.dispose();
      return bytes;
    };
    for (const d of ['ds/images/train/sub', 'ds/labels/train/sub', 'ds/images/val', 'ds/labels/val', 'cfg']) await mkdir(join(dir, d), { recursive: true });
    await writeFile(join(dir, 'ds/images/train/a.png'), png(20, 40));
    await writeFile(join(dir, 'ds/labels/train/a.txt'), '1 0.5 0.5 0.5 0.5\n0 0.25 0.25 0.5 0.5\n');
    await writeFile(join(dir, 'ds/images/train/sub/b.png'), png(10, 10)); // no label file: background
    await writeFile(join(dir, 'ds/images/train/notes.md'), 'not an image');
    await writeFile(join(dir, 'ds/images/val/c.png'), png(8, 16));
    await writeFile(join(dir, 'ds/labels/val/c.txt'), '0 0.5 0.5 1 1\n');
    await writeFile(join(dir, 'ds/val.txt'), './images/val/c.png\n');
    await writeFile(join(dir, 'cfg/data.yaml'), 'path: ../ds\ntrain: images/train\nval: val.txt\ntest: missing\nnames: [cat, dog]\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a folder split (recursively) and a .txt list split', async () => {
    const train = await readUltralyticsDataset(join(dir, 'cfg/data.yaml'));
    expect(train.classNames).toEqual(['cat', 'dog']);
    expect(train.images.map((i) => [i.id, i.width, i.height])).toEqual([[join('images/train/a.png'), 40, 20], [join('images/train/sub/b.png'), 10, 10]]);
    expect(train.images[0]!.boxes).toEqual([{ box: [10, 5, 30, 15], class: 1 }, { box: [0, 0, 20, 10], class: 0 }]);
    expect(train.images[1]!.boxes).toEqual([]);
    const val = await readUltralyticsDataset(join(dir, 'cfg/data.yaml'), { split: 'val' });
    expect(val.images).toEqual([{ id: join('images/val/c.png'), path: join(dir, 'ds/images/val/c.png'), width: 16, height: 8, boxes: [{ box: [0, 0, 16, 8], class: 0 }] }]);
    await expect(readUltralyticsDataset(join(dir, 'cfg/data.yaml'), { split: 'test' })).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(readUltralyticsDataset(join(dir, 'cfg/data.yaml'), { split: 'dev' as 'val' })).rejects.toThrow(/options\.split/);
  });

  it('reports a bad label file by path and line', async () => {
    await writeFile(join(dir, 'ds/labels/val/c.txt'), '0 0.5 0.5 1 1\n5 0.5 0.5 1 1\n');
    await expect(readUltralyticsDataset(join(dir, 'cfg/data.yaml'), { split: 'val' })).rejects.toThrow(/labels[\\/]val[\\/]c\.txt:2: the class 5/);
    await writeFile(join(dir, 'ds/labels/val/c.txt'), '0 0.5 0.5 1 1\n');
  });

  it('reads sizes from files', async () => {
    expect(await readImageSize(join(dir, 'ds/images/val/c.png'))).toEqual({ width: 16, height: 8 });
  });
});
