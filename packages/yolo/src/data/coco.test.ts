import { describe, expect, it } from 'vitest';
import { parseCocoJson } from './coco.js';
import { AnnotationFormatError } from './errors.js';

const coco = {
  images: [
    { id: 42, file_name: 'a.jpg', width: 640, height: 480 },
    { id: 7, file_name: 'b.jpg', width: 100, height: 50 },
  ],
  annotations: [
    { id: 1, image_id: 42, category_id: 18, bbox: [10, 20, 30, 40], iscrowd: 0 },
    { id: 2, image_id: 42, category_id: 1, bbox: [0.5, 1.5, 2, 3], iscrowd: 1 },
    { id: 3, image_id: 7, category_id: 90, bbox: [1, 2, 0, 0] },
  ],
  categories: [
    { id: 90, name: 'toothbrush' },
    { id: 1, name: 'person' },
    { id: 18, name: 'dog' },
  ],
};

describe('parseCocoJson', () => {
  it('maps category ids to contiguous classes in id order and bbox xywh to xyxy', () => {
    const ds = parseCocoJson(JSON.stringify(coco), { imagesDir: '/coco/val2017' });
    expect(ds.classNames).toEqual(['person', 'dog', 'toothbrush']);
    expect(ds.categoryIds).toEqual([1, 18, 90]);
    expect(ds.images).toEqual([
      {
        id: '42', path: '/coco/val2017/a.jpg', width: 640, height: 480,
        boxes: [{ box: [10, 20, 40, 60], class: 1 }, { box: [0.5, 1.5, 2.5, 4.5], class: 0, crowd: true }],
      },
      { id: '7', path: '/coco/val2017/b.jpg', width: 100, height: 50, boxes: [{ box: [1, 2, 1, 2], class: 2 }] },
    ]);
    expect(parseCocoJson(coco).images).toHaveLength(2); // an object works too
  });

  it('names the JSON line of a syntax error and the path of a bad entry', () => {
    try {
      parseCocoJson('{\n  "images": [\n    {"id": 1,}\n  ]\n}', { source: 'instances.json' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AnnotationFormatError);
      expect((e as Error).message).toMatch(/^instances\.json(:3)?: not valid JSON/);
    }
    const bad = (patch: (c: typeof coco) => unknown, message: RegExp) => {
      const c = structuredClone(coco);
      patch(c);
      expect(() => parseCocoJson(c, { source: 'x.json' })).toThrow(message);
    };
    bad((c) => (c.annotations[1]!.image_id = 5), /x\.json: annotations\[1\]\.image_id: 5 is not the id of any entry in images/);
    bad((c) => (c.annotations[0]!.category_id = 2), /annotations\[0\]\.category_id/);
    bad((c) => (c.annotations[0]!.bbox = [1, 2, -3, 4]), /annotations\[0\]\.bbox: negative width/);
    bad((c) => (c.annotations[0]!.bbox = [1, 2, 3]), /annotations\[0\]\.bbox: expected \[x, y, width, height\]/);
    bad((c) => (c.images[1]!.width = 0), /images\[1\]\.width: expected an integer >= 1/);
    bad((c) => (c.categories[1]!.id = 90), /the id 90 appears twice/);
    bad((c) => delete (c as Partial<typeof coco>).categories, /categories: expected an array/);
  });
});
