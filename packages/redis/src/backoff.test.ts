// Reconnection delays: exponential, capped, jittered between half and the whole step.
import { describe, expect, it } from '@jest/globals';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const options = { minDelayMs: 100, maxDelayMs: 5000 };

  it('doubles from the minimum and stops at the maximum', () => {
    const top = (attempt: number) => backoffDelay(attempt, options, () => 1);
    expect([0, 1, 2, 3, 5, 6, 100].map(top)).toEqual([100, 200, 400, 800, 3200, 5000, 5000]);
  });

  it('jitters each step between half and the whole of it', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(400);
    expect(backoffDelay(3, options, () => 0.5)).toBe(600);
  });
});
