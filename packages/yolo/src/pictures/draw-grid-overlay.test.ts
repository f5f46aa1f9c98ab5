import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready, type RGB } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeTargets } from '../targets/encode-targets.js';
import { drawGridOverlay, gridOwners } from './draw-grid-overlay.js';

// A 96 x 96 black image, a 3 x 3 grid (32 px cells). The label's centre (50, 30) lies in row 0, col 1; its
// shape 20 x 40 px = 0.625 x 1.25 cells fits anchor 1 (IoU 0.52) better than anchor 0 (IoU 0.32).
const SIZE = 96;
const ANCHORS = [[0.5, 0.5], [1, 1.5]] as const;
const LABEL = { box: [40, 10, 60, 50] as [number, number, number, number], class: 0 };
const RED: RGB = [255, 0, 0];
const GREEN: RGB = [0, 255, 0];
const BASE = { grid: 3, anchors: ANCHORS, colors: [RED], gridColor: GREEN, cellAlpha: 0.5, lineWidth: 1, font: { scale: 1 } } as const;

function black(channels = 3, dtype: 'int32' | 'float32' = 'int32'): tf.Tensor3D {
  return tf.zeros([SIZE, SIZE, channels], dtype) as tf.Tensor3D;
}

function pixels(t: tf.Tensor3D): (x: number, y: number) => number[] {
  const data = t.dataSync();
  const c = t.shape[2];
  return (x, y) => Array.from(data.subarray((y * SIZE + x) * c, (y * SIZE + x) * c + c));
}

describe('gridOwners', () => {
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
  });

  it('names the cell and anchor encodeTargets assigns, and the anchor box centred on that cell', () => {
    const [o] = gridOwners([LABEL], { ...BASE, imageSize: [SIZE, SIZE] });
    expect(o).toMatchObject({ index: 0, row: 0, col: 1, anchor: 1, class: 0, dropped: false, box: [40, 10, 60, 50] });
    expect(o!.anchorIou).toBeCloseTo(0.78125 / 1.5, 6);
    // Cell centre (48, 16); anchor 1 is 1 x 1.5 cells = 32 x 48 px.
    expect(o!.anchorBox).toEqual([32, -8, 64, 40]);
  });

  it('reads the same owners back from the target tensor', () => {
    const { targets } = encodeTargets([LABEL], { grid: 3, anchors: ANCHORS, classes: 2, imageSize: [SIZE, SIZE] });
    const [o] = gridOwners(targets, { anchors: ANCHORS, imageSize: [SIZE, SIZE] });
    expect(o).toMatchObject({ row: 0, col: 1, anchor: 1, class: 0, dropped: false, anchorBox: [32, -8, 64, 40] });
    o!.box.forEach((v, k) => expect(v).toBeCloseTo(LABEL.box[k]!, 3));
    targets.dispose();
  });

  it('reports a label that lost its cell and anchor to a larger one', () => {
    // 18 x 42 px (area 756 < 800), centre (50, 30): cell (0,1) and anchor 1 too (IoU 0.49 vs 0.34).
    const small = { box: [41, 9, 59, 51] as [number, number, number, number], class: 0 };
    const owners = gridOwners([small, LABEL], { ...BASE, imageSize: [SIZE, SIZE] });
    expect(owners.map((o) => [o.index, o.dropped, o.keptIndex])).toEqual([[0, true, 1], [1, false, undefined]]);
  });

  it('accepts normalized boxes in another format', () => {
    const [o] = gridOwners([{ box: [50 / SIZE, 30 / SIZE, 20 / SIZE, 40 / SIZE], class: 0 }], { ...BASE, imageSize: [SIZE, SIZE], format: 'cxcywh', normalized: true });
    expect(o).toMatchObject({ row: 0, col: 1, anchor: 1 });
    o!.box.forEach((v, k) => expect(v).toBeCloseTo(LABEL.box[k]!, 9));
  });
});

