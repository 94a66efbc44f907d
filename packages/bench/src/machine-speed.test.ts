import { describe, expect, it } from '@jest/globals';
import { fixedWorkMs } from './machine-speed.js';

describe('fixedWorkMs', () => {
  it('times the fixed work, and more work takes longer', () => {
    const small = fixedWorkMs(3, 20_000);
    const large = fixedWorkMs(3, 400_000);
    expect(small).toBeGreaterThan(0);
    expect(Number.isFinite(large)).toBe(true);
    expect(large).toBeGreaterThan(small);
  });
});
