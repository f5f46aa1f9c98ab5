/**
 * The default download progress display: one self-rewriting line on stderr when stderr is a terminal,
 * silent otherwise (CI logs and pipes stay clean). Redraws at most 10 times a second.
 */
import type { DownloadProgress } from './download.js';

/** The part of a Node write stream the bar uses (so tests can pass a fake terminal). */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressBar {
  (progress: DownloadProgress): void;
  /** Ends the line (call when the download is over, also when the size was unknown or it failed). */
  finish(): void;
}

const mb = (n: number) => (n / 1048576).toFixed(1);

export interface ProgressBarOptions {
  /** Least time between redraws, in ms (default 100). The first and the final state always draw. */
  intervalMs?: number;
}

/** A progress callback drawing `file [#####     ] 42% 12.3/29.0 MB` on `stream` (default process.stderr). */
export function terminalProgressBar(
  stream: ProgressStream | undefined = typeof process !== 'undefined' ? process.stderr : undefined,
  options: ProgressBarOptions = {},
): ProgressBar {
  const interval = options.intervalMs ?? 100;
  let last = 0;
  let open = false;
  const draw = (p: DownloadProgress, force: boolean) => {
    if (!stream?.isTTY) return;
    const now = Date.now();
    if (!force && now - last < interval) return;
    last = now;
    const frac = p.total ? Math.min(1, p.loaded / p.total) : undefined;
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 50));
    const bar = frac === undefined ? '' : ` [${'#'.repeat(Math.round(frac * width)).padEnd(width)}] ${String(Math.floor(frac * 100)).padStart(3)}%`;
    const name = p.file.length > 30 ? `…${p.file.slice(-29)}` : p.file;
    stream.write(`\r${name}${bar} ${mb(p.loaded)}${p.total ? `/${mb(p.total)}` : ''} MB\x1b[K`);
    open = true;
  };
  const bar = ((p: DownloadProgress) => {
    const complete = p.total !== undefined && p.loaded >= p.total;
    draw(p, complete || p.loaded === 0);
    if (complete) bar.finish();
  }) as ProgressBar;
  bar.finish = () => {
    if (open && stream?.isTTY) stream.write('\n');
    open = false;
  };
  return bar;
}
