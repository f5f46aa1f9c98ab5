import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { InvalidArgumentError } from '../errors/errors.js';
import { expectNoLeaks } from '../testing/index.js';
import { assertBoxes, assertBoxFormat, assertBoxTensor, readBox, toXyxyFlat } from './validate-boxes.js';

describe('box validation', () => {
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
  });

  it('accepts valid boxes: tuples, typed arrays, object forms, zero-area boxes', async () => {
    await expectNoLeaks(() => {
      assertBoxes([[0, 0, 1, 1], Float32Array.of(0, 0, 0, 0), { x1: 1, y1: 1, x2: 1, y2: 3 }], 'boxes');
      assertBoxes([[5, 5, 0, 0], { cx: 5, cy: 5, w: 0, h: 2 }], 'boxes', 'cxcywh');
      assertBoxFormat('xywh', 'format');
    });
    expect(readBox({ x: 1, y: 2, w: 3, h: 4 }, 'b', 'xywh')).toEqual([1, 2, 3, 4]);
    expect(Array.from(toXyxyFlat([[1, 2, 3, 4]], 'xywh'))).toEqual([1, 2, 4, 6]);
    expect(Array.from(toXyxyFlat([[1, 2, 3, 4]], 'cxcywh'))).toEqual([-0.5, 0, 2.5, 4]);
  });

  it('errors carry the argument, what was expected and what came', () => {
    let error: unknown;
    try {
      assertBoxes([[0, 0, 1, 1], [2, 0, 1, 1]], 'gt');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const e = error as InvalidArgumentError;
    expect(e.argument).toBe('gt[1]');
    expect(e.expected).toMatch(/x2 >= x1/);
    expect(e.received).toBe('[2, 0, 1, 1]');
    expect(e.code).toBe('INVALID_ARGUMENT');
  });

  it('rejects bad boxes, formats and tensors', () => {
    const t35 = tf.zeros([3, 5]);
    const t4 = tf.zeros([4]);
    const i34 = tf.zeros([3, 4], 'int32');
    const disposed = tf.zeros([3, 4]);
    disposed.dispose();
    const cases: [() => unknown, RegExp][] = [
      [() => assertBoxes([[0, 0, 1, Number.NaN]], 'boxes'), /'boxes\[0\]'.*finite.*NaN/],
      [() => assertBoxes([[0, 0, 1, '1']] as never, 'boxes'), /'boxes\[0\]'/],
      [() => assertBoxes([[0, 1, 1, 0]], 'boxes'), /'boxes\[0\]'.*y2 >= y1/],
      [() => assertBoxes([[0, 0, 1, 1, 1]], 'boxes'), /'boxes\[0\]'.*4 numbers/],
      [() => assertBoxes([null], 'boxes'), /'boxes\[0\]'/],
      [() => assertBoxes({ length: 1 }, 'boxes'), /'boxes'.*array/],
      [() => assertBoxes([{ x1: 0, y1: 0, x2: 1 }], 'boxes'), /'boxes\[0\]'.*\{ x1, y1, x2, y2 \}/],
      [() => assertBoxes([{ x: 0, y: 0, w: -1, h: 1 }], 'boxes', 'xywh'), /w >= 0/],
      [() => assertBoxFormat('XYXY', 'format'), /'format'.*one of 'xyxy', 'xywh', 'cxcywh'/],
      [() => assertBoxTensor(t35, 'boxes'), /'boxes'.*\[N, 4\].*\[3, 5\]/],
      [() => assertBoxTensor(t4, 'boxes'), /'boxes'/],
      [() => assertBoxTensor(i34, 'boxes'), /'boxes'.*float32/],
      [() => assertBoxTensor(disposed, 'boxes'), /'boxes'.*disposed/],
      [() => assertBoxTensor([[0, 0, 1, 1]], 'boxes'), /'boxes'/],
    ];
    for (const [fn, message] of cases) {
      expect(fn).toThrow(InvalidArgumentError);
      expect(fn).toThrow(message);
    }
    tf.dispose([t35, t4, i34]);
  });
});