describe('drawGridOverlay', () => {
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
  });

  it('draws the grid lines, shades only the owning cell, and draws box, centre and dashed anchor', () => {
    const image = black();
    const out = drawGridOverlay(image, [LABEL], { ...BASE, caption: () => '' });
    const at = pixels(out);
    // Grid lines: x = 32 and 64 (and y), and the outer frame at 0 and 95, far from the object.
    for (const [x, y] of [[32, 80], [64, 80], [0, 80], [95, 80], [80, 32], [80, 64], [10, 0], [10, 95]] as const) expect(at(x, y), `(${x}, ${y})`).toEqual([...GREEN]);
    // The owning cell (cols 32-63, rows 0-31) is shaded half red where nothing else is drawn.
    expect(at(36, 4)).toEqual([128, 0, 0]);
    expect(at(62, 28)).toEqual([128, 0, 0]);
    // Every shaded pixel is inside that cell: the shade does not leak into the neighbours.
    let shaded = 0;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        if (at(x, y)[0] !== 128) continue;
        shaded++;
        expect(x >= 32 && x < 64 && y < 32, `shade at (${x}, ${y})`).toBe(true);
      }
    }
    expect(shaded).toBeGreaterThan(500);
    // Other cells untouched away from lines and outlines: the cell below (box runs to y 49) and the neighbours.
    for (const [x, y] of [[10, 10], [80, 10], [36, 70], [10, 50], [80, 50]] as const) expect(at(x, y), `(${x}, ${y})`).toEqual([0, 0, 0]);
    // The box's border (pixels 40..59, 10..49), below the cell too.
    for (const [x, y] of [[40, 45], [59, 45], [50, 10], [50, 49]] as const) expect(at(x, y), `(${x}, ${y})`).toEqual([...RED]);
    // The centre dot (50, 30): color inside, a black ring around it.
    expect(at(50, 30)).toEqual([...RED]);
    expect(at(47, 30)).toEqual([0, 0, 0]);
    // The anchor box [32, -8, 64, 40] is dashed (3 on, 3 off from y = -8): over the grid line at x = 32.
    expect(at(32, 5)).toEqual([...RED]);
    expect(at(32, 2)).toEqual([...GREEN]);
    expect(at(63, 5)).toEqual([...RED]);
    expect(at(33, 39)).toEqual([...RED]);
    expect(image.dataSync().every((v) => v === 0)).toBe(true); // the input is not modified
    tf.dispose([image, out]);
  });

  it('captions "cell (row,col) anchor a", with the class name when given', () => {
    const image = black();
    const plain = drawGridOverlay(image, [LABEL], { ...BASE, caption: () => '' });
    const auto = drawGridOverlay(image, [LABEL], BASE);
    const expected = drawGridOverlay(image, [LABEL], { ...BASE, caption: () => 'cell (0,1) anchor 1' });
    const named = drawGridOverlay(image, [LABEL], { ...BASE, labels: ['sun'] });
    const namedExpected = drawGridOverlay(image, [LABEL], { ...BASE, caption: () => 'sun cell (0,1) anchor 1' });
    expect(Array.from(auto.dataSync())).toEqual(Array.from(expected.dataSync()));
    expect(Array.from(named.dataSync())).toEqual(Array.from(namedExpected.dataSync()));
    // The tag sits inside the box's top (no room above): white ink on red from (41, 11).
    const a = pixels(auto);
    const p = pixels(plain);
    let ink = 0;
    for (let y = 10; y < 21; y++) for (let x = 40; x < 96; x++) if (a(x, y).join() === '255,255,255' && p(x, y).join() !== '255,255,255') ink++;
    expect(ink).toBeGreaterThan(50);
    tf.dispose([image, plain, auto, expected, named, namedExpected]);
  });

  it('draws the same picture from the target tensor', () => {
    const image = black();
    const { targets } = encodeTargets([LABEL], { grid: 3, anchors: ANCHORS, classes: 1, imageSize: [SIZE, SIZE] });
    const fromLabels = drawGridOverlay(image, [LABEL], BASE);
    const fromTargets = drawGridOverlay(image, targets, { ...BASE, grid: undefined });
    expect(Array.from(fromTargets.dataSync())).toEqual(Array.from(fromLabels.dataSync()));
    tf.dispose([image, targets, fromLabels, fromTargets]);
  });

  it('scales labels from imageSize to the image', () => {
    const image = black();
    const full = drawGridOverlay(image, [LABEL], BASE);
    const half = drawGridOverlay(image, [{ box: LABEL.box.map((v) => v / 2), class: 0 }], { ...BASE, imageSize: [48, 48] });
    expect(Array.from(half.dataSync())).toEqual(Array.from(full.dataSync()));
    tf.dispose([image, full, half]);
  });

  it('draws dropped labels dashed in gray without shading their cell', () => {
    const image = black();
    const small = { box: [41, 9, 59, 51] as [number, number, number, number], class: 0 }; // loses to LABEL
    const out = drawGridOverlay(image, [small, LABEL], { ...BASE, caption: () => '' });
    const at = pixels(out);
    // Its left edge x = 41, dashed 3 on 3 off from y = 9: on at y = 22 (floor(13 / 3) = 4), off at 25.
    expect(at(41, 22)).toEqual([150, 150, 150]);
    expect(at(41, 25)).toEqual([128, 0, 0]);
    const without = drawGridOverlay(image, [small, LABEL], { ...BASE, caption: () => '', showDropped: false });
    const only = drawGridOverlay(image, [LABEL], { ...BASE, caption: () => '' });
    expect(Array.from(without.dataSync())).toEqual(Array.from(only.dataSync()));
    tf.dispose([image, out, without, only]);
  });

  it('handles 0-1 float images and grayscale', () => {
    const image = black(3, 'float32');
    const out = drawGridOverlay(image, [LABEL], { ...BASE, caption: () => '' });
    expect(out.dtype).toBe('float32');
    const at = pixels(out);
    expect(at(36, 4)[0]).toBeCloseTo(0.5, 6);
    expect(at(32, 80)).toEqual([0, 1, 0]);
    const gray = black(1);
    const g = drawGridOverlay(gray, [LABEL], { ...BASE, caption: () => '' });
    expect(g.shape).toEqual([SIZE, SIZE, 1]);
    expect(pixels(g)(32, 80)).toEqual([Math.round(0.587 * 255)]);
    tf.dispose([image, out, gray, g]);
  });

  it('leaks no tensors', async () => {
    const image = black();
    const { targets } = encodeTargets([LABEL], { grid: 3, anchors: ANCHORS, classes: 1, imageSize: [SIZE, SIZE] });
    const a = await expectNoLeaks(() => drawGridOverlay(image, [LABEL], BASE), { allowReturned: true });
    const b = await expectNoLeaks(() => drawGridOverlay(image, targets, { anchors: ANCHORS }), { allowReturned: true });
    tf.dispose([image, targets, a, b]);
  });

  it('fails clearly on bad input', () => {
    const image = black();
    expect(() => drawGridOverlay(image, [LABEL], { anchors: ANCHORS })).toThrow(/options\.grid/);
    expect(() => drawGridOverlay(image, [{ box: [10, 10, 5, 20], class: 0 }], BASE)).toThrow(InvalidArgumentError);
    expect(() => drawGridOverlay(image, [{ box: [10, 10, 5, 20], class: 0 }], BASE)).toThrow(/labels\[0\]\.box/);
    expect(() => drawGridOverlay(image, [LABEL], { ...BASE, cellAlpha: 2 })).toThrow(/options\.cellAlpha/);
    expect(() => drawGridOverlay(image, tf.zeros([3, 3, 2]) as never, { grid: 3 })).toThrow(/targets/);
    image.dispose();
  });
});

