// Rate limiters counted in Redis, so that every node of a cluster shares one count (issue 7 §4,
// issue 8 §1 "cluster-wide limits"): rate-limiter-flexible's RateLimiterRedis on the node's one
// connection (node-redis v5: `useRedisPackage: true`, which makes it call `eval(script, {keys,
// arguments})`, `multi()…pTTL()…exec(true)` and `del` — all node-redis v5 methods).
//
// Each limiter's keys are `<P>rate:<name>:<key>`: one string per counted key with its window as TTL
// (EX), written by one single-key script, so any key may live in any slot of a Redis Cluster.
//
// Every call goes through RedisConnection.run: while Redis is away a limiter call fails with the
// typed RedisUnavailableError (at once, or after the command timeout) instead of node-redis's
// client errors, and callers see the same failure as from any store. A "no points left" answer is
// still a rejection with a RateLimiterRes, as with the memory limiters.
import type { SignInCounters, SignInLimits } from '@deskchat/core';
import { RateLimiterMemory, RateLimiterRedis, type IRateLimiterRedisOptions, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisConnection } from '../connection.js';

type Store = (...args: unknown[]) => Promise<unknown>;
const base = RateLimiterRedis.prototype as unknown as { _upsert: Store; _get: Store; _delete: Store };

/** RateLimiterRedis whose store calls run through the connection's `run` (typed unavailability, deadlines). */
export class RedisRateLimiter extends RateLimiterRedis {
  constructor(
    private readonly redis: RedisConnection,
    name: string,
    options: Omit<IRateLimiterRedisOptions, 'storeClient' | 'keyPrefix' | 'useRedisPackage'>,
  ) {
    super({ ...options, storeClient: redis.client, useRedisPackage: true, keyPrefix: redis.keys.rateLimiter(name) });
  }

  // rate-limiter-flexible's store hooks (RateLimiterStoreAbstract), wrapped.
  protected _upsert(...args: unknown[]): Promise<unknown> {
    return this.redis.run('rateLimiter', () => base._upsert.apply(this, args));
  }

  protected _get(...args: unknown[]): Promise<unknown> {
    return this.redis.run('rateLimiter', () => base._get.apply(this, args));
  }

  protected _delete(...args: unknown[]): Promise<unknown> {
    return this.redis.run('rateLimiter', () => base._delete.apply(this, args));
  }
}

/**
 * Core's sign-in counters (`SignInCounters`, stream/sign-in-limiter.ts) in Redis: failures per
 * (address, username) and per address, one count for the whole cluster; the same windows as
 * `memorySignInCounters`.
 */
export function redisSignInCounters(redis: RedisConnection, limits: SignInLimits): SignInCounters {
  const window = { duration: limits.authLockoutSeconds, blockDuration: limits.authLockoutSeconds };
  return {
    perUser: new RedisRateLimiter(redis, 'sign-in-user', { points: limits.authFailuresPerUser, ...window }),
    perAddress: new RedisRateLimiter(redis, 'sign-in-address', { points: limits.authFailuresPerAddress, ...window }),
  };
}

/** The admin API's request rate (admin's `RateLimit`: the same shape, the same window as its `memoryRateLimiter`). */
export interface RequestRate {
  /** Requests per second allowed on average… */
  perSecond: number;
  /** …and at most this many within `burst / perSecond` seconds. */
  burst: number;
}

/**
 * The limiter for the admin API's `rateLimiter` option: requests per client address, counted across
 * nodes. While Redis is unavailable it counts on this node alone (rate-limiter-flexible's insurance
 * limiter), so that the admin port — its health checks above all — keeps answering during an outage.
 */
export function redisRequestRateLimiter(redis: RedisConnection, limit: RequestRate, name = 'admin-api'): RateLimiterAbstract {
  const window = { points: limit.burst, duration: Math.max(1, Math.round(limit.burst / limit.perSecond)) };
  return new RedisRateLimiter(redis, name, { ...window, insuranceLimiter: new RateLimiterMemory({ ...window, keyPrefix: name }) });
}
