import { InvalidArgumentError, ShapeMismatchError } from '@cnn/ops';
import { describe, expect, it } from 'vitest';
import { averagePrecision, meanAveragePrecision } from './average-precision.js';
import { apFromPrecisionRecall, COCO_RECALL_THRESHOLDS } from './interpolate-ap.js';
import type { EvalDetection, EvalGroundTruth } from './types.js';

/** Ground-truth box j of an image: 50x50 squares 100 px apart. */
const gtBox = (j: number): [number, number, number, number] => [100 * j, 0, 100 * j + 50, 50];
/** GT box j shifted right by s: IoU with it = (50 - s) / (50 + s). */
const shifted = (j: number, s: number): [number, number, number, number] => [100 * j + s, 0, 100 * j + s + 50, 50];
const far: [number, number, number, number] = [1000, 1000, 1040, 1040];

function expectClose(actual: readonly number[], expected: readonly number[], tol: number): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]!), `index ${i}: ${a} vs ${expected[i]}`).toBeLessThan(tol));
}

describe('averagePrecision: the rafaelpadilla/Object-Detection-Metrics README example', () => {
  // 7 images, 15 ground-truth boxes, 24 detections A..X, IoU threshold 30 %. The README's table (values
  // printed truncated to 4 decimals) and its results: 11-point AP 26.84 %, all-point AP 24.56 %.
  // Boxes here are made up to give the README's TP/FP column: TPs hit a new GT box, FPs are far away,
  // a duplicate of a found box (A), or overlap a box too little (U: IoU 0.28 < 0.3).
  const table: [string, number, 'TP' | 'FP', number, number][] = [
    // name, confidence, TP/FP, precision, recall (README)
    ['R', 0.95, 'TP', 1, 0.0666],
    ['Y', 0.95, 'FP', 0.5, 0.0666],
    ['J', 0.91, 'TP', 0.6666, 0.1333],
    ['A', 0.88, 'FP', 0.5, 0.1333],
    ['U', 0.84, 'FP', 0.4, 0.1333],
    ['C', 0.8, 'FP', 0.3333, 0.1333],
    ['M', 0.78, 'FP', 0.2857, 0.1333],
    ['F', 0.74, 'FP', 0.25, 0.1333],
    ['D', 0.71, 'FP', 0.2222, 0.1333],
    ['B', 0.7, 'TP', 0.3, 0.2],
    ['H', 0.67, 'FP', 0.2727, 0.2],
    ['P', 0.62, 'TP', 0.3333, 0.2666],
    ['E', 0.54, 'TP', 0.3846, 0.3333],
    ['X', 0.48, 'TP', 0.4285, 0.4],
    ['N', 0.45, 'FP', 0.4, 0.4],
    ['T', 0.45, 'FP', 0.375, 0.4],
    ['K', 0.44, 'FP', 0.3529, 0.4],
    ['Q', 0.44, 'FP', 0.3333, 0.4],
    ['V', 0.43, 'FP', 0.3157, 0.4],
    ['I', 0.38, 'FP', 0.3, 0.4],
    ['L', 0.35, 'FP', 0.2857, 0.4],
    ['S', 0.23, 'FP', 0.2727, 0.4],
    ['G', 0.18, 'TP', 0.3043, 0.4666],
    ['O', 0.14, 'FP', 0.2916, 0.4666],
  ];
  // Ground truth: box 0 of images 1..7 is found (by R, J, B, P, E, X, G), boxes 1 of images 1..7 and
  // box 2 of image 7 never are: 15 in all.
  const groundTruth: EvalGroundTruth[] = [];
  for (let img = 1; img <= 7; img++) for (let j = 0; j < (img === 7 ? 3 : 2); j++) groundTruth.push({ imageId: `img${img}`, box: gtBox(j) });
  const tpImage: Record<string, number> = { R: 1, J: 2, B: 3, P: 4, E: 5, X: 6, G: 7 };
  const boxOf = (name: string): { imageId: string; box: [number, number, number, number] } => {
    if (name === 'G') return { imageId: 'img7', box: shifted(0, 24) }; // IoU 26/74 = 0.351 >= 0.3: TP
    if (tpImage[name]) return { imageId: `img${tpImage[name]}`, box: gtBox(0) };
    if (name === 'A') return { imageId: 'img1', box: shifted(0, 5) }; // IoU 0.82 with R's box: duplicate
    if (name === 'U') return { imageId: 'img2', box: shifted(1, 28) }; // IoU 22/78 = 0.28 < 0.3
    return { imageId: `img${1 + (name.charCodeAt(0) % 7)}`, box: far };
  };
  const all: EvalDetection[] = table.map(([name, score]) => ({ ...boxOf(name), score }));
  // Input in a scrambled order; on equal scores (R/Y, N/T, K/Q) a stable sort keeps input order, so those
  // keep the README's order here.
  const order = [5, 0, 23, 16, 1, 9, 12, 3, 20, 14, 7, 22, 2, 17, 11, 6, 19, 4, 15, 21, 8, 13, 10, 18];
  const detections = order.map((i) => all[i]!);

  it('reproduces the TP/FP column and the precision-recall table', () => {
    const r = averagePrecision(detections, groundTruth, { iouThreshold: 0.3 });
    expect(r.detectionIndex.map((i) => table[order[i]!]![0])).toEqual(table.map((row) => row[0]));
    expect(r.matchedGroundTruth.map((g) => (g >= 0 ? 'TP' : 'FP'))).toEqual(table.map((row) => row[2]));
    expectClose(r.precision, table.map((row) => row[3]), 1e-4);
    expectClose(r.recall, table.map((row) => row[4]), 1e-4);
    expect([r.numGroundTruth, r.numDetections, r.truePositives, r.falsePositives, r.ignored]).toEqual([15, 24, 7, 17, 0]);
  });

  it('gives all-point AP 24.56 % and 11-point AP 26.84 %', () => {
    // Exact: the envelope is 1 on (0, 1/15], 2/3 on (1/15, 2/15], 6/14 = 3/7 on (2/15, 6/15], 7/23 on (6/15, 7/15].
    const allPoint = (1 + 2 / 3 + 4 * (3 / 7) + 7 / 23) / 15; // 0.245687 (README: 0.0666 + 0.04446 + 0.11428 + 0.02026 = 24.56 %)
    // 11-point: r >= 0 -> 1, r >= 0.1 -> 2/3, r >= 0.2, 0.3, 0.4 -> 3/7, r >= 0.5 .. 1 -> 0.
    const elevenPoint = (1 + 2 / 3 + 3 * (3 / 7)) / 11; // 0.268398 (README: 26.84 %)
    const a = averagePrecision(detections, groundTruth, { iouThreshold: 0.3, method: 'voc-all-point' }).ap;
    const b = averagePrecision(detections, groundTruth, { iouThreshold: 0.3, method: 'voc11' }).ap;
    expect(a).toBeCloseTo(allPoint, 12);
    expect(b).toBeCloseTo(elevenPoint, 12);
    expect(Math.abs(a - 0.2456)).toBeLessThan(1e-4);
    expect(b).toBeCloseTo(0.2684, 4);
  });

  it('at IoU 0.5 loses G (IoU 0.35) and so the last recall step', () => {
    const r = averagePrecision(detections, groundTruth, { iouThreshold: 0.5 });
    expect(r.truePositives).toBe(6);
    expect(r.ap).toBeCloseTo((1 + 2 / 3 + 4 * (3 / 7)) / 15, 12);
  });
});

