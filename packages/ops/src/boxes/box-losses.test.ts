import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/errors.js';
import { convertBoxReference, giouReference, iouReference } from '../reference/boxes.js';
import { randomValues } from '../test-support/random.js';
import { describeEachBackend, expectNoLeaks, expectTensorsClose } from '../testing/index.js';
import { giouLoss, iouLoss } from './box-losses.js';
import type { Box } from './box-types.js';
import { randomBoxes } from './test-boxes.js';

const TOL = { rtol: 1e-4, atol: 1e-5 };

/** Matched pairs of boxes: targets, and predictions near them (off the grid, so no min/max ties). */
function pairs(n: number, seed: number): { pred: Box[]; target: Box[] } {
  const target = randomBoxes(n, seed).map(([x1, y1, x2, y2]): Box => [x1, y1, x2 + 1, y2 + 1]);
  const v = randomValues(n * 4, seed + 1, -3, 3);
  const pred = target.map(([x1, y1, x2, y2], i): Box => {
    const [a, b, c, d] = [v[i * 4]!, v[i * 4 + 1]!, v[i * 4 + 2]!, v[i * 4 + 3]!];
    return [x1 + a, y1 + b, Math.max(x2 + c, x1 + a + 0.5), Math.max(y2 + d, y1 + b + 0.5)];
  });
  return { pred, target };
}

/** Hard cases for gradients: disjoint, identical, zero-area, touching, nested, and an inverted prediction. */
const EDGE_PRED: Box[] = [[0, 0, 1, 1], [0, 0, 2, 2], [1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 1, 1], [1, 1, 2, 2], [2, 2, 1, 1]];
const EDGE_TARGET: Box[] = [[2, 0, 3, 1], [0, 0, 2, 2], [0, 0, 2, 2], [1, 1, 1, 1], [1, 0, 2, 1], [0, 0, 3, 3], [0, 0, 2, 2]];

