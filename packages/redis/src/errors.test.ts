// Which failures are "Redis unavailable" (mapped to the typed, retryable error) and which are bugs.
import { describe, expect, it } from '@jest/globals';
import { ErrorReply } from 'redis';
import { StoreUnavailableError } from '@deskchat/core';
import { RedisUnavailableError, isUnavailability } from './errors.js';

const named = (name: string) => Object.assign(new Error('x'), { name });

describe('isUnavailability', () => {
  it('counts lost connections, timeouts and network errors', () => {
    for (const name of ['ClientOfflineError', 'ClientClosedError', 'SocketClosedUnexpectedlyError', 'ConnectionTimeoutError', 'SocketTimeoutError']) {
      expect(isUnavailability(named(name))).toBe(true);
    }
    expect(isUnavailability(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
  });

  it('counts replies of a server that cannot serve now (loading, failing over, demoted)', () => {
    for (const reply of ['LOADING Redis is loading the dataset in memory', 'READONLY You can\'t write against a read only replica.', 'MASTERDOWN Link with MASTER is down', 'TRYAGAIN', 'CLUSTERDOWN The cluster is down']) {
      expect(isUnavailability(new ErrorReply(reply))).toBe(true);
    }
  });

  it('does not count bugs: wrong types, script errors, plain exceptions', () => {
    expect(isUnavailability(new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(isUnavailability(new ErrorReply('ERR Error running script'))).toBe(false);
    expect(isUnavailability(new TypeError('undefined is not a function'))).toBe(false);
    expect(isUnavailability('a string')).toBe(false);
  });
});

describe('RedisUnavailableError', () => {
  it('is core\'s StoreUnavailableError, rendered as internal-server-error / wait / 503 with a text that hides the backend', () => {
    const err = new RedisUnavailableError('getRoster: Redis at redis://h:6379 is unavailable');
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err).toMatchObject({ name: 'RedisUnavailableError', condition: 'internal-server-error', type: 'wait', http: 503, backend: 'redis' });
    expect(err.text).not.toMatch(/redis|6379/i);
  });
});
