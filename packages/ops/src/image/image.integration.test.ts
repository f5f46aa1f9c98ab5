/** Real photos from the data sets (CNN_DATA_PATH): a 1-channel JPEG and a colour photo. */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../backend/backend.js';
import { decodeImage } from './decode-image.js';

const data = process.env['CNN_DATA_PATH']?.split(':')[0];

describe.runIf(data)('decodeImage on real data (CNN_DATA_PATH)', () => {
  beforeAll(async () => {
    await ready();
  });

  it('expands the grayscale raccoon JPEG to 3 equal channels', async () => {
    const t = await decodeImage(join(data!, 'raccoon/images/raccoon-150.jpg'));
    expect(t.shape[2]).toBe(3);
    const v = t.dataSync();
    for (let i = 0; i < v.length; i += 3 * 97) expect(v[i]).toBe(v[i + 1]);
    t.dispose();
  });

  it('decodes darknet dog.jpg (768x576) with plausible colours', async () => {
    const t = await decodeImage(join(data!, 'darknet-samples/dog.jpg'));
    expect(t.shape).toEqual([576, 768, 3]);
    const mean = tf.tidy(() => tf.mean(tf.cast(t, 'float32')).dataSync()[0]!);
    expect(mean).toBeGreaterThan(40);
    expect(mean).toBeLessThan(200);
    t.dispose();
  });
});

describe.skipIf(data)('decodeImage on real data', () => {
  it('needs CNN_DATA_PATH (CI sets it to ../shared/data)', () => {
    expect(data).toBeUndefined();
  });
});
