import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ready } from '@cnn/ops';
import { expectNoLeaks, expectTensorsClose } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeTargets, encodeTargetsBatch, type YoloLabel } from './encode-targets.js';

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

/**
 * The course's example, with a sun, a moon and a star (classes 0, 1, 2) on a 300 x 300 image under a 3 x 3
 * grid (cells of 100 px), no anchors: y is 3 x 3 x 8 = [pc, bx, by, bh, bw, c1, c2, c3] per cell.
 *   sun   [120, 20, 200, 80]   centre (160, 50)  -> cell (row 0, col 1), bx 0.6,  by 0.5, bh 60/300, bw 80/300
 *   moon  [10, 210, 70, 290]   centre (40, 250)  -> cell (row 2, col 0), bx 0.4,  by 0.5, bh 80/300, bw 60/300
 *   star  [230, 130, 260, 190] centre (245, 160) -> cell (row 1, col 2), bx 0.45, by 0.6, bh 60/300, bw 30/300
 * Every other cell is pc = 0 (all zeros).
 */
const SKY: (YoloLabel & { box: number[] })[] = [
  { box: [120, 20, 200, 80], class: 0 },
  { box: [10, 210, 70, 290], class: 1 },
  { box: [230, 130, 260, 190], class: 2 },
];
const O = [0, 0, 0, 0, 0, 0, 0, 0];
const SKY_EXPECTED = [
  [O, [1, 0.6, 0.5, 0.2, 80 / 300, 1, 0, 0], O],
  [O, O, [1, 0.45, 0.6, 0.2, 0.1, 0, 0, 1]],
  [[1, 0.4, 0.5, 80 / 300, 0.2, 0, 1, 0], O, O],
];
const SKY_OPTIONS = { grid: 3, classes: 3, imageSize: [300, 300] as [number, number] };

