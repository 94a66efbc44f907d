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
    expect(() => parseRedisOptions({})).toThrow(new OptionsError('cluster.redis.url', 'is required (redis://host:6379 or rediss://host:6380), or sentinels and masterName, or clusterNodes'));
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

describe('parseRedisOptions with Sentinel (issue 14)', () => {
  it('reads sentinels as host:port,host:port with the master name and the Sentinels\' password', () => {
    const options = parseRedisOptions({ sentinels: '10.0.0.1:26379, sentinel-b:26380,[::1]:26381', masterName: 'deskchat', sentinelPassword: 's', password: 'data' });
    expect(options.sentinel).toEqual({ nodes: [{ host: '10.0.0.1', port: 26379 }, { host: 'sentinel-b', port: 26380 }, { host: '::1', port: 26381 }], masterName: 'deskchat', password: 's' });
    expect(options).toMatchObject({ url: 'redis-sentinel://10.0.0.1:26379,sentinel-b:26380,::1:26381/deskchat', password: 'data' });
    expect(parseRedisOptions({ sentinels: ['h:1'], masterName: 'm' }).sentinel).toEqual({ nodes: [{ host: 'h', port: 1 }], masterName: 'm' });
  });

  it('reads clusterNodes (Redis Cluster) as host:port,host:port with the nodes\' password', () => {
    const options = parseRedisOptions({ clusterNodes: '10.0.0.1:7000, redis-b:7001,[::1]:7002', password: 'data' });
    expect(options.cluster).toEqual({ nodes: [{ host: '10.0.0.1', port: 7000 }, { host: 'redis-b', port: 7001 }, { host: '::1', port: 7002 }] });
    expect(options).toMatchObject({ url: 'redis-cluster://10.0.0.1:7000,redis-b:7001,::1:7002', password: 'data' });
    expect(options.sentinel).toBeUndefined();
    expect(parseRedisOptions({ clusterNodes: ['h:1'] }).cluster).toEqual({ nodes: [{ host: 'h', port: 1 }] });
    expect(() => parseRedisOptions({ clusterNodes: 'h:1', url: 'redis://h' })).toThrow(/^cluster\.redis\.clusterNodes: either cluster\.redis\.url, cluster\.redis\.sentinels or cluster\.redis\.clusterNodes, only one/);
    expect(() => parseRedisOptions({ clusterNodes: 'h:1', sentinels: 'h:2', masterName: 'm' })).toThrow(/^cluster\.redis\.clusterNodes: either/);
    expect(() => parseRedisOptions({ clusterNodes: 'h' })).toThrow(/^cluster\.redis\.clusterNodes: must be host:port,host:port \(got "h"\)/);
    expect(() => parseRedisOptions({ clusterNodes: 'h:1', masterName: 'm' })).toThrow(/^cluster\.redis\.masterName: only with cluster\.redis\.sentinels/);
    expect(parseRedisOptions({ clusterNodes: 'h:1', tls: { enabled: true, ca: 'PEM' } }).tls).toEqual({ enabled: true, ca: 'PEM', rejectUnauthorized: true });
  });

  it('takes a URL or sentinels, not both, and names the key of each mistake', () => {
    expect(() => parseRedisOptions({ url: 'redis://h', sentinels: 'h:26379', masterName: 'm' })).toThrow(new OptionsError('cluster.redis.sentinels', 'either cluster.redis.url or cluster.redis.sentinels, not both'));
    expect(() => parseRedisOptions({ sentinels: 'h:26379' })).toThrow(/^cluster\.redis\.masterName: is required with cluster\.redis\.sentinels/);
    expect(() => parseRedisOptions({ sentinels: 'h', masterName: 'm' })).toThrow(/^cluster\.redis\.sentinels: must be host:port,host:port \(got "h"\)/);
    expect(() => parseRedisOptions({ sentinels: 'h:0', masterName: 'm' })).toThrow(/^cluster\.redis\.sentinels: /);
    expect(() => parseRedisOptions({ sentinels: 'h:1,', masterName: 'm' })).toThrow(/^cluster\.redis\.sentinels: must be host:port/);
    expect(() => parseRedisOptions({ url: 'redis://h', masterName: 'm' })).toThrow(/^cluster\.redis\.masterName: only with cluster\.redis\.sentinels/);
    expect(parseRedisOptions({ sentinels: 'h:1', masterName: 'm', tls: { enabled: true } }).tls).toEqual({ enabled: true, rejectUnauthorized: true });
    expect(() => parseRedisOptions({ url: 'redis://h', tls: { enabled: true } })).toThrow(/^cluster\.redis\.tls\.enabled: only with cluster\.redis\.sentinels or cluster\.redis\.clusterNodes: a URL asks for TLS with rediss:\/\//);
  });
});

describe('durable writes (WAIT)', () => {
  it('waits for one replica by default behind Sentinel and for none with one Redis; refuses WAIT on a Redis Cluster and a timeout past the command deadline', () => {
    expect(parseRedisOptions({ url: 'redis://h' })).toMatchObject({ waitReplicas: 0, waitTimeoutMs: 100 });
    expect(parseRedisOptions({ sentinels: 'h:26379', masterName: 'm' })).toMatchObject({ waitReplicas: 1, waitTimeoutMs: 100 });
    expect(parseRedisOptions({ sentinels: 'h:26379', masterName: 'm', waitReplicas: 0 })).toMatchObject({ waitReplicas: 0 });
    expect(parseRedisOptions({ url: 'redis://h', waitReplicas: 2, waitTimeoutMs: 250 })).toMatchObject({ waitReplicas: 2, waitTimeoutMs: 250 });
    expect(() => parseRedisOptions({ clusterNodes: 'h:7000', waitReplicas: 1 })).toThrow(/^cluster\.redis\.waitReplicas: is not supported with Redis Cluster/);
    expect(() => parseRedisOptions({ url: 'redis://h', waitTimeoutMs: 2000 })).toThrow(/^cluster\.redis\.waitTimeoutMs: must be less than cluster\.redis\.commandTimeoutMs \(2000 ms\)/);
    expect(() => parseRedisOptions({ url: 'redis://h', waitReplicas: -1 })).toThrow(/^cluster\.redis\.waitReplicas/);
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
