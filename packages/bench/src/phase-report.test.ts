// Adding up what the worker processes measured in one phase.
import { describe, it, expect } from '@jest/globals';
import { Recorder, mergeReports } from './phase-report.js';

describe('Recorder and mergeReports', () => {
  it('sums counts and CPU, merges histograms, widens spans and adds error counts', () => {
    const a = new Recorder();
    const b = new Recorder();
    a.count('sent', 3);
    b.count('sent', 4);
    b.count('lost');
    a.histogram('latency').record(10);
    b.histogram('latency').record(30);
    a.mark('send', 1000);
    a.mark('send', 1500);
    b.mark('send', 900);
    a.error('HTTP 503');
    b.error('HTTP 503');
    const merged = mergeReports([a.report(), b.report()]);
    expect(merged.counts).toEqual({ sent: 7, lost: 1 });
    expect(merged.histograms.latency.count).toBe(2);
    expect(merged.histograms.latency.max).toBe(30);
    expect(merged.spans.send).toEqual([900, 1500]);
    expect(merged.errors).toEqual({ 'HTTP 503': 2 });
    expect(merged.cpuMicros).toBeGreaterThanOrEqual(0);
  });

  it('keeps at most 20 distinct error texts and counts the rest together', () => {
    const recorder = new Recorder();
    for (let i = 0; i < 25; i++) recorder.error(`error ${i}`);
    const { errors } = recorder.report();
    expect(Object.keys(errors)).toHaveLength(21);
    expect(errors['(other errors)']).toBe(5);
  });

  it('hands what arrived after a report over to the next phase', () => {
    const first = new Recorder();
    first.count('sent');
    expect(first.report().counts).toEqual({ sent: 1 });
    first.count('dropped');
    first.histogram('latency').record(5);
    const second = new Recorder();
    second.absorb(first);
    const report = second.report();
    expect(report.counts).toEqual({ dropped: 1 });
    expect(report.histograms.latency.count).toBe(1);
  });
});
