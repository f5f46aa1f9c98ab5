import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { nonMaxSuppression } from '../boxes/nms.js';
import { InvalidArgumentError } from '../errors/errors.js';
import { describeEachBackend, expectNoLeaks } from '../testing/index.js';
import { DEFAULT_COLORS, drawBoxes, freeTagTop } from './draw-boxes.js';

const RED = [255, 0, 0] as const;
const px = (t: tf.Tensor3D) => t.arraySync() as number[][][];

describeEachBackend('drawBoxes', () => {
  it('draws the border in the chosen color and leaves the far interior and the input unchanged', () => {
    const img = tf.fill([60, 80, 3], 10, 'int32') as tf.Tensor3D;
    const out = drawBoxes(img, [{ box: [20, 30, 60, 55] }], { lineWidth: 2, colors: [RED] });
    expect(out.dtype).toBe('int32');
    const p = px(out);
    for (const [y, x] of [[30, 40], [31, 40], [55, 40], [54, 40], [45, 20], [45, 21], [45, 60], [45, 59], [30, 20], [55, 60]] as const) {
      expect(p[y]![x], `border pixel (${x}, ${y})`).toEqual([...RED]);
    }
    for (const [y, x] of [[32, 40], [45, 22], [45, 40], [53, 58]] as const) expect(p[y]![x], `interior (${x}, ${y})`).toEqual([10, 10, 10]);
    for (const [y, x] of [[45, 19], [45, 61], [56, 40], [0, 0]] as const) expect(p[y]![x], `outside (${x}, ${y})`).toEqual([10, 10, 10]);
    expect(Array.from(img.dataSync()).every((v) => v === 10)).toBe(true);
    tf.dispose([img, out]);
  });

  it('puts a filled tag with the class name and score above the box, in readable ink', () => {
    const img = tf.fill([60, 120, 3], 10, 'int32') as tf.Tensor3D;
    const out = drawBoxes(img, [{ box: [20, 30, 100, 55], score: 0.87, class: 1 }], { labels: ['cat', 'dog'], lineWidth: 1, font: { scale: 1 } });
    const color = DEFAULT_COLORS[1]!;
    const p = px(out);
    const tagRows = p.slice(19, 30).map((r) => r.slice(20, 70)); // 11 px high tag right above y = 30
    const flat = tagRows.flat();
    const isColor = (q: number[]) => q.every((v, k) => v === color[k]);
    const isInk = (q: number[]) => q.every((v) => v === 0) || q.every((v) => v === 255);
    expect(flat.filter(isColor).length).toBeGreaterThan(100);
    expect(flat.filter(isInk).length).toBeGreaterThan(40); // "dog 0.87" glyph pixels
    // the ink spells 'd' first: its stem is the 5th column of the first glyph, starting at the tag's top + 1
    expect(isInk(p[20]![21 + 4]!)).toBe(true);
    expect(isInk(p[20]![21]!)).toBe(false);
    // without scores, the tag is shorter
    const noScore = drawBoxes(img, [{ box: [20, 30, 100, 55], score: 0.87, class: 1 }], { labels: ['cat', 'dog'], lineWidth: 1, font: { scale: 1 }, showScores: false });
    const inkCount = (t: tf.Tensor3D) => px(t).slice(19, 30).flat().filter(isInk).length;
    expect(inkCount(noScore)).toBeLessThan(inkCount(out));
    tf.dispose([img, out, noScore]);
  });

  it('keeps tags inside the image (box at the top or right edge) and draws boxes partly outside', () => {
    const img = tf.zeros([40, 40, 3], 'int32') as tf.Tensor3D;
    const out = drawBoxes(img, [{ box: [30, 0, 60, 20], label: 'wide label' }], { lineWidth: 1, font: { scale: 1 }, colors: [RED] });
    const p = px(out);
    expect(p[0]![39]).not.toEqual([0, 0, 0]); // tag pushed left and down into the picture
    expect(p[10]![30]).toEqual([...RED]); // the visible left edge of the box
    tf.dispose([img, out]);
  });

  it('works on gray, RGBA and 0-1 float images, with per-box colors and other box formats', () => {
    const gray = tf.zeros([20, 20, 1], 'int32') as tf.Tensor3D;
    const g = px(drawBoxes(gray, [{ box: [2, 2, 17, 17], color: [255, 255, 255] }], { lineWidth: 1 }));
    expect(g[2]![10]).toEqual([255]);
    const rgba = tf.zeros([20, 20, 4], 'int32') as tf.Tensor3D;
    expect(px(drawBoxes(rgba, [{ box: [2, 2, 17, 17] }], { colors: [RED], lineWidth: 1 }))[2]![10]).toEqual([255, 0, 0, 255]);
    const f = tf.fill([20, 20, 3], 0.5) as tf.Tensor3D;
    const fo = drawBoxes(f, [{ box: [2, 2, 17, 17] }], { colors: [RED], lineWidth: 1 });
    expect(fo.dtype).toBe('float32');
    expect(px(fo)[2]![10]).toEqual([1, 0, 0]);
    expect(px(fo)[10]![10]).toEqual([0.5, 0.5, 0.5]);
    const c = px(drawBoxes(gray, [{ box: [10, 10, 10, 10], color: [255, 255, 255] }], { format: 'cxcywh', lineWidth: 1 }));
    expect(c[5]![5]).toEqual([255]); // cxcywh (10, 10, 10, 10) is xyxy (5, 5, 15, 15)
    tf.dispose([gray, rgba, f, fo]);
  });

  it('draws NMS output directly', () => {
    // The third box sits low enough that its tag fits above it without touching the first box's tag.
    const dets = nonMaxSuppression({ boxes: [[2, 2, 12, 12], [3, 3, 12, 12], [20, 30, 30, 40]], scores: [0.9, 0.8, 0.7], classes: [0, 0, 2] });
    const img = tf.zeros([60, 60, 3], 'int32') as tf.Tensor3D;
    const out = drawBoxes(img, dets, { labels: ['a', 'b', 'c'] });
    expect(px(out)[35]![20]).toEqual([...DEFAULT_COLORS[2]!]);
    tf.dispose([img, out]);
  });

  it('moves a tag that would cover an earlier one by whole tag heights, staying inside the image', () => {
    const img = tf.zeros([60, 80, 3], 'int32') as tf.Tensor3D;
    // Two boxes with the same top-left corner: both tags want the same place above it.
    const red: [number, number, number] = [255, 0, 0];
    const blue: [number, number, number] = [0, 0, 255];
    const out = drawBoxes(img, [{ box: [10, 30, 50, 50], label: 'aaaa', color: red }, { box: [10, 30, 40, 45], label: 'bbbb', color: blue }], { showScores: false, font: { scale: 1 }, lineWidth: 1 });
    const p = px(out);
    const th = 11; // (glyph height 9 + 2) x scale 1
    expect(p[30 - th]![10]).toEqual(red); // the first tag's corner, above the boxes, not covered
    expect(p[30]![10]).toEqual(blue); // the second tag, one tag height lower
    tf.dispose([img, out]);
  });

  it('freeTagTop: the preferred top when free, else the nearest free one by whole tag heights, inside the image', () => {
    expect(freeTagTop(20, 0, 30, 10, 100, [])).toBe(20);
    expect(freeTagTop(20, 0, 30, 10, 100, [[40, 20, 60, 30]])).toBe(20); // beside it, not over it
    expect(freeTagTop(20, 0, 30, 10, 100, [[0, 20, 30, 30]])).toBe(30); // one down first
    expect(freeTagTop(20, 0, 30, 10, 100, [[0, 20, 30, 30], [0, 30, 30, 40]])).toBe(10); // then one up
    expect(freeTagTop(95, 0, 30, 10, 100, [])).toBe(90); // clamped inside
    expect(freeTagTop(90, 0, 30, 10, 100, [[0, 90, 30, 100]])).toBe(80); // at the bottom edge it moves up
    expect(freeTagTop(5, 0, 30, 10, 20, [[0, 0, 30, 20]])).toBe(5); // everything taken: the preferred top
  });

  it('rejects bad arguments with InvalidArgumentError naming them', () => {
    const img = tf.zeros([10, 10, 3], 'int32') as tf.Tensor3D;
    const cases: [() => unknown, RegExp][] = [
      [() => drawBoxes(tf.zeros([10, 10, 2]) as tf.Tensor3D, []), /'image'/],
      [() => drawBoxes(tf.zeros([10, 10]) as never, []), /'image'/],
      [() => drawBoxes(img, {} as never), /'detections'/],
      [() => drawBoxes(img, [{ box: [0, 0, Number.NaN, 3] }]), /'detections\[0\].box'/],
      [() => drawBoxes(img, [{ box: [1, 1, 2, 2] }, { box: [1, 2, 3] }]), /'detections\[1\].box'/],
      [() => drawBoxes(img, [{ box: [1, 1, 2, 2], class: 5 }], { labels: ['a'] }), /'detections\[0\].class'/],
      [() => drawBoxes(img, [{ box: [1, 1, 2, 2], score: Number.NaN }]), /'detections\[0\].score'/],
      [() => drawBoxes(img, [], { colors: [] }), /'options.colors'/],
      [() => drawBoxes(img, [], { colors: [[300, 0, 0]] }), /'options.colors'/],
      [() => drawBoxes(img, [], { lineWidth: 0 }), /'options.lineWidth'/],
      [() => drawBoxes(img, [], { font: { scale: 1.5 } }), /'options.font.scale'/],
      [() => drawBoxes(img, [], { format: 'yxyx' as never }), /'options.format'/],
    ];
    for (const [fn, msg] of cases) {
      expect(fn).toThrow(InvalidArgumentError);
      expect(fn).toThrow(msg);
    }
    img.dispose();
  });

  it('does not leak', async () => {
    const img = tf.fill([20, 30, 3], 10, 'int32') as tf.Tensor3D;
    await expectNoLeaks(() => {
      drawBoxes(img, [{ box: [1, 1, 10, 10], label: 'x', score: 0.5 }]).dispose();
      drawBoxes(img, []).dispose();
      expect(() => drawBoxes(img, [{ box: [1] }])).toThrow();
    });
    img.dispose();
  });
});
