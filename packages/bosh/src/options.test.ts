// BOSH, HTTP and WebSocket options: defaults and errors that name the key (conventions §8).
import { describe, it, expect } from '@jest/globals';
import { DEFAULT_BOSH_OPTIONS, parseBoshOptions, parseHttpOptions } from './options.js';

describe('parseBoshOptions', () => {
  it('defaults to a wait below the 60 s idle timeout of common reverse proxies', () => {
    const options = parseBoshOptions(undefined);
    expect(options).toEqual(DEFAULT_BOSH_OPTIONS);
    expect(options.maxWait).toBeLessThan(60);
    expect(options.defaultWait).toBeLessThanOrEqual(options.maxWait);
  });

  it('reads numbers given as strings (environment variables)', () => {
    expect(parseBoshOptions({ maxWait: '40' }).maxWait).toBe(40);
  });

  it.each([
    [{ maxWait: 0 }, 'bosh.maxWait: must be an integer 1..300'],
    [{ inactivity: 'soon' }, 'bosh.inactivity: must be an integer 2..3600'],
    [{ defaultWait: 45, maxWait: 40 }, 'bosh.defaultWait: must not exceed bosh.maxWait (40)'],
    [{ maxHold: 3, maxRequests: 3 }, 'bosh.maxHold: must be below bosh.maxRequests (3)'],
    [{ maxwait: 3 }, 'bosh.maxwait: unknown setting'],
  ])('rejects %j with a message naming the key', (raw, message) => {
    expect(() => parseBoshOptions(raw)).toThrow(message);
  });
});

describe('parseHttpOptions', () => {
  it('allows no other origin by default', () => {
    expect(parseHttpOptions(undefined)).toEqual({ corsOrigins: [], trustProxy: false });
  });

  it('reads a list or a comma-separated string, normalising each origin', () => {
    expect(parseHttpOptions({ corsOrigins: ['https://finesse.example.com/'] }).corsOrigins).toEqual(['https://finesse.example.com']);
    expect(parseHttpOptions({ corsOrigins: 'https://a.example.com, http://b.example.com:8080' }).corsOrigins).toEqual([
      'https://a.example.com',
      'http://b.example.com:8080',
    ]);
  });

  it('accepts * only as written by the administrator', () => {
    expect(parseHttpOptions({ corsOrigins: ['*'] }).corsOrigins).toEqual(['*']);
  });

  it.each([['finesse.example.com'], ['https://a.example.com/path'], ['ftp://a.example.com']])('rejects %s with the index of the entry', (origin) => {
    expect(() => parseHttpOptions({ corsOrigins: ['https://ok.example.com', origin] })).toThrow('http.corsOrigins[1]: must be an origin');
  });

  it('reads trustProxy as a boolean', () => {
    expect(parseHttpOptions({ trustProxy: 'true' }).trustProxy).toBe(true);
    expect(() => parseHttpOptions({ trustProxy: 'maybe' })).toThrow('http.trustProxy: must be true or false');
  });
});