describe('averagePrecision: a small case by hand, all three interpolations', () => {
  // 4 GT boxes in 2 images; ranked: 0.9 TP, 0.8 FP, 0.7 TP, 0.6 FP, 0.5 TP.
  //   rank  TP/FP  precision  recall
  //   1     TP     1          1/4
  //   2     FP     1/2        1/4
  //   3     TP     2/3        2/4
  //   4     FP     1/2        2/4
  //   5     TP     3/5        3/4
  const gts: EvalGroundTruth[] = [
    { imageId: 'a', box: gtBox(0) }, { imageId: 'a', box: gtBox(1) },
    { imageId: 'b', box: gtBox(0) }, { imageId: 'b', box: gtBox(1) },
  ];
  const dets: EvalDetection[] = [
    { imageId: 'b', box: far, score: 0.6 },
    { imageId: 'a', box: gtBox(0), score: 0.9 },
    { imageId: 'b', box: shifted(0, 10), score: 0.5 }, // IoU 40/60 = 0.667
    { imageId: 'a', box: gtBox(1), score: 0.7 },
    { imageId: 'a', box: far, score: 0.8 },
  ];

  it('builds the curve', () => {
    const r = averagePrecision(dets, gts);
    expect(r.precision).toEqual([1, 1 / 2, 2 / 3, 1 / 2, 3 / 5]);
    expect(r.recall).toEqual([1 / 4, 1 / 4, 2 / 4, 2 / 4, 3 / 4]);
    expect(r.scores).toEqual([0.9, 0.8, 0.7, 0.6, 0.5]);
    expect(r.detectionIndex).toEqual([1, 4, 3, 0, 2]);
    expect(r.matchedGroundTruth).toEqual([0, -1, 1, -1, 2]);
  });

  it('VOC all-point: 1/4 * 1 + 1/4 * 2/3 + 1/4 * 3/5 = 17/30', () => {
    expect(averagePrecision(dets, gts, { method: 'voc-all-point' }).ap).toBeCloseTo(17 / 30, 12);
  });

  it('VOC 11-point: (3 * 1 + 3 * 2/3 + 2 * 3/5 + 3 * 0) / 11 = 6.2 / 11', () => {
    expect(averagePrecision(dets, gts, { method: 'voc11' }).ap).toBeCloseTo(6.2 / 11, 12);
  });

  it('COCO 101-point: (26 * 1 + 25 * 2/3 + 25 * 3/5 + 25 * 0) / 101', () => {
    // thresholds 0 .. 0.25 (26) -> 1; 0.26 .. 0.50 (25) -> 2/3; 0.51 .. 0.75 (25) -> 3/5; 0.76 .. 1 -> 0
    expect(averagePrecision(dets, gts, { method: 'coco-101' }).ap).toBeCloseTo((26 + 25 * (2 / 3) + 25 * (3 / 5)) / 101, 12);
  });
});

