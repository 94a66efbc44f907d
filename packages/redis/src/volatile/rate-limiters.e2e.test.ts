// The cluster's rate limiters on a real redis-server: core's sign-in counters and the admin API's
// request limiter counted once for every node (two connections), their keys, and Redis down.
import { describe, expect, it } from '@jest/globals';
import { RateLimitedSignIns } from '@deskchat/core';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { allKeys, redisOptions, useRedisServer } from '../__tests__/redis-fixture.js';
import { connectRedis } from '../connection.js';
import { RedisUnavailableError } from '../errors.js';
import { redisRequestRateLimiter, redisSignInCounters } from './rate-limiters.js';

const fixture = useRedisServer();
const limits = { authFailuresPerUser: 3, authFailuresPerAddress: 5, authLockoutSeconds: 60 };

describe('redisSignInCounters', () => {
  it('counts failed sign-ins once for the whole cluster: failures on one node lock the pair on another', async () => {
    const redis = await fixture.fresh();
    const other = await connectRedis(redisOptions(fixture.server));
    try {
      const a = new RateLimitedSignIns(redisSignInCounters(redis, limits));
      const b = new RateLimitedSignIns(redisSignInCounters(other, limits));
      await a.recordFailure('10.0.0.1', 'alice');
      await b.recordFailure('10.0.0.1', 'alice');
      await expect(a.isAllowed('10.0.0.1', 'alice')).resolves.toBe(true);
      await a.recordFailure('10.0.0.1', 'alice');
      await expect(b.isAllowed('10.0.0.1', 'alice')).resolves.toBe(false);
      await expect(b.isAllowed('10.0.0.1', 'bob')).resolves.toBe(true); // the pair, not the address
      await b.recordFailure('10.0.0.1', 'bob');
      await b.recordFailure('10.0.0.1', 'carol');
      await expect(a.isAddressAllowed('10.0.0.1')).resolves.toBe(false); // 5 failures from the address, on two nodes
      await expect(a.isAddressAllowed('10.0.0.2')).resolves.toBe(true);
      const keys = await allKeys(redis);
      expect(keys).toContain('test:rate:sign-in-user:10.0.0.1\u0000alice');
      expect(keys).toContain('test:rate:sign-in-address:10.0.0.1');
      const ttl = await redis.client.pTTL('test:rate:sign-in-user:10.0.0.1\u0000alice');
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await other.close();
    }
  });

  it('clears the pair on a successful sign-in, on every node', async () => {
    const redis = await fixture.fresh();
    const other = await connectRedis(redisOptions(fixture.server));
    try {
      const a = new RateLimitedSignIns(redisSignInCounters(redis, { ...limits, authFailuresPerAddress: 100 }));
      const b = new RateLimitedSignIns(redisSignInCounters(other, { ...limits, authFailuresPerAddress: 100 }));
      for (let i = 0; i < 2; i++) await a.recordFailure('10.0.0.1', 'alice');
      await b.recordSuccess('10.0.0.1', 'alice');
      for (let i = 0; i < 2; i++) await a.recordFailure('10.0.0.1', 'alice');
      await expect(b.isAllowed('10.0.0.1', 'alice')).resolves.toBe(true);
    } finally {
      await other.close();
    }
  });

  it('fails with RedisUnavailableError while Redis is down (not a "no points left" answer)', async () => {
    const redis = await fixture.fresh();
    const signIns = new RateLimitedSignIns(redisSignInCounters(redis, limits));
    await fixture.server.kill();
    try {
      await expect(signIns.isAllowed('10.0.0.1', 'alice')).rejects.toBeInstanceOf(RedisUnavailableError);
      await expect(signIns.recordFailure('10.0.0.1', 'alice')).rejects.toBeInstanceOf(RedisUnavailableError);
      await expect(signIns.recordSuccess('10.0.0.1', 'alice')).rejects.toBeInstanceOf(RedisUnavailableError);
    } finally {
      await fixture.server.restart();
    }
    await fixture.fresh();
    await expect(signIns.isAllowed('10.0.0.1', 'alice')).resolves.toBe(true);
  });
});

describe('redisRequestRateLimiter', () => {
  it('allows a burst per address across nodes, then refuses with a RateLimiterRes giving the wait', async () => {
    const redis = await fixture.fresh();
    const other = await connectRedis(redisOptions(fixture.server));
    try {
      const a = redisRequestRateLimiter(redis, { perSecond: 2, burst: 4 });
      const b = redisRequestRateLimiter(other, { perSecond: 2, burst: 4 });
      for (const limiter of [a, b, a, b]) await limiter.consume('127.0.0.1');
      const refused = await b.consume('127.0.0.1').then(() => undefined, (e: unknown) => e);
      expect(refused).toBeInstanceOf(RateLimiterRes);
      expect((refused as RateLimiterRes).msBeforeNext).toBeGreaterThan(0);
      expect((refused as RateLimiterRes).msBeforeNext).toBeLessThanOrEqual(2_000);
      await expect(a.consume('127.0.0.2')).resolves.toMatchObject({ remainingPoints: 3 });
      expect(await allKeys(redis)).toEqual(['test:rate:admin-api:127.0.0.1', 'test:rate:admin-api:127.0.0.2']);
    } finally {
      await other.close();
    }
  });

  it('counts on this node alone while Redis is down, so the admin port keeps answering (and refuses past the burst)', async () => {
    const redis = await fixture.fresh();
    const limiter = redisRequestRateLimiter(redis, { perSecond: 2, burst: 3 });
    await fixture.server.kill();
    try {
      for (let i = 0; i < 3; i++) await expect(limiter.consume('127.0.0.1')).resolves.toBeDefined();
      await expect(limiter.consume('127.0.0.1')).rejects.toBeInstanceOf(RateLimiterRes);
    } finally {
      await fixture.server.restart();
    }
    await fixture.fresh();
    // Redis counts again once it is back.
    await expect(limiter.consume('127.0.0.9')).resolves.toMatchObject({ remainingPoints: 2 });
    expect(await allKeys(redis)).toEqual(['test:rate:admin-api:127.0.0.9']);
  });
});
