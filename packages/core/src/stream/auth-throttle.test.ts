import { describe, it, expect } from '@jest/globals';
import { AuthThrottle } from './auth-throttle.js';

describe('AuthThrottle', () => {
  it('blocks an address at its limit within the window and frees it after the window', () => {
    let now = 0;
    const throttle = new AuthThrottle(3, 1000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.isBlocked('a')).toBe(false);
      throttle.recordFailure('a');
      now += 100;
    }
    expect(throttle.isBlocked('a')).toBe(true);
    expect(throttle.isBlocked('b')).toBe(false);
    now += 801; // the first failure (t=0) is now older than the window
    expect(throttle.isBlocked('a')).toBe(false);
  });
});
