// A request-rate limit per client address (design.md §7) on rate-limiter-flexible, the library the
// sign-in throttle uses too, so that a cluster can pass a RateLimiterRedis (one count for every
// node). Past the limit the admin API answers 429 with Retry-After and does nothing.
import type { Context, Next } from 'koa';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { failures } from './http-error.js';

export interface RateLimit {
  /** Requests per second allowed on average… */
  perSecond: number;
  /** …and at most this many within `burst / perSecond` seconds. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 200, burst: 400 };

export function memoryRateLimiter(limit: RateLimit): RateLimiterAbstract {
  return new RateLimiterMemory({ keyPrefix: 'admin-api', points: limit.burst, duration: Math.max(1, Math.round(limit.burst / limit.perSecond)) });
}

export function rateLimit(limiter: RateLimiterAbstract) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await limiter.consume(ctx.ip || 'unknown');
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      ctx.set('Retry-After', String(Math.max(1, Math.ceil(err.msBeforeNext / 1000))));
      throw failures.tooManyRequests();
    }
    await next();
  };
}
