import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage, ready, sniffImageFormat } from '@cnn/ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderPrCurves, writePrCurves } from './pr-curve-plot.js';

describe('PR curve plot', () => {
  beforeAll(async () => {
    await ready({ backend: 'cpu' });
  });

  it('draws the curve in its color on a white picture', () => {
    const red = [255, 0, 0] as const;
    const { width, height, data } = renderPrCurves([{ recall: [0.5, 0.5], precision: [1, 0.5], color: red, label: 'x' }], { width: 200, height: 150 });
    expect([width, height, data.length]).toEqual([200, 150, 200 * 150 * 4]);
    const at = (x: number, y: number) => [...data.subarray((y * width + x) * 4, (y * width + x) * 4 + 4)];
    // Plot area: x = 34 + r * (188 - 34), y = 120 - p * (120 - 12). The vertical segment at recall 0.5 runs
    // from precision 1 (y 12) to 0.5 (y 66), at x = 111.
    expect(at(111, 40)).toEqual([255, 0, 0, 255]);
    expect(at(150, 40)).toEqual([255, 255, 255, 255]); // off the curve and the grid
    expect(at(34, 100)).toEqual([0, 0, 0, 255]); // the y axis
    let reds = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] === 255 && data[i + 1] === 0) reds++;
    expect(reds).toBeGreaterThan(54 * 2 - 5); // 55 rows x 2 px line (plus the legend swatch)
  });

  it('writes a PNG', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cnn-pr-'));
    try {
      const path = await writePrCurves(join(dir, 'pr.png'), [
        { recall: [0.25, 0.25, 0.5, 0.5, 0.75], precision: [1, 0.5, 2 / 3, 0.5, 0.6], name: 'sun', ap: 17 / 30 },
        { recall: [0.5, 1], precision: [1, 0.8], name: 'moon', ap: 0.9 },
      ], { title: 'PR curves' });
      const bytes = await readFile(path);
      expect(sniffImageFormat(bytes)).toBe('PNG');
      const img = await decodeImage(bytes, { channels: 4 });
      expect(img.shape).toEqual([480, 640, 4]);
      img.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad curves and options', () => {
    expect(() => renderPrCurves([{ recall: [0.5], precision: [1, 1] }])).toThrow(/curves\[0\]\.precision/);
    expect(() => renderPrCurves([{ recall: [NaN], precision: [1] }])).toThrow(/curves\[0\]\.recall\[0\]/);
    expect(() => renderPrCurves([], { width: 10 })).toThrow(/options\.width/);
    expect(() => renderPrCurves([{ recall: [], precision: [], color: [300, 0, 0] }])).toThrow(/color/);
  });
});
