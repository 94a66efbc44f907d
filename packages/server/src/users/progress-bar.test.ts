// Import progress on stderr: an in-place bar on a terminal, a plain line at most once a second otherwise.
import { describe, expect, it } from '@jest/globals';
import { createProgress, renderBar } from './progress-bar.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, columns: 100, write: (chunk: string) => writes.push(chunk) }, writes };
}

describe('createProgress', () => {
  it('prints "processed N/M" at most once a second when stderr is not a terminal', () => {
    let time = 0;
    const { stream, writes } = fakeStream(false);
    const progress = createProgress(stream, { now: () => time });
    progress.update(0, 100);
    progress.update(10, 100);
    time = 500;
    progress.update(20, 100);
    time = 1000;
    progress.update(30, 100);
    time = 1999;
    progress.update(40, 100);
    time = 2000;
    progress.update(100, 100);
    progress.finish();
    expect(writes).toEqual(['processed 10/100\n', 'processed 30/100\n', 'processed 100/100\n']);
  });

  it('redraws one line in place on a terminal and ends it when finished', () => {
    let time = 0;
    const { stream, writes } = fakeStream(true);
    const progress = createProgress(stream, { now: () => time });
    progress.update(0, 4);
    time = 50;
    progress.update(1, 4); // within 100 ms of the last draw: skipped
    time = 1000;
    progress.update(2, 4);
    progress.finish();
    expect(writes.every((w) => w === '\n' || w.startsWith('\r\x1b[K'))).toBe(true);
    expect(writes).toHaveLength(4);
    expect(writes[1]).toContain('50% processed 2/4');
    expect(writes.at(-1)).toBe('\n');
  });

  it('writes nothing on a terminal when there was nothing to import', () => {
    const { stream, writes } = fakeStream(true);
    createProgress(stream).finish();
    expect(writes).toEqual([]);
  });
});

describe('renderBar', () => {
  it('shows the bar, percentage, count, rate and time left', () => {
    expect(renderBar(500, 2000, 1000, 120)).toBe(`[${'#'.repeat(10)}${'-'.repeat(30)}]  25% processed 500/2000 · 500/s · 3s left`);
  });

  it('fits a narrow terminal by dropping the bar', () => {
    const line = renderBar(1, 2, 1000, 30);
    expect(line.length).toBeLessThan(30);
    expect(line).not.toContain('[');
  });
});
