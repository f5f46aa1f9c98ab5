import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@cnn/ops';
import { expectNoLeaks } from '@cnn/ops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePredictions, readLabels } from './classify.js';

beforeAll(async () => {
  await ready();
});

describe('decodePredictions / readLabels', () => {
  it('ranks classes per image; softmax first for logits', async () => {
    const labels = ['cat', 'dog', 'fox'];
    const probs = tf.tensor2d([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]]);
    const out = await expectNoLeaks(() => decodePredictions(probs, labels, { topK: 2 }));
    expect(out.map((r) => r.map((p) => p.label))).toEqual([['dog', 'fox'], ['cat', 'fox']]);
    expect(out[0]![0]!.probability).toBeCloseTo(0.7, 6);
    const logits = tf.tensor1d([0, Math.log(3), 0]);
    const [row] = await decodePredictions(logits, labels, { topK: 1, fromLogits: true });
    expect(row![0]).toEqual({ classIndex: 1, label: 'dog', probability: expect.closeTo(0.6, 6) as number });
    await expect(decodePredictions(probs, ['a', 'b'])).rejects.toThrow(/labels/);
    await expect(decodePredictions(probs, labels, { topK: 4 })).rejects.toThrow(/options.topK/);
    tf.dispose([probs, logits]);
  });

  it('reads one label per line', async () => {
    const f = join(await mkdtemp(join(tmpdir(), 'labels-')), 'l.txt');
    await writeFile(f, 'kit fox\nEnglish setter\n');
    expect(await readLabels(f)).toEqual(['kit fox', 'English setter']);
  });
});
