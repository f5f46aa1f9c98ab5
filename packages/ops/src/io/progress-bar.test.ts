import { describe, expect, it } from 'vitest';
import { terminalProgressBar } from './progress-bar.js';

const fakeStream = (isTTY: boolean) => {
  const out: string[] = [];
  return { out, stream: { isTTY, columns: 100, write: (s: string) => out.push(s) } };
};

describe('terminalProgressBar', () => {
  it('draws one rewriting line on a terminal and ends it when the download completes', () => {
    const { out, stream } = fakeStream(true);
    const bar = terminalProgressBar(stream, { intervalMs: 1e9 });
    bar({ file: 'vgg19.h5', loaded: 0, total: 2 * 1048576 });
    bar({ file: 'vgg19.h5', loaded: 1048576, total: 2 * 1048576 }); // within the redraw interval: skipped
    bar({ file: 'vgg19.h5', loaded: 2 * 1048576, total: 2 * 1048576 });
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/^\rvgg19\.h5 \[ {30}\] {3}0% 0\.0\/2\.0 MB/);
    expect(out[1]).toMatch(/^\rvgg19\.h5 \[#{30}\] 100% 2\.0\/2\.0 MB/);
    expect(out[2]).toBe('\n');
    bar.finish(); // already ended: no second newline
    expect(out).toHaveLength(3);
  });

  it('shows bytes only when the size is unknown, and finish() ends the line', () => {
    const { out, stream } = fakeStream(true);
    const bar = terminalProgressBar(stream);
    bar({ file: 'data.zip', loaded: 0 });
    bar.finish();
    expect(out).toEqual(['\rdata.zip 0.0 MB\x1b[K', '\n']);
  });

  it('is silent when the stream is not a terminal (CI logs, pipes)', () => {
    const { out, stream } = fakeStream(false);
    const bar = terminalProgressBar(stream);
    bar({ file: 'x', loaded: 0, total: 10 });
    bar({ file: 'x', loaded: 10, total: 10 });
    bar.finish();
    expect(out).toEqual([]);
  });
});
