// A request-rate limit per client address (design.md §7): a token bucket refilled at `perSecond`
// up to `burst`. Past it the admin API answers 429 with Retry-After and does nothing.
import type { Context, Next } from 'koa';
import { failures } from './http-error.js';

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 200, burst: 400 };

export function rateLimit(limit: RateLimit, now: () => number = Date.now) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return async (ctx: Context, next: Next): Promise<void> => {
    const address = ctx.ip || 'unknown';
    const t = now();
    const bucket = buckets.get(address) ?? { tokens: limit.burst, at: t };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((t - bucket.at) / 1000) * limit.perSecond);
    bucket.at = t;
    buckets.set(address, bucket);
    if (buckets.size > 10_000) buckets.delete(buckets.keys().next().value!);
    if (bucket.tokens < 1) {
      ctx.set('Retry-After', String(Math.ceil((1 - bucket.tokens) / limit.perSecond)));
      throw failures.tooManyRequests();
    }
    bucket.tokens -= 1;
    await next();
  };
}