describe('encodeTargets', () => {
  it("encodes the course's sun/moon/star example as hand-written (3 x 3 x 8, no anchors)", () => {
    const { targets, assignments, dropped } = encodeTargets(SKY, SKY_OPTIONS);
    expect(targets.shape).toEqual([3, 3, 1, 8]);
    expectTensorsClose(tf.reshape(targets, [3, 3, 8]), SKY_EXPECTED, { atol: 1e-6, rtol: 0 });
    expect(assignments.map((a) => [a.index, a.row, a.col, a.anchor])).toEqual([
      [0, 0, 1, 0],
      [1, 2, 0, 0],
      [2, 1, 2, 0],
    ]);
    expect(dropped).toEqual([]);
    tf.dispose(targets);
  });

  it("'cell' writes sizes relative to the cell (the lecture's bh, bw > 1 allowed)", () => {
    const { targets } = encodeTargets([{ box: [120, 20, 200, 80], class: 0 }], { ...SKY_OPTIONS, sizeEncoding: 'cell' });
    const y = targets.arraySync()[0]![1]![0]!; // the sun: cell (0, 1), 80 x 60 px = 0.8 x 0.6 cells
    expectTensorsClose(y, [1, 0.6, 0.5, 0.6, 0.8, 1, 0, 0], { atol: 1e-6, rtol: 0 });
    tf.dispose(targets);
    // A box larger than its cell: 250 x 150 px, centre (125, 75) -> cell (0, 1), bh 1.5, bw 2.5.
    const big = encodeTargets([{ box: [0, 0, 250, 150], class: 1 }], { ...SKY_OPTIONS, sizeEncoding: 'cell' });
    expectTensorsClose(big.targets.arraySync()[0]![1]![0]!, [1, 0.25, 0.75, 1.5, 2.5, 0, 1, 0], { atol: 1e-6, rtol: 0 });
    tf.dispose(big.targets);
  });

  it('reads every box format, object forms and normalized boxes the same way', () => {
    const reference = encodeTargets(SKY, SKY_OPTIONS);
    const asXywh = SKY.map(({ box: [x1, y1, x2, y2], class: c }) => ({ box: [x1!, y1!, x2! - x1!, y2! - y1!], class: c }) as YoloLabel);
    const asCxcywhObjects = SKY.map(({ box: [x1, y1, x2, y2], class: c }) => ({ box: { cx: (x1! + x2!) / 2, cy: (y1! + y2!) / 2, w: x2! - x1!, h: y2! - y1! }, class: c }) as YoloLabel);
    const normalized = SKY.map(({ box: [x1, y1, x2, y2], class: c }) => ({ box: { x1: x1! / 300, y1: y1! / 300, x2: x2! / 300, y2: y2! / 300 }, class: c }) as YoloLabel);
    for (const [labels, extra] of [
      [asXywh, { format: 'xywh' }],
      [asCxcywhObjects, { format: 'cxcywh' }],
      [normalized, { normalized: true }],
    ] as const) {
      const { targets } = encodeTargets(labels, { ...SKY_OPTIONS, ...extra });
      expectTensorsClose(targets, reference.targets, { atol: 1e-6, rtol: 0 });
      targets.dispose();
    }
    reference.targets.dispose();
  });

  it('assigns each object to the anchor of best shape IoU and writes YOLOv2 log sizes', () => {
    // 200 x 200 image, 2 x 2 grid: cells of 100 px. Anchors in cells: tall [1, 2], wide [2, 1].
    const anchors = [[1, 2], [2, 1]] as const;
    const labels: YoloLabel[] = [
      { box: [0, 0, 100, 150], class: 0 }, // 1 x 1.5 cells, centre (50, 75): cell (0, 0); IoU tall 1.5/2 = 0.75, wide 1/2.5 = 0.4
      { box: [0, 30, 200, 90], class: 1 }, // 2 x 0.6 cells, centre (100, 60): cell (0, 1); IoU wide 1.2/2 = 0.6, tall 0.6/3.4
    ];
    const { targets, assignments } = encodeTargets(labels, { grid: 2, anchors, classes: 2, imageSize: [200, 200], sizeEncoding: 'logAnchor' });
    expect(targets.shape).toEqual([2, 2, 2, 7]);
    expect(assignments.map((a) => [a.row, a.col, a.anchor])).toEqual([
      [0, 0, 0],
      [0, 1, 1],
    ]);
    expect(assignments[0]!.anchorIou).toBeCloseTo(0.75, 12);
    expect(assignments[1]!.anchorIou).toBeCloseTo(0.6, 12);
    const y = targets.arraySync();
    // [pc, bx, by, bh = ln(h / anchor h), bw = ln(w / anchor w), classes]
    expectTensorsClose(y[0]![0]![0]!, [1, 0.5, 0.75, Math.log(1.5 / 2), Math.log(1 / 1), 1, 0], { atol: 1e-6, rtol: 0 });
    expectTensorsClose(y[0]![0]![1]!, [0, 0, 0, 0, 0, 0, 0], { atol: 0, rtol: 0 });
    expectTensorsClose(y[0]![1]![1]!, [1, 0, 0.6, Math.log(0.6 / 1), Math.log(2 / 2), 0, 1], { atol: 1e-6, rtol: 0 });
    targets.dispose();
    // With anchors but the default 'image' encoding, sizes stay relative to the image (the course's anchor lecture).
    const plain = encodeTargets(labels, { grid: 2, anchors, classes: 2, imageSize: [200, 200] });
    expectTensorsClose(plain.targets.arraySync()[0]![0]![0]!, [1, 0.5, 0.75, 0.75, 0.5, 1, 0], { atol: 1e-6, rtol: 0 });
    plain.targets.dispose();
  });

  it('resolves collisions deterministically: the larger box stays, the others are reported', () => {
    const small = { box: [10, 10, 30, 30], class: 0 }; // centre (20, 20), cell (0, 0)
    const large = { box: [0, 0, 60, 60], class: 1 }; // centre (30, 30), cell (0, 0)
    const same = { box: [40, 40, 60, 60], class: 2 }; // as small as `small`, centre (50, 50), cell (0, 0)
    const a = encodeTargets([small, large, same], SKY_OPTIONS);
    const b = encodeTargets([same, large, small], SKY_OPTIONS);
    expect(a.dropped.map((d) => [d.index, d.keptIndex])).toEqual([
      [0, 1],
      [2, 1],
    ]);
    expect(b.dropped.map((d) => [d.index, d.keptIndex])).toEqual([
      [0, 1],
      [2, 1],
    ]);
    expectTensorsClose(a.targets, b.targets, { atol: 0, rtol: 0 }); // order does not matter
    expect(a.targets.arraySync()[0]![0]![0]![6]).toBe(1); // the large one's class
    // Equal areas: the earlier label stays.
    const tie = encodeTargets([same, small], SKY_OPTIONS);
    expect(tie.dropped.map((d) => [d.index, d.keptIndex])).toEqual([[1, 0]]);
    expect(tie.targets.arraySync()[0]![0]![0]![7]).toBe(1);
    tf.dispose([a.targets, b.targets, tie.targets]);
  });

  it('puts centres on a cell border in the next cell, and on the far image edge in the last cell', () => {
    const { targets, assignments } = encodeTargets(
      [
        { box: [90, 0, 110, 20], class: 0 }, // cx = 100: col 1, bx = 0
        { box: [290, 290, 310, 310], class: 1 }, // cx = cy = 300 (the far edge): cell (2, 2), bx = by = 1
      ],
      SKY_OPTIONS,
    );
    expect(assignments.map((a) => [a.row, a.col])).toEqual([
      [0, 1],
      [2, 2],
    ]);
    const y = targets.arraySync();
    expect(y[0]![1]![0]![1]).toBe(0);
    expect([y[2]![2]![0]![1], y[2]![2]![0]![2]]).toEqual([1, 1]);
    targets.dispose();
  });

  it('handles a non-square image and grid', () => {
    // 200 x 400 (h x w), grid 2 rows x 4 cols: cells of 100 x 100.
    const { targets, assignments } = encodeTargets([{ box: [310, 120, 370, 180], class: 0 }], { grid: [2, 4], classes: 1, imageSize: [200, 400] });
    expect(targets.shape).toEqual([2, 4, 1, 6]);
    expect(assignments.map((a) => [a.row, a.col])).toEqual([[1, 3]]);
    expectTensorsClose(targets.arraySync()[1]![3]![0]!, [1, 0.4, 0.5, 60 / 200, 60 / 400, 1], { atol: 1e-6, rtol: 0 });
    targets.dispose();
  });

  it('encodes a batch as the stack of single images', () => {
    const other: YoloLabel[] = [{ box: [0, 0, 50, 50], class: 2 }];
    const batch = encodeTargetsBatch([SKY, other, []], SKY_OPTIONS);
    expect(batch.targets.shape).toEqual([3, 3, 3, 1, 8]);
    const singles = [SKY, other, []].map((l) => encodeTargets(l, SKY_OPTIONS).targets);
    const stacked = tf.stack(singles);
    expectTensorsClose(batch.targets, stacked, { atol: 0, rtol: 0 });
    expect(batch.assignments.map((a) => a.length)).toEqual([3, 1, 0]);
    tf.dispose([batch.targets, stacked, ...singles]);
  });

  it('rejects bad input with typed errors that name the argument', () => {
    const bad: [unknown, unknown, string][] = [
      [[{ box: [0, 0, 10, 10], class: 3 }], SKY_OPTIONS, 'labels[0].class'],
      [[{ box: [0, 0, 10, 10], class: 0.5 }], SKY_OPTIONS, 'labels[0].class'],
      [[{ box: [10, 10, 10, 20], class: 0 }], SKY_OPTIONS, 'labels[0].box'],
      [[{ box: [20, 10, 10, 20], class: 0 }], SKY_OPTIONS, 'labels[0].box'],
      [[{ box: [0, 0, 10], class: 0 }], SKY_OPTIONS, 'labels[0].box'],
      [[{ box: { cx: 1, cy: 1, w: 1, h: 1 }, class: 0 }], SKY_OPTIONS, 'labels[0].box'], // an object of the wrong format
      [[{ box: [400, 0, 420, 20], class: 0 }], SKY_OPTIONS, 'labels[0].box'], // centre off the image
      [[[0, 0, 10, 10]], SKY_OPTIONS, 'labels[0]'],
      ['boxes', SKY_OPTIONS, 'labels'],
      [[], { ...SKY_OPTIONS, grid: 0 }, 'options.grid'],
      [[], { ...SKY_OPTIONS, grid: [3, 2.5] }, 'options.grid'],
      [[], { ...SKY_OPTIONS, classes: 0 }, 'options.classes'],
      [[], { ...SKY_OPTIONS, imageSize: [300] }, 'options.imageSize'],
      [[], { ...SKY_OPTIONS, anchors: [] }, 'options.anchors'],
      [[], { ...SKY_OPTIONS, anchors: [[1, -1]] }, 'options.anchors[0]'],
      [[], { ...SKY_OPTIONS, sizeEncoding: 'logAnchor' }, 'options.sizeEncoding'],
      [[], { ...SKY_OPTIONS, sizeEncoding: 'sqrt' }, 'options.sizeEncoding'],
      [[], { ...SKY_OPTIONS, format: 'yxyx' }, 'options.format'],
      [[], { ...SKY_OPTIONS, normalized: 'yes' }, 'options.normalized'],
      [[], null, 'options'],
    ];
    for (const [labels, options, argument] of bad) {
      let error: unknown;
      try {
        encodeTargets(labels as YoloLabel[], options as typeof SKY_OPTIONS);
      } catch (e) {
        error = e;
      }
      expect(error, argument).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe(argument);
    }
    expect(() => encodeTargetsBatch([[{ box: [0, 0, 10, 10], class: 0 }], [{ box: [0, 0, 10, 10], class: 9 }]], SKY_OPTIONS)).toThrow(/labelsPerImage\[1\]\[0\]\.class/);
    expect(() => encodeTargetsBatch([], SKY_OPTIONS)).toThrow(InvalidArgumentError);
  });

  it('does not leak tensors (returns only the targets)', async () => {
    const r = await expectNoLeaks(() => encodeTargets(SKY, SKY_OPTIONS), { allowReturned: true });
    r.targets.dispose();
    const b = await expectNoLeaks(() => encodeTargetsBatch([SKY, SKY], SKY_OPTIONS), { allowReturned: true });
    b.targets.dispose();
    await expectNoLeaks(() => expect(() => encodeTargets([{ box: [0, 0, 10, 10], class: 7 }], SKY_OPTIONS)).toThrow());
  });
});
