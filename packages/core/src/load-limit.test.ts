// The node's load limit (Genesys Chat Server's limit with a restore threshold): refuse at the
// maximum, accept again only at or under the restore threshold, never drop anything.
import { describe, expect, it } from '@jest/globals';
import { StreamError } from '@deskchat/protocol';
import { OptionsError } from './options.js';
import { LOAD_LIMIT_TEXT, SessionLoadLimit, parseLoadLimits } from './load-limit.js';

describe('SessionLoadLimit', () => {
  it('admits everyone without a limit (maxSessionsPerNode 0)', () => {
    const limit = new SessionLoadLimit();
    expect(() => limit.admit(1_000_000)).not.toThrow();
    expect(limit.refusals).toBe(0);
  });

  it('refuses at the maximum with resource-constraint and a text, and counts the refusals', () => {
    const limit = new SessionLoadLimit({ maxSessionsPerNode: 10, restoreSessionsPerNode: 8 });
    expect(() => limit.admit(9)).not.toThrow();
    let error: unknown;
    try {
      limit.admit(10);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ condition: 'resource-constraint', text: LOAD_LIMIT_TEXT });
    expect(limit.refusals).toBe(1);
  });

  it('keeps refusing above the restore threshold and accepts again at it (hysteresis)', () => {
    const limit = new SessionLoadLimit({ maxSessionsPerNode: 10, restoreSessionsPerNode: 8 });
    expect(limit.isAtLimit(10)).toBe(true);
    expect(limit.isAtLimit(9)).toBe(true);
    expect(limit.isAtLimit(8)).toBe(false);
    expect(limit.isAtLimit(9)).toBe(false);
  });

  it('applies new limits at run time', () => {
    const limit = new SessionLoadLimit({ maxSessionsPerNode: 2, restoreSessionsPerNode: 1 });
    expect(limit.isAtLimit(2)).toBe(true);
    limit.configure({ maxSessionsPerNode: 5, restoreSessionsPerNode: 4 });
    expect(limit.isAtLimit(2)).toBe(false);
    expect(limit.current).toEqual({ maxSessionsPerNode: 5, restoreSessionsPerNode: 4 });
  });
});

describe('parseLoadLimits', () => {
  it('defaults to no limit, and the restore threshold to 90% of the maximum', () => {
    expect(parseLoadLimits({})).toEqual({ maxSessionsPerNode: 0, restoreSessionsPerNode: 0 });
    expect(parseLoadLimits({ maxSessionsPerNode: 1000 })).toEqual({ maxSessionsPerNode: 1000, restoreSessionsPerNode: 900 });
  });

  it.each([
    [{ maxSessionsPerNode: -1 }, 'limits.maxSessionsPerNode: must be an integer 0..10000000 (got -1)'],
    [{ maxSessionsPerNode: 'many' }, 'limits.maxSessionsPerNode: must be an integer 0..10000000 (got "many")'],
    [{ maxSessionsPerNode: 10, restoreSessionsPerNode: 11 }, 'limits.restoreSessionsPerNode: must not be more than maxSessionsPerNode (10)'],
    [{ restoreSessionsPerNode: 5 }, 'limits.restoreSessionsPerNode: needs maxSessionsPerNode'],
  ])('names the key of a bad value: %j', (raw, message) => {
    expect(() => parseLoadLimits(raw)).toThrow(new OptionsError('x', 'y').constructor as typeof OptionsError);
    expect(() => parseLoadLimits(raw)).toThrow(message);
  });
});
