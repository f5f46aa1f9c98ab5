import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/errors.js';
import { renderLinePlot } from './line-plot.js';

const at = (p: ReturnType<typeof renderLinePlot>, x: number, y: number) => Array.from(p.pixels.slice(3 * (y * p.width + x), 3 * (y * p.width + x) + 3));

describe('renderLinePlot', () => {
  it('draws a rising line from the bottom-left to the top-right of the plot area in the series color', () => {
    const p = renderLinePlot([{ x: [0, 10], y: [1, 2], color: [255, 0, 0] }], { width: 200, height: 120 });
    expect(p.pixels.length).toBe(200 * 120 * 3);
    // plot area: left 64, right 184, top 12, bottom 90 — the line's ends sit at its corners.
    expect(at(p, 64, 90)).toEqual([255, 0, 0]);
    expect(at(p, 184, 12)).toEqual([255, 0, 0]);
    expect(at(p, 124, 51)).toEqual([255, 0, 0]); // the middle
    expect(at(p, 190, 110)).toEqual([255, 255, 255]); // background stays white
  });

  it('log scale: a geometric series is a straight line; non-positive values are skipped', () => {
    const p = renderLinePlot([{ x: [0, 1, 2, 3], y: [1000, 100, 10, 0], color: [0, 0, 255] }], { width: 200, height: 120, yScale: 'log' });
    expect(at(p, 64, 12)).toEqual([0, 0, 255]); // 1000 at the top-left
    expect(at(p, 184, 90)).toEqual([0, 0, 255]); // 10 at the bottom-right (x = 2 is the last plotted)
  });

  it('typed errors', () => {
    expect(() => renderLinePlot([])).toThrow(InvalidArgumentError);
    expect(() => renderLinePlot([{ x: [1, 2], y: [1] }])).toThrow(/same length/);
    expect(() => renderLinePlot([{ x: [1], y: [1] }], { width: 10 })).toThrow(InvalidArgumentError);
  });
});
