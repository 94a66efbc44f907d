// The log-bucket histogram: exact below 128 µs, within 1/64 above, mergeable across processes.
import { describe, it, expect } from '@jest/globals';
import { Histogram, bucketOf, bucketStart } from './histogram.js';

describe('Histogram', () => {
  it('counts values below 128 µs exactly', () => {
    const h = new Histogram();
    for (let v = 1; v <= 100; v++) h.record(v);
    expect(h.quantile(0.5)).toBe(50);
    expect(h.quantile(0.99)).toBe(99);
    expect(h.quantile(1)).toBe(100);
    expect(h.min).toBe(1);
    expect(h.max).toBe(100);
  });

  it('reports large values within 1/64 of the truth', () => {
    for (const value of [128, 129, 255, 256, 1000, 12_345, 999_999, 2 ** 31 - 1, 2 ** 31 + 5, 5e9]) {
      const h = new Histogram();
      h.record(value);
      h.record(1); // keeps min/max from clamping the answer to the value itself
      h.record(1e12);
      expect(Math.abs(h.quantile(0.5) - value) / value).toBeLessThanOrEqual(1 / 64);
    }
  });

  it('numbers buckets without gaps or overlaps at power-of-two boundaries', () => {
    for (let v = 120; v < 70_000; v++) {
      const bucket = bucketOf(v);
      expect(bucketStart(bucket)).toBeLessThanOrEqual(v);
      expect(bucketStart(bucket + 1)).toBeGreaterThan(v);
    }
  });

  it('takes p99 as the value with 99 % of the count at or below it', () => {
    const h = new Histogram();
    for (let i = 0; i < 990; i++) h.record(10);
    for (let i = 0; i < 10; i++) h.record(100);
    expect(h.quantile(0.99)).toBe(10);
    expect(h.quantile(0.991)).toBe(100);
  });

  it('records milliseconds as microseconds and summarises in milliseconds', () => {
    const h = new Histogram();
    h.recordMs(1.5);
    h.recordMs(2.5);
    expect(h.summaryMs()).toMatchObject({ count: 2, p50: expect.closeTo(1.5, 2), max: 2.5, mean: 2 });
  });

  it('merges the serialized histograms of several workers into the same quantiles as one', () => {
    const all = new Histogram();
    const parts = [new Histogram(), new Histogram(), new Histogram()];
    for (let i = 0; i < 3000; i++) {
      const value = (i * 7919) % 50_000;
      all.record(value);
      parts[i % 3].record(value);
    }
    const merged = new Histogram();
    for (const part of parts) merged.merge(JSON.parse(JSON.stringify(part.serialize())));
    for (const q of [0.5, 0.95, 0.99]) expect(merged.quantile(q)).toBe(all.quantile(q));
    expect(merged.count).toBe(3000);
    expect(merged.min).toBe(all.min);
    expect(merged.max).toBe(all.max);
  });

  it('answers NaN for an empty histogram and ignores empty ones in a merge', () => {
    const h = new Histogram();
    expect(h.quantile(0.5)).toBeNaN();
    h.record(5);
    h.merge(new Histogram().serialize());
    expect(h.min).toBe(5);
    expect(Histogram.from(h.serialize()).quantile(0.5)).toBe(5);
  });

  it('counts negative durations (clock steps) as zero', () => {
    const h = new Histogram();
    h.record(-3);
    expect(h.quantile(1)).toBe(0);
  });
});