describe('captions of objects that share a cell', () => {
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
  });

  it('Canvas.tagAvoiding stacks a tag that would cover an earlier one (nearest free slot, inside the image)', async () => {
    const { Canvas, tagHeight } = await import('./canvas.js');
    const img = black();
    const canvas = new Canvas(img);
    const taken: [number, number, number, number][] = [];
    const a = canvas.tagAvoiding('aaaa', 10, 30, RED, 1, taken);
    const b = canvas.tagAvoiding('bbbb', 10, 30, GREEN, 1, taken);
    const c = canvas.tagAvoiding('cccc', 12, 30, RED, 1, taken);
    expect(a).toEqual([10, 30, a[2], 30 + tagHeight(1)]);
    expect(b[1]).toBe(a[3]); // one tag height lower
    expect(c[3]).toBe(a[1]); // then one higher
    const overlaps = (p: number[], q: number[]) => p[0]! < q[2]! && q[0]! < p[2]! && p[1]! < q[3]! && q[1]! < p[3]!;
    expect(overlaps(a, b) || overlaps(a, c) || overlaps(b, c)).toBe(false);
    expect(taken).toHaveLength(3);
    // Near the bottom edge it moves up instead of leaving the image.
    const low: [number, number, number, number][] = [];
    canvas.tagAvoiding('x', 0, SIZE, RED, 1, low);
    const up = canvas.tagAvoiding('x', 0, SIZE, RED, 1, low);
    expect(up[3]).toBeLessThanOrEqual(low[0]![1]);
    img.dispose();
  });

  it('drawGridOverlay: two objects with the same corner in one cell both keep a readable caption', async () => {
    const { tagHeight } = await import('./canvas.js');
    const img = black();
    // Same top-left corner (40, 40), both centres in cell (1, 1); class 0 red, class 1 green.
    const labels = [
      { box: [40, 40, 62, 62] as [number, number, number, number], class: 0 },
      { box: [40, 40, 54, 54] as [number, number, number, number], class: 1 }, // anchor 0 (the first takes anchor 1)
    ];
    const out = drawGridOverlay(img, labels, { ...BASE, anchors: [[0.5, 0.5], [0.7, 0.7]], colors: [RED, [0, 0, 255]], caption: (o) => (o.class === 0 ? 'aaaa' : 'bbbb') });
    const px = pixels(out);
    const th = tagHeight(1);
    // The first caption sits above the box (y 40 - th), the second is moved one tag height down: both show
    // their fill color at their top-left corner.
    expect(px(40, 40 - th)).toEqual([255, 0, 0]);
    expect(px(40, 40)).toEqual([0, 0, 255]);
    tf.dispose([img, out]);
  });
});
