import { describe, expect, it } from 'vitest';
import { parseCsv, parseCsvAnnotations } from './csv.js';
import { AnnotationFormatError } from './errors.js';

const header = 'filename,width,height,class,xmin,ymin,xmax,ymax\n';

describe('parseCsv', () => {
  it('reads quoted fields, doubled quotes, CRLF and newlines in quotes, with line numbers', () => {
    expect(parseCsv('a,"b ""c""",d\r\n"x\ny",2\n\n3\n')).toEqual([
      { line: 1, fields: ['a', 'b "c"', 'd'] },
      { line: 2, fields: ['x\ny', '2'] },
      { line: 5, fields: ['3'] },
    ]);
    expect(() => parseCsv('a,"b\n', 'f.csv')).toThrow(/f\.csv:1: a quoted field is never closed/);
  });
});

describe('parseCsvAnnotations', () => {
  it('groups rows by image in first-appearance order', () => {
    const ds = parseCsvAnnotations(
      `${header}b.jpg,600,400,raccoon,74,107,280,290\na.jpg,10,20,raccoon,1,2,3,4\nb.jpg,600,400,raccoon,227,93,403,298\n`,
      { imagesDir: '/data/images/' },
    );
    expect(ds.classNames).toEqual(['raccoon']);
    expect(ds.images).toEqual([
      { id: 'b.jpg', path: '/data/images/b.jpg', width: 600, height: 400, boxes: [{ box: [74, 107, 280, 290], class: 0 }, { box: [227, 93, 403, 298], class: 0 }] },
      { id: 'a.jpg', path: '/data/images/a.jpg', width: 10, height: 20, boxes: [{ box: [1, 2, 3, 4], class: 0 }] },
    ]);
  });

  it('finds columns by name in any order', () => {
    const ds = parseCsvAnnotations('xmin,ymin,xmax,ymax,class,filename,height,width\n1,2,3,4,dog,x.png,20,10\n1,1,2,2,cat,x.png,20,10\n');
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.images[0]).toMatchObject({ width: 10, height: 20, boxes: [{ box: [1, 2, 3, 4], class: 1 }, { box: [1, 1, 2, 2], class: 0 }] });
  });

  it('throws with the line for malformed rows', () => {
    const cases: [string, number, RegExp][] = [
      ['filename,width\n', 1, /no column "height"/],
      [`${header}a.jpg,10,20,r,1,2,3\n`, 2, /7 fields, the header has 8/],
      [`${header}a.jpg,10,20,r,1,2,3,4\na.jpg,10,20,r,5,2,3,4\n`, 3, /xmax < xmin/],
      [`${header}a.jpg,10,20,r,1,2,3,4\na.jpg,11,20,r,1,2,3,4\n`, 3, /11x20 here but 10x20/],
      [`${header}a.jpg,ten,20,r,1,2,3,4\n`, 2, /width is "ten"/],
      [`${header}a.jpg,10,20,,1,2,3,4\n`, 2, /class is empty/],
      ['', 1, /empty/],
    ];
    for (const [text, line, message] of cases) {
      try {
        parseCsvAnnotations(text, { source: 'labels.csv' });
        expect.unreachable(text);
      } catch (e) {
        expect(e, text).toBeInstanceOf(AnnotationFormatError);
        expect((e as AnnotationFormatError).line, text).toBe(line);
        expect((e as Error).message).toMatch(message);
      }
    }
    expect(() => parseCsvAnnotations(`${header}a.jpg,10,20,cat,1,2,3,4\n`, { classNames: ['dog'] })).toThrow(/"cat" is not in options\.classNames/);
  });
});