describe('averagePrecision: matching rules and edge cases', () => {
  it('counts a second detection of a found box as a false positive (duplicate)', () => {
    const r = averagePrecision(
      [{ imageId: 1, box: gtBox(0), score: 0.9 }, { imageId: 1, box: shifted(0, 5), score: 0.8 }],
      [{ imageId: 1, box: gtBox(0) }],
    );
    expect([r.truePositives, r.falsePositives]).toEqual([1, 1]);
    expect(r.precision).toEqual([1, 0.5]);
    expect(r.recall).toEqual([1, 1]);
    expect(r.ap).toBe(1); // the envelope at recall 1 is 1
  });

  it('ignores difficult boxes: not counted in recall, detections on them neither TP nor FP', () => {
    const gts: EvalGroundTruth[] = [{ imageId: 1, box: gtBox(0), difficult: true }, { imageId: 1, box: gtBox(1) }];
    const dets: EvalDetection[] = [
      { imageId: 1, box: gtBox(0), score: 0.9 }, // on the difficult box: ignored
      { imageId: 1, box: gtBox(1), score: 0.8 }, // TP
      { imageId: 1, box: shifted(0, 2), score: 0.7 }, // on the difficult box again: VOC still ignores it (never marks it found)
      { imageId: 1, box: far, score: 0.6 }, // FP
    ];
    const voc = averagePrecision(dets, gts, { matching: 'voc' });
    expect(voc).toMatchObject({ numGroundTruth: 1, ignored: 2, precision: [1, 0.5], recall: [1, 1], ap: 1 });
    // pycocotools lets an ignored (non-crowd) box absorb one detection only: the 0.7 one becomes a FP.
    const coco = averagePrecision(dets, gts, { matching: 'coco' });
    expect(coco).toMatchObject({ numGroundTruth: 1, ignored: 1, precision: [1, 1 / 2, 1 / 3], recall: [1, 1, 1], ap: 1 });
  });

  it("VOC takes the best-IoU box even when found; COCO takes the best unmatched one", () => {
    // A = [0,0,10,10], B = [2,0,12,10]. The second detection [0.5,0,10.5,10] has IoU 95/105 = 0.905 with A
    // (already found by the first) and 85/115 = 0.739 with B.
    const gts: EvalGroundTruth[] = [{ imageId: 0, box: [0, 0, 10, 10] }, { imageId: 0, box: [2, 0, 12, 10] }];
    const dets: EvalDetection[] = [{ imageId: 0, box: [0, 0, 10, 10], score: 0.9 }, { imageId: 0, box: [0.5, 0, 10.5, 10], score: 0.8 }];
    const voc = averagePrecision(dets, gts, { matching: 'voc' });
    expect(voc.matchedGroundTruth).toEqual([0, -1]);
    expect(voc.ap).toBeCloseTo(0.5, 12); // recall 1/2 at precision 1
    const coco = averagePrecision(dets, gts, { matching: 'coco' });
    expect(coco.matchedGroundTruth).toEqual([0, 1]);
    expect(coco.ap).toBe(1);
  });

  it('matches at IoU >= threshold (IoU exactly 0.5 counts at 0.5, not at 0.51)', () => {
    const gts = [{ imageId: 0, box: [0, 0, 10, 10] }];
    const dets = [{ imageId: 0, box: [0, 0, 10, 5], score: 1 }]; // IoU 50/100
    expect(averagePrecision(dets, gts, { iouThreshold: 0.5 }).truePositives).toBe(1);
    expect(averagePrecision(dets, gts, { iouThreshold: 0.51 }).truePositives).toBe(0);
    expect(averagePrecision(dets, gts, { iouThreshold: 0.5, matching: 'coco' }).truePositives).toBe(1);
  });

  it('does not match across images', () => {
    const r = averagePrecision([{ imageId: 'x', box: gtBox(0), score: 1 }], [{ imageId: 'y', box: gtBox(0) }]);
    expect([r.truePositives, r.falsePositives, r.ap]).toEqual([0, 1, 0]);
  });

  it('no detections: AP 0 and empty curves; no ground truth: AP NaN', () => {
    const none = averagePrecision([], [{ imageId: 0, box: gtBox(0) }]);
    expect(none).toMatchObject({ ap: 0, numGroundTruth: 1, numDetections: 0, precision: [], recall: [] });
    for (const method of ['voc-all-point', 'voc11', 'coco-101'] as const) expect(averagePrecision([], [{ imageId: 0, box: gtBox(0) }], { method }).ap).toBe(0);
    const noGt = averagePrecision([{ imageId: 0, box: gtBox(0), score: 1 }], []);
    expect(noGt.ap).toBeNaN();
    expect(noGt.falsePositives).toBe(1);
    expect(noGt.recall[0]).toBeNaN();
  });

  it('keeps only the best maxDetectionsPerImage per image', () => {
    const dets = [
      { imageId: 0, box: far, score: 0.9 },
      { imageId: 0, box: far, score: 0.8 },
      { imageId: 0, box: gtBox(0), score: 0.7 },
    ];
    expect(averagePrecision(dets, [{ imageId: 0, box: gtBox(0) }], { maxDetectionsPerImage: 2 }).ap).toBe(0);
    expect(averagePrecision(dets, [{ imageId: 0, box: gtBox(0) }], { maxDetectionsPerImage: 3 }).ap).toBeCloseTo(1 / 3, 12);
  });

  it('reads other box formats', () => {
    const xyxy = averagePrecision([{ imageId: 0, box: [10, 20, 30, 60], score: 1 }], [{ imageId: 0, box: [10, 20, 30, 50] }]);
    const xywh = averagePrecision([{ imageId: 0, box: [10, 20, 20, 40], score: 1 }], [{ imageId: 0, box: [10, 20, 20, 30] }], { format: 'xywh' });
    const cxcywh = averagePrecision([{ imageId: 0, box: [20, 40, 20, 40], score: 1 }], [{ imageId: 0, box: [20, 35, 20, 30] }], { format: 'cxcywh' });
    expect(xyxy.ap).toBe(1); // IoU 600/800 = 0.75
    expect(xywh.ap).toBe(1);
    expect(cxcywh.ap).toBe(1);
    expect(averagePrecision([{ imageId: 0, box: [10, 20, 30, 60], score: 1 }], [{ imageId: 0, box: [10, 20, 30, 50] }], { iouThreshold: 0.76 }).ap).toBe(0);
  });

  it('all-point AP equals the mean over GT boxes of the envelope at each TP (an independent formula)', () => {
    // AP_all = (1/npos) Σ_{k TP} max_{j >= k} precision_j — checked on pseudo-random scenes.
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 20; trial++) {
      const gts: EvalGroundTruth[] = [];
      const dets: EvalDetection[] = [];
      for (let img = 0; img < 4; img++) {
        const n = 1 + Math.floor(rand() * 4);
        for (let j = 0; j < n; j++) gts.push({ imageId: img, box: gtBox(j) });
        for (let k = 0; k < 6; k++) dets.push({ imageId: img, box: rand() < 0.5 ? shifted(Math.floor(rand() * 5), Math.floor(rand() * 20)) : far, score: rand() });
      }
      const r = averagePrecision(dets, gts);
      let expected = 0;
      r.matchedGroundTruth.forEach((g, k) => {
        if (g >= 0) expected += Math.max(...r.precision.slice(k)) / r.numGroundTruth;
      });
      expect(r.ap).toBeCloseTo(expected, 12);
    }
  });
});

