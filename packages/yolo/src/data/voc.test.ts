import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileNotFoundError } from '@cnn/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnnotationFormatError } from './errors.js';
import { parseVocAnnotation, readVocAnnotation, readVocDataset } from './voc.js';
import { parseXml } from './xml.js';

const voc = (objects: string, size = '<width>640</width><height>480</height><depth>3</depth>') => `<?xml version="1.0"?>
<annotation verified="yes">
  <folder>images</folder>
  <filename>cat 1.jpg</filename>
  <size>${size}</size>
  <!-- a comment with <object> inside -->
${objects}
</annotation>
`;
const obj = (name: string, box: number[], difficult = 0) =>
  `  <object><name>${name}</name><pose>Left</pose><truncated>1</truncated><difficult>${difficult}</difficult>
    <bndbox><xmin>${box[0]}</xmin><ymin>${box[1]}</ymin><xmax>${box[2]}</xmax><ymax>${box[3]}</ymax></bndbox>
  </object>`;

describe('parseXml', () => {
  it('reads elements, attributes, entities, CDATA and line numbers', () => {
    const root = parseXml('<?xml version="1.0"?>\n<a x="1" y=\'&lt;2&gt;\'>\n  <b>t &amp; &#65;&#x42;</b>\n  <c/><d><![CDATA[<raw>]]></d>\n</a>');
    expect(root.name).toBe('a');
    expect(root.attributes).toEqual({ x: '1', y: '<2>' });
    expect(root.children.map((c) => [c.name, c.text, c.line])).toEqual([['b', 't & AB', 3], ['c', '', 4], ['d', '<raw>', 4]]);
  });

  it('names file and line of malformed XML', () => {
    const cases: [string, number, RegExp][] = [
      ['<a>\n<b>\n</a>', 3, /<\/a> closes <b> \(opened on line 2\)/],
      ['<a>\n<b>x</b>', 2, /<a> \(line 1\) is never closed/],
      ['<a>\n x & y</a>', 2, /bare '&'/],
      ['<a></a>\n<b/>', 2, /second root/],
      ['', 1, /no XML element/],
      ['<a>\n<b x=1></b></a>', 2, /malformed attributes/],
    ];
    for (const [text, line, message] of cases) {
      let err: unknown;
      try {
        parseXml(text, 'f.xml');
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(AnnotationFormatError);
      expect((err as AnnotationFormatError).line, text).toBe(line);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message.startsWith(`f.xml:${line}: `)).toBe(true);
    }
  });
});

describe('parseVocAnnotation', () => {
  it('reads size and objects (boxes as written, difficult and truncated flags)', () => {
    const a = parseVocAnnotation(voc(obj('cat', [81, 88, 522, 408]) + '\n' + obj('dog', [1.5, 2, 3.5, 4], 1)));
    expect(a).toMatchObject({ filename: 'cat 1.jpg', folder: 'images', width: 640, height: 480, depth: 3 });
    expect(a.objects.map((o) => [o.name, o.box, o.difficult, o.truncated, o.pose])).toEqual([
      ['cat', [81, 88, 522, 408], false, true, 'Left'],
      ['dog', [1.5, 2, 3.5, 4], true, true, 'Left'],
    ]);
  });

  it('throws with file and line for bad content', () => {
    const expectError = (xml: string, line: number, message: RegExp) => {
      try {
        parseVocAnnotation(xml, 'a.xml');
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(AnnotationFormatError);
        expect((e as AnnotationFormatError).line).toBe(line);
        expect((e as AnnotationFormatError).file).toBe('a.xml');
        expect((e as Error).message).toMatch(message);
      }
    };
    expectError(voc(obj('cat', [10, 10, 5, 20])), 8, /xmax < xmin/);
    expectError(voc(obj('cat', [10, 10, 20, 20]), '<width>0</width><height>480</height>'), 5, /<width> is "0", expected a positive integer/);
    expectError(voc(obj('cat', [10, 10, 20, 20]), '<height>480</height>'), 5, /<size> has no <width>/);
    expectError(voc(obj('cat', ['x' as unknown as number, 10, 20, 20])), 8, /<xmin> is "x", expected a number/);
    expectError(voc(obj('cat', [1, 1, 2, 2]).replace('<difficult>0', '<difficult>2')), 7, /<difficult> is "2"/);
    expectError('<annotations></annotations>', 1, /expected <annotation>/);
  });
});

describe('readVocAnnotation / readVocDataset', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cnn-voc-'));
    await mkdir(join(dir, 'Annotations'));
    await mkdir(join(dir, 'JPEGImages'));
    await writeFile(join(dir, 'Annotations', 'img-10.xml'), voc(obj('dog', [1, 2, 3, 4])).replace('cat 1.jpg', 'img-10.jpg'));
    await writeFile(join(dir, 'Annotations', 'img-2.xml'), voc(obj('cat', [5, 6, 7, 8]) + obj('dog', [1, 1, 9, 9], 1)).replace('cat 1.jpg', 'img-2.jpg'));
    await writeFile(join(dir, 'Annotations', 'notes.txt'), 'not xml');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a folder in natural order with sorted class names, images from ../JPEGImages', async () => {
    const ds = await readVocDataset(join(dir, 'Annotations'));
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.images.map((i) => i.id)).toEqual(['img-2.jpg', 'img-10.jpg']);
    expect(ds.images[0]!.path).toBe(join(dir, 'JPEGImages', 'img-2.jpg'));
    expect(ds.images[0]!.boxes).toEqual([{ box: [5, 6, 7, 8], class: 0 }, { box: [1, 1, 9, 9], class: 1, difficult: true }]);
    expect(ds.images[1]).toMatchObject({ width: 640, height: 480, boxes: [{ box: [1, 2, 3, 4], class: 1 }] });
  });

  it('checks class names given by the caller', async () => {
    const ds = await readVocDataset(join(dir, 'Annotations'), { classNames: ['dog', 'cat'], imagesDir: '/imgs' });
    expect(ds.images[0]!.boxes.map((b) => b.class)).toEqual([1, 0]);
    expect(ds.images[0]!.path).toBe(join('/imgs', 'img-2.jpg'));
    await expect(readVocDataset(join(dir, 'Annotations'), { classNames: ['dog'] })).rejects.toThrow(/img-2\.xml:\d+: the class "cat" is not in options\.classNames/);
  });

  it('reports missing files and folders', async () => {
    await expect(readVocAnnotation(join(dir, 'nope.xml'))).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(readVocDataset(join(dir, 'nope'))).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(readVocAnnotation('')).rejects.toThrow(/'file'/);
  });
});
