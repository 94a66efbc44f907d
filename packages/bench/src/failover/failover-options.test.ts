// Options of the failover scenario: defaults, bounds with the flag named, and consistency rules.
import { describe, expect, it } from '@jest/globals';
import { parseFailoverOptions } from './failover-options.js';
import { quantiles } from './failover-run.js';

describe('parseFailoverOptions', () => {
  it('has bounded defaults', () => {
    expect(parseFailoverOptions([])).toMatchObject({ users: 50, rate: 50, before: 10, after: 20, tcpUsers: 100, ghosts: 5, heartbeatSeconds: 1, deadAfterSeconds: 3 });
  });

  it('refuses a value out of bounds, naming the flag', () => {
    expect(() => parseFailoverOptions(['--users', '0'])).toThrow('--users: must be an integer 1..2000');
    expect(() => parseFailoverOptions(['--nope', '1'])).toThrow('unknown option --nope');
  });

  it('refuses more watched users than TCP users, and a dead-after time not above the heartbeat', () => {
    expect(() => parseFailoverOptions(['--tcp-users', '2', '--ghosts', '3'])).toThrow('--ghosts');
    expect(() => parseFailoverOptions(['--heartbeat', '3', '--dead-after', '3'])).toThrow('--dead-after');
  });
});

describe('quantiles', () => {
  it('reads exact quantiles of a small sample', () => {
    expect(quantiles([5, 1, 3, 2, 4])).toEqual({ p50: 3, p99: 5, max: 5 });
    expect(quantiles([])).toEqual({});
  });
});