describe('meanAveragePrecision', () => {
  it('averages over classes with ground truth; no-GT classes are NaN and left out', () => {
    const gts: EvalGroundTruth[] = [
      { imageId: 0, class: 0, box: gtBox(0) },
      { imageId: 0, class: 2, box: gtBox(1) },
    ];
    const dets: EvalDetection[] = [
      { imageId: 0, class: 0, box: gtBox(0), score: 0.9 }, // class 0: AP 1
      { imageId: 0, class: 1, box: gtBox(2), score: 0.9 }, // class 1: no GT -> NaN
      { imageId: 0, class: 0, box: gtBox(1), score: 0.8 }, // right box, wrong class: FP for class 0 (AP stays 1)
    ]; // class 2: GT but no detections -> AP 0
    const r = meanAveragePrecision(dets, gts, { classNames: ['sun', 'moon', 'star', 'ring'] });
    expect(r.classes.map((c) => c.name)).toEqual(['sun', 'moon', 'star', 'ring']);
    expect(r.classes[0]!.ap).toBe(1);
    expect(r.classes[0]!.falsePositives).toBe(1);
    expect(r.classes[1]!.ap).toBeNaN();
    expect(r.classes[2]!.ap).toBe(0);
    expect(r.classes[3]!.ap).toBeNaN();
    expect(r.map).toBe(0.5);
    const inferred = meanAveragePrecision(dets, gts);
    expect(inferred.classes.map((c) => [c.class, c.name])).toEqual([[0, 'class 0'], [1, 'class 1'], [2, 'class 2']]);
    expect(meanAveragePrecision(dets, []).map).toBeNaN();
  });
});

