// Progress of a long CLI operation on stderr: a bar redrawn in place on a terminal, and a plain
// "processed N/M" line at most once a second when stderr is a file or a pipe (logs stay readable).

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  update(done: number, total: number): void;
  /** Draws the final state (on a terminal) and ends the bar's line. */
  finish(): void;
}

export interface ProgressOptions {
  label?: string;
  now?: () => number;
}

const TTY_INTERVAL_MS = 100;
const PLAIN_INTERVAL_MS = 1000;
const MAX_BAR_WIDTH = 40;

export function createProgress(stream: ProgressStream, options: ProgressOptions = {}): Progress {
  const label = options.label ?? 'processed';
  const now = options.now ?? Date.now;
  const started = now();
  let last: number | undefined;
  let state = { done: 0, total: 0 };
  let isDrawn = false;

  if (!stream.isTTY) {
    return {
      update(done, total) {
        state = { done, total };
        const t = now();
        if (done === 0 || (last !== undefined && t - last < PLAIN_INTERVAL_MS)) return;
        last = t;
        stream.write(`${label} ${done}/${total}\n`);
      },
      finish() {},
    };
  }

  const draw = () => {
    stream.write(`\r\x1b[K${renderBar(state.done, state.total, now() - started, stream.columns ?? 80, label)}`);
    isDrawn = true;
  };
  return {
    update(done, total) {
      state = { done, total };
      const t = now();
      if (last !== undefined && t - last < TTY_INTERVAL_MS && done < total) return;
      last = t;
      draw();
    },
    finish() {
      if (!isDrawn && state.total === 0) return;
      draw();
      stream.write('\n');
    },
  };
}

/** `[#########---------] 50% processed 10000/20000 · 812/s · 12s left`, fitted to the terminal width. */
export function renderBar(done: number, total: number, elapsedMs: number, columns: number, label = 'processed'): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  let text = `${String(Math.floor(ratio * 100)).padStart(3)}% ${label} ${done}/${total}`;
  if (rate > 0) {
    text += ` · ${Math.round(rate)}/s`;
    if (done < total) text += ` · ${formatDuration((total - done) / rate)} left`;
  }
  const width = Math.min(MAX_BAR_WIDTH, columns - text.length - 4);
  if (width < 5) return text.slice(0, Math.max(0, columns - 1));
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`;
}

function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
