// The cluster-wide sliding window on a real redis-server: two connections (two nodes) share one
// count per key; an event leaves the window after windowMs (a short window, waited for, since the
// clock is Redis's own); the key carries the window as its TTL.
import { describe, expect, it } from '@jest/globals';
import { connectRedis } from '../connection.js';
import { redisOptions, useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisSlidingWindow } from './sliding-window.js';

const fixture = useRedisServer();

describe('RedisSlidingWindow', () => {
  it('counts one window per key across connections, and says how long to wait', async () => {
    const redis = await fixture.fresh();
    const other = await connectRedis(redisOptions(fixture.server));
    try {
      const a = new RedisSlidingWindow(redis, 'register-address', 2, 60_000);
      const b = new RedisSlidingWindow(other, 'register-address', 2, 60_000);
      expect(await a.take('192.0.2.1')).toBe(0);
      expect(await b.take('192.0.2.1')).toBe(0);
      const wait = await a.take('192.0.2.1');
      expect(wait).toBeGreaterThanOrEqual(59);
      expect(wait).toBeLessThanOrEqual(60);
      expect(await b.take('192.0.2.2')).toBe(0);
      const ttl = await redis.run('test', (c) => c.pTTL('test:rate:register-address:192.0.2.1'));
      expect(ttl).toBeGreaterThan(59_000);
    } finally {
      await other.close();
    }
  });

  it('lets an event leave the window after windowMs', async () => {
    const redis = await fixture.fresh();
    const w = new RedisSlidingWindow(redis, 'register-address', 1, 300);
    expect(await w.take('198.51.100.9')).toBe(0);
    expect(await w.take('198.51.100.9')).toBe(1);
    await new Promise((r) => setTimeout(r, 350));
    expect(await w.take('198.51.100.9')).toBe(0);
  });
});
