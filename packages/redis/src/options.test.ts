// Redis options (conventions §8): defaults, the URL forms of the redis and rediss schemes, and
// errors that name the key.
import { describe, expect, it } from '@jest/globals';
import { OptionsError } from '@deskchat/core';
import { DEFAULT_REDIS_OPTIONS, parseEndpoint, parseRedisOptions, redactUrl } from './options.js';

describe('parseRedisOptions', () => {
  it('fills in the defaults around the URL', () => {
    expect(parseRedisOptions({ url: 'redis://localhost:6379' })).toEqual({ url: 'redis://localhost:6379', ...DEFAULT_REDIS_OPTIONS });
    expect(DEFAULT_REDIS_OPTIONS.keyPrefix).toBe('deskchat:');
  });

  it('requires a URL and names the key path', () => {
    expect(() => parseRedisOptions({})).toThrow(new OptionsError('cluster.redis.url', 'is required (redis://host:6379 or rediss://host:6380)'));
    expect(() => parseRedisOptions({ url: 'http://x' }, 'redis')).toThrow(/^redis\.url: must start with redis:\/\/ or rediss:\/\//);
    expect(() => parseRedisOptions({ url: 'redis://h/x' })).toThrow(/cluster\.redis\.url: the path must be a database number/);
    expect(() => parseRedisOptions({ url: 'not a url' })).toThrow(/cluster\.redis\.url: must be a URL/);
  });

  it('refuses a key prefix with braces, which would take over the {user} hash tags', () => {
    expect(() => parseRedisOptions({ url: 'redis://h', keyPrefix: 'dc{1}:' })).toThrow(/^cluster\.redis\.keyPrefix: .*braces/);
    expect(() => parseRedisOptions({ url: 'redis://h', keyPrefix: 'a b' })).toThrow(/keyPrefix/);
    expect(parseRedisOptions({ url: 'redis://h', keyPrefix: '' }).keyPrefix).toBe('');
  });

  it('checks numbers and booleans, and the backoff order', () => {
    expect(() => parseRedisOptions({ url: 'redis://h', commandTimeoutMs: 0 })).toThrow(/^cluster\.redis\.commandTimeoutMs: must be an integer 50\.\.60000/);
    expect(() => parseRedisOptions({ url: 'redis://h', reconnect: { minDelayMs: 500, maxDelayMs: 100 } })).toThrow(/reconnect\.maxDelayMs: must be an integer 500\.\./);
    expect(() => parseRedisOptions({ url: 'rediss://h', tls: { rejectUnauthorized: 'maybe' } })).toThrow(/tls\.rejectUnauthorized: must be true or false/);
    expect(parseRedisOptions({ url: 'rediss://h', startTimeoutMs: '2500', tls: { rejectUnauthorized: 'false' } })).toMatchObject({ startTimeoutMs: 2500, tls: { rejectUnauthorized: false } });
  });
});

describe('parseEndpoint', () => {
  it('reads host, port, database, TLS and credentials from the URL', () => {
    expect(parseEndpoint('redis://h')).toEqual({ host: 'h', port: 6379, isTls: false, database: 0 });
    expect(parseEndpoint('rediss://user:p%40ss@redis.example.com:6380/2')).toEqual({ host: 'redis.example.com', port: 6380, isTls: true, database: 2, username: 'user', password: 'p@ss' });
    expect(parseEndpoint('redis://[::1]:7000')).toMatchObject({ host: '::1', port: 7000 });
  });

  it('lets the separate password option win over the URL\'s', () => {
    expect(parseEndpoint('redis://:from-url@h', 'from-option')).toMatchObject({ password: 'from-option' });
    expect(parseEndpoint('redis://h', 'only-option')).toMatchObject({ password: 'only-option' });
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('redis://:secret@h:6379/1')).toBe('redis://:***@h:6379/1');
    expect(redactUrl('rediss://user:secret@h')).toBe('rediss://user:***@h');
    expect(redactUrl('redis://h:6379')).toBe('redis://h:6379');
  });
});
