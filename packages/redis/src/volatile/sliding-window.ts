// A sliding-window counter shared by every node of a cluster (issue #13: XEP-0077 registrations
// per client address, `register.maxPerAddress` in any `register.windowSeconds`): per counted key one
// sorted set `<P>rate:<name>:<key>` of event times (Redis TIME, so the nodes' clocks do not matter),
// trimmed, counted and added to by one single-key script (any slot of a Redis Cluster), with the
// window as its TTL. The same answer as im's in-memory SlidingWindow: 0 when the event is recorded,
// else the seconds until the oldest event leaves the window.
import { randomBytes } from 'node:crypto';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';

const TAKE = new LuaScript(
  'slidingWindowTake',
  `
local key, limit, window = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return math.max(1, math.ceil((tonumber(oldest[2]) + window - now) / 1000))
end
redis.call('ZADD', key, now, ARGV[3])
redis.call('PEXPIRE', key, window)
return 0
`,
);

export class RedisSlidingWindow {
  constructor(
    private readonly redis: RedisConnection,
    private readonly name: string,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Records an event for `key` when under the limit (0); otherwise the seconds to wait. */
  async take(key: string): Promise<number> {
    const redisKey = `${this.redis.keys.rateLimiter(this.name)}:${key}`;
    const member = randomBytes(9).toString('base64url');
    return Number(await this.redis.run('slidingWindowTake', (c) => TAKE.run(c, [redisKey], [this.limit, this.windowMs, member])));
  }
}
