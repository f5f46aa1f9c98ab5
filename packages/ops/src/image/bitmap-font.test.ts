import { describe, expect, it } from 'vitest';
import { FONT_CHARACTERS, GLYPH_ASCENT, GLYPH_HEIGHT, GLYPH_WIDTH, glyph, rasterizeText, textWidth } from './bitmap-font.js';

/** Text as ASCII art, one string per pixel row. */
function render(text: string): string[] {
  const rows = Array.from({ length: GLYPH_HEIGHT }, () => Array<string>(textWidth(text)).fill('.'));
  rasterizeText(text, 0, 0, 1, (x, y) => (rows[y]![x] = '#'));
  return rows.map((r) => r.join(''));
}

describe('bitmap font', () => {
  it('has every character the labels need: A-Z a-z 0-9 and .,:%-_()', () => {
    const needed = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,:%-_() ';
    for (const ch of needed) expect(FONT_CHARACTERS, `glyph for ${JSON.stringify(ch)}`).toContain(ch);
  });

  it('gives each character its own non-empty glyph that fits the cell', () => {
    const seen = new Map<string, string>();
    for (const ch of FONT_CHARACTERS) {
      const rows = glyph(ch);
      expect(rows).toHaveLength(GLYPH_HEIGHT);
      expect(rows.every((r) => r >= 0 && r < 1 << GLYPH_WIDTH)).toBe(true);
      if (ch === ' ') continue;
      expect(rows.some((r) => r !== 0), `glyph ${ch} is blank`).toBe(true);
      const key = rows.join(',');
      expect(seen.get(key), `${ch} looks like ${seen.get(key)}`).toBeUndefined();
      seen.set(key, ch);
    }
  });

  it('draws lowercase as lowercase, with descenders only below the baseline of g j p q y ,', () => {
    expect(glyph('a')).not.toEqual(glyph('A'));
    const below = (ch: string) => glyph(ch).slice(GLYPH_ASCENT).some((r) => r !== 0);
    expect([...FONT_CHARACTERS].filter(below).sort().join('')).toBe(',gjpqy');
  });

  it('renders a readable word', () => {
    expect(render('dog 0.87')).toEqual([
      '....#....................###.........###..#####',
      '....#...................#...#.......#...#.....#',
      '.##.#..###...####.......#..##.......#...#....#.',
      '#..##.#...#.#...#.......#.#.#........###....#..',
      '#...#.#...#.#...#.......##..#.......#...#..#...',
      '#...#.#...#.#...#.......#...#..##...#...#..#...',
      '.####..###...####........###...##....###...#...',
      '................#..............................',
      '.............###...............................',
    ]);
  });

  it('measures text and falls back to a hollow box for unknown characters', () => {
    expect(textWidth('')).toBe(0);
    expect(textWidth('ab')).toBe(11);
    expect(textWidth('ab', 3)).toBe(33);
    expect(glyph('€')).toEqual(glyph('\u{1F600}'));
    expect(glyph('€')[0]).toBe(0b11111);
  });
});
