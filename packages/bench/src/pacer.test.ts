// Open-loop pacing: events are due at start + k / rate whatever happened before.
import { describe, it, expect } from '@jest/globals';
import { dueCount } from './pacer.js';

describe('dueCount', () => {
  it('makes the first event due at once and one more every 1/rate seconds', () => {
    expect(dueCount(100, 0, 0, 1000)).toBe(1);
    expect(dueCount(100, 9.9, 1, 1000)).toBe(0);
    expect(dueCount(100, 10, 1, 1000)).toBe(1);
    expect(dueCount(100, 1000, 0, 1000)).toBe(101);
  });

  it('catches up in one go after a stall instead of lowering the offered load', () => {
    expect(dueCount(1000, 250, 100, 10_000)).toBe(151);
  });

  it('never exceeds the maximum count', () => {
    expect(dueCount(1000, 60_000, 0, 500)).toBe(500);
    expect(dueCount(1000, 60_000, 500, 500)).toBe(0);
  });

  it('fires nothing at a zero rate', () => {
    expect(dueCount(0, 1000, 0, 10)).toBe(0);
  });
});
