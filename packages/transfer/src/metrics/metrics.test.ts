import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClassifier } from '../model/classifier.js';
import { colorData, tinyBackbone } from '../model/test-support/tiny.js';
import { accuracy, classificationReport, confusionMatrix, formatClassificationReport } from './classification-metrics.js';
import { evaluateClassifier } from './evaluate.js';
import { learningCurves } from './learning-curves.js';
import { textWidth } from '@cnn/ops';
import { heatColor, renderConfusionMatrix } from './render-confusion-matrix.js';

beforeAll(async () => {
  await ready({ backend: 'wasm' });
});

const yTrue = [0, 0, 0, 1, 1, 2];
const yPred = [0, 0, 1, 1, 2, 2];

describe('classification metrics (hand-computed)', () => {
  it('confusion matrix rows = true, columns = predicted; accuracy', () => {
    expect(confusionMatrix(yTrue, yPred)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(accuracy(yTrue, yPred)).toBeCloseTo(4 / 6, 12);
    expect(confusionMatrix([1], [1], 4)).toEqual([[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
  });

  it('takes one-hot / score tensors (argmax) without leaking', async () => {
    const t = tf.oneHot(tf.tensor1d(yTrue, 'int32'), 3);
    const p = tf.tensor2d(yPred.map((c) => [0.1, 0.2, 0.3].map((v, k) => (k === c ? 0.9 : v))));
    const m = await expectNoLeaks(() => confusionMatrix(t, p));
    expect(m).toEqual(confusionMatrix(yTrue, yPred));
    expect(confusionMatrix([[0.2, 0.8]], [[0.9, 0.1]])).toEqual([[0, 0], [1, 0]]);
    tf.dispose([t, p]);
  });

  it('per-class precision, recall, F1, support; macro and weighted means', () => {
    const r = classificationReport(confusionMatrix(yTrue, yPred), ['a', 'b', 'c']);
    const expected = [
      { label: 'a', precision: 1, recall: 2 / 3, f1: 0.8, support: 3 },
      { label: 'b', precision: 0.5, recall: 0.5, f1: 0.5, support: 2 },
      { label: 'c', precision: 0.5, recall: 1, f1: 2 / 3, support: 1 },
    ];
    r.perClass.forEach((m, i) => {
      const e = expected[i]!;
      expect(m.label).toBe(e.label);
      expect(m.support).toBe(e.support);
      for (const k of ['precision', 'recall', 'f1'] as const) expect(m[k]).toBeCloseTo(e[k], 12);
    });
    expect(r.accuracy).toBeCloseTo(4 / 6, 12);
    expect(r.macro.precision).toBeCloseTo(2 / 3, 12);
    expect(r.macro.recall).toBeCloseTo(13 / 18, 12);
    expect(r.macro.f1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(r.weighted.f1).toBeCloseTo((0.8 * 3 + 0.5 * 2 + 2 / 3) / 6, 12);
    expect(formatClassificationReport(r)).toMatch(/^a\s+1\.000\s+0\.667\s+0\.800\s+3$/m);
  });

  it('a class never predicted and never present scores 0, not NaN; bad input is typed', () => {
    const r = classificationReport([[1, 0], [0, 0]]);
    expect(r.perClass[1]).toEqual({ label: '1', precision: 0, recall: 0, f1: 0, support: 0 });
    expect(() => classificationReport([[1, 2]])).toThrow(InvalidArgumentError);
    expect(() => classificationReport([[1]], ['a', 'b'])).toThrow(ShapeMismatchError);
    expect(() => accuracy([0, 1], [0])).toThrow(ShapeMismatchError);
    expect(() => confusionMatrix([0, -1], [0, 0])).toThrow(InvalidArgumentError);
  });
});

describe('renderConfusionMatrix', () => {
  it('is never narrower than its title', () => {
    const title = 'a title much longer than two cells';
    const pic = renderConfusionMatrix([[1, 0], [0, 1]], ['a', 'b'], { cellSize: 32, title });
    expect(pic.width).toBeGreaterThanOrEqual(textWidth(title, 2) + 8);
  });
  it('draws a heat map by row share with every count written', () => {
    const m = [[8, 2], [0, 5]];
    const pic = renderConfusionMatrix(m, ['cat', 'dog'], { cellSize: 40, title: 'test' });
    expect(pic.pixels.length).toBe(pic.width * pic.height * 3);
    const at = (x: number, y: number) => Array.from(pic.pixels.subarray(3 * (y * pic.width + x), 3 * (y * pic.width + x) + 3));
    // Find the grid: the first cell's top-left corner is where the gray border starts after the row labels.
    const left = pic.width - 10 - 2 * 40;
    const top = pic.height - (9 + 14) - 2 * 40;
    const cellColor = (i: number, j: number) => at(left + j * 40 + 3, top + i * 40 + 3);
    expect(cellColor(0, 0)).toEqual(heatColor(0.8));
    expect(cellColor(0, 1)).toEqual(heatColor(0.2));
    expect(cellColor(1, 0)).toEqual([255, 255, 255]);
    expect(cellColor(1, 1)).toEqual(heatColor(1));
    // The count in a dark cell is white text: some white pixels inside the cell.
    let white = 0;
    for (let y = 0; y < 40; y++) for (let x = 1; x < 40; x++) if (at(left + 40 + x, top + 40 + y).every((v) => v === 255)) white++;
    expect(white).toBeGreaterThan(5);
    // In the empty cell, the "0" is black text.
    let dark = 0;
    for (let y = 1; y < 40; y++) for (let x = 1; x < 40; x++) if (at(left + x, top + 40 + y).every((v) => v === 0)) dark++;
    expect(dark).toBeGreaterThan(5);
    expect(heatColor(0)).toEqual([255, 255, 255]);
    expect(heatColor(1)).toEqual([8, 48, 107]);
  });

  it('checks its input', () => {
    expect(() => renderConfusionMatrix([[1, 2]], ['a'])).toThrow(InvalidArgumentError);
    expect(() => renderConfusionMatrix([[1]], ['a', 'b'])).toThrow(ShapeMismatchError);
  });
});

describe('learningCurves', () => {
  const count = (pic: { pixels: Uint8Array }, rgb: number[]) => {
    let n = 0;
    for (let i = 0; i < pic.pixels.length; i += 3) if (pic.pixels[i] === rgb[0] && pic.pixels[i + 1] === rgb[1] && pic.pixels[i + 2] === rgb[2]) n++;
    return n;
  };
  it('stacks loss over accuracy, with validation curves in a second color', () => {
    const h = { history: { loss: [1, 0.6, 0.4], acc: [0.5, 0.7, 0.9], val_loss: [1.1, 0.8, 0.7], val_acc: [0.4, 0.6, 0.7] } };
    const pic = learningCurves(h, { width: 320, height: 400 });
    expect([pic.width, pic.height, pic.pixels.length]).toEqual([320, 400, 320 * 400 * 3]);
    const orange = [255, 127, 14];
    const blue = [31, 119, 180];
    const half = (top: boolean) => ({ pixels: top ? pic.pixels.subarray(0, 320 * 200 * 3) : pic.pixels.subarray(320 * 200 * 3) });
    expect(count(half(true), orange)).toBeGreaterThan(20);
    expect(count(half(false), orange)).toBeGreaterThan(20);
    expect(count(half(true), blue)).toBeGreaterThan(20);
    const noVal = learningCurves({ loss: [1, 0.5], acc: [0.5, 0.8] }, { width: 320, height: 400 });
    expect(count(noVal, orange)).toBe(0);
    expect(() => learningCurves({})).toThrow(InvalidArgumentError);
  });
});

describe('evaluateClassifier', () => {
  it('agrees with argmax of predict on every batch', async () => {
    const c = createClassifier({ backbone: await tinyBackbone(), labels: ['r', 'g', 'b'], seed: 4 });
    const { x, y, labels } = colorData(9);
    const e = await expectNoLeaks(() => evaluateClassifier(c, [{ x, y }]));
    const p = c.predict(x);
    const am = tf.argMax(p, -1);
    const pred = Array.from(am.dataSync());
    am.dispose();
    expect(e.yTrue).toEqual(labels);
    expect(e.yPred).toEqual(pred);
    expect(e.confusion).toEqual(confusionMatrix(labels, pred, 3));
    expect(e.report.perClass.map((m) => m.label)).toEqual(['r', 'g', 'b']);
    tf.dispose([x, y, p]);
    c.dispose();
  });
});