describeEachBackend('iouLoss and giouLoss', () => {
  const { pred, target } = pairs(200, 11);

  it('values match 1 − IoU and 1 − GIoU of the reference, every reduction and format', () => {
    const p = tf.tensor2d(pred);
    const t = tf.tensor2d(target);
    const refIou = pred.map((b, i) => 1 - iouReference(b, target[i]!));
    const refGiou = pred.map((b, i) => 1 - giouReference(b, target[i]!));
    expectTensorsClose(iouLoss(p, t, { reduction: 'none' }), refIou, TOL);
    expectTensorsClose(giouLoss(p, t, { reduction: 'none' }), refGiou, TOL);
    expectTensorsClose(giouLoss(p, t, { reduction: 'sum' }), refGiou.reduce((a, b) => a + b, 0), TOL);
    expectTensorsClose(iouLoss(p, t), refIou.reduce((a, b) => a + b, 0) / refIou.length, TOL);
    const pc = tf.tensor2d(pred.map((b) => convertBoxReference(b, 'xyxy', 'cxcywh')));
    const tc = tf.tensor2d(target.map((b) => convertBoxReference(b, 'xyxy', 'cxcywh')));
    expectTensorsClose(giouLoss(pc, tc, { format: 'cxcywh', reduction: 'none' }), refGiou, TOL);
    tf.tidy(() => {
      // Hand-checked: identical 0; disjoint IoU loss 1 and GIoU loss 1 + 1/3; an empty batch has mean 0.
      const a = tf.tensor2d([[0, 0, 2, 2], [0, 0, 1, 1]]);
      const b = tf.tensor2d([[0, 0, 2, 2], [2, 0, 3, 1]]);
      expectTensorsClose(iouLoss(a, b, { reduction: 'none' }), [0, 1]);
      expectTensorsClose(giouLoss(a, b, { reduction: 'none' }), [0, 4 / 3]);
      const none = tf.zeros([0, 4]) as tf.Tensor2D;
      expectTensorsClose(giouLoss(none, none), 0);
      expect(giouLoss(none, none, { reduction: 'none' }).shape).toEqual([0]);
    });
    tf.dispose([p, t, pc, tc]);
  });

  it('gradients match finite differences of the reference', () => {
    const few = pairs(12, 21);
    const p = tf.tensor2d(few.pred);
    const t = tf.tensor2d(few.target);
    for (const [loss, ref] of [[iouLoss, iouReference], [giouLoss, giouReference]] as const) {
      const g = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor2D, t, { reduction: 'sum' }))(p);
      const h = 1e-6;
      const numeric = few.pred.flatMap((b, i) =>
        b.map((_, k) => {
          const up = [...b] as Box;
          const down = [...b] as Box;
          up[k] = b[k]! + h;
          down[k] = b[k]! - h;
          return (ref(down, few.target[i]!) - ref(up, few.target[i]!)) / (2 * h); // d(1 − IoU)/dx
        }),
      );
      expectTensorsClose(g, numeric, { rtol: 1e-3, atol: 1e-4 });
      g.dispose();
    }
    tf.dispose([p, t]);
  });

  it('gradients are finite for disjoint, identical, zero-area, touching, nested and inverted boxes', () => {
    const p = tf.tensor2d(EDGE_PRED);
    const t = tf.tensor2d(EDGE_TARGET);
    for (const loss of [iouLoss, giouLoss]) {
      for (const format of ['xyxy', 'cxcywh'] as const) {
        const value = loss(p, t, { format, reduction: 'none' });
        expect(Array.from(value.dataSync()).every(Number.isFinite)).toBe(true);
        const g = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor2D, t, { format }))(p);
        expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
        tf.dispose([value, g]);
      }
    }
    // GIoU pulls the disjoint box towards its target (right edge +x lowers the loss); IoU loss gives no signal.
    const gg = tf.grad((x: tf.Tensor) => giouLoss(x as tf.Tensor2D, t, { reduction: 'sum' }))(p);
    const gi = tf.grad((x: tf.Tensor) => iouLoss(x as tf.Tensor2D, t, { reduction: 'sum' }))(p);
    expect(gg.dataSync()[2]!).toBeLessThan(0);
    expectTensorsClose(gi.slice([0, 0], [1, 4]), [[0, 0, 0, 0]]);
    tf.dispose([p, t, gg, gi]);
  });

  it('no leaks', async () => {
    const p = tf.tensor2d(pred.slice(0, 5));
    const t = tf.tensor2d(target.slice(0, 5));
    for (const loss of [iouLoss, giouLoss])
      for (const reduction of ['mean', 'sum', 'none'] as const) {
        const out = await expectNoLeaks(() => loss(p, t, { reduction, format: 'xywh' }), { allowReturned: true });
        out.dispose();
      }
    await expectNoLeaks(() => tf.grad((x: tf.Tensor) => giouLoss(x as tf.Tensor2D, t))(p).dispose());
    tf.dispose([p, t]);
  });

  it('bad input: InvalidArgumentError naming the argument', () => {
    const p = tf.zeros([2, 4]) as tf.Tensor2D;
    const p3 = tf.zeros([2, 3]) as tf.Tensor2D;
    const t3 = tf.zeros([3, 4]) as tf.Tensor2D;
    const ints = tf.zeros([2, 4], 'int32') as tf.Tensor2D;
    const cases: [() => unknown, RegExp][] = [
      [() => iouLoss(p3, p), /'pred'.*\[N, 4\]/],
      [() => giouLoss(p, p3), /'target'/],
      [() => giouLoss(p, t3), /'target'.*\[2, 4\]/],
      [() => iouLoss(ints, p), /'pred'.*float32/],
      [() => iouLoss([[0, 0, 1, 1]] as never, p), /'pred'/],
      [() => iouLoss(p, p, { reduction: 'avg' as never }), /'options\.reduction'/],
      [() => giouLoss(p, p, { format: 'yolo' as never }), /'options\.format'/],
      [() => giouLoss(p, p, null as never), /'options'/],
    ];
    for (const [fn, message] of cases) {
      expect(fn).toThrow(InvalidArgumentError);
      expect(fn).toThrow(message);
    }
    tf.dispose([p, p3, t3, ints]);
  });
});