describe('apFromPrecisionRecall and validation', () => {
  it('computes AP from a given curve and checks it', () => {
    expect(apFromPrecisionRecall([0.5, 1], [1, 0.5], 'voc-all-point')).toBe(0.5 * 1 + 0.5 * 0.5);
    expect(apFromPrecisionRecall([], [], 'coco-101')).toBe(0);
    expect(COCO_RECALL_THRESHOLDS).toHaveLength(101);
    expect(COCO_RECALL_THRESHOLDS[100]).toBe(1);
    expect(() => apFromPrecisionRecall([0.5, 0.4], [1, 1])).toThrow(/non-decreasing/);
    expect(() => apFromPrecisionRecall([0.5], [1, 1])).toThrow(ShapeMismatchError);
    expect(() => apFromPrecisionRecall([1.5], [1])).toThrow(InvalidArgumentError);
  });

  it('rejects bad input with the argument named', () => {
    const gt = [{ imageId: 0, box: gtBox(0) }];
    const bad = (f: () => unknown, pattern: RegExp) => expect(f).toThrow(pattern);
    bad(() => averagePrecision([{ imageId: 0, box: [0, 0, 1, 1], score: NaN }], gt), /detections\[0\]\.score/);
    bad(() => averagePrecision([{ imageId: 0, box: [5, 0, 1, 1], score: 1 }], gt), /detections\[0\]\.box.*x2 >= x1/);
    bad(() => averagePrecision([], [{ imageId: 0, box: [0, 0, 1] }]), /groundTruth\[0\]\.box/);
    bad(() => averagePrecision([], [{ imageId: {} as unknown as string, box: [0, 0, 1, 1] }]), /groundTruth\[0\]\.imageId/);
    bad(() => averagePrecision([], gt, { iouThreshold: 1.5 }), /options\.iouThreshold/);
    bad(() => averagePrecision([], gt, { method: 'voc12' as 'voc11' }), /options\.method/);
    bad(() => averagePrecision([], gt, { maxDetectionsPerImage: 0 }), /options\.maxDetectionsPerImage/);
    bad(() => averagePrecision(null as unknown as [], gt), /'detections'/);
    bad(() => meanAveragePrecision([{ imageId: 0, class: 3, box: [0, 0, 1, 1], score: 1 }], gt, { numClasses: 2 }), /detections\[0\]\.class/);
    bad(() => meanAveragePrecision([], gt, { classNames: ['a'], numClasses: 2 }), /options\.numClasses/);
    expect(() => averagePrecision([], [{ imageId: 0, box: [0, 0, 1, 1], difficult: 'yes' as unknown as boolean }])).toThrow(InvalidArgumentError);
  });
});
