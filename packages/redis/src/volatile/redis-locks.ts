// LockService on Redis: named critical sections across every node (roster changes, the offline
// flush). Same contract as core's MemoryLocks (@deskchat/testing coordinationContract), with a TTL:
// a holder that dies (or stalls) loses the lock when its TTL lapses, and never blocks the others.
//
// Keys of one lock, all under the lock's tag `<P>lock:{<name>}` (one slot: one script):
// - `<P>lock:{n}`: the holder's random token, SET with PX ttl. Release is a Lua compare-and-delete,
//   so a task that outlived its TTL cannot release a lock someone else took meanwhile.
// - `<P>lock:{n}:queue` (sorted set token → arrival, µs of Redis time) and `<P>lock:{n}:waiters`
//   (hash token → ms after which a waiter that stopped asking is dropped): a waiter that finds the
//   lock taken queues up, and a free lock goes to the head of the queue only. So waiting is FIFO
//   across nodes and bounded: a waiter waits for at most the holders queued before it, each for at
//   most its TTL. A waiter that dies is dropped once it reaches the head and stopped asking for
//   `waiterTtlMs`; both keys lapse when nobody waits.
// Within one process, callers of one name queue in memory first (one Redis waiter per name and
// process, FIFO as MemoryLocks); the local successor starts when the holder's task settles, or when
// its TTL lapses (Redis decides then, as for a remote waiter). Waiters poll with a short backoff.
import { randomBytes } from 'node:crypto';
import { silentLogger, type LockOptions, type LockService, type Logger } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { RedisLockTimeoutError } from '../errors.js';
import { LuaScript } from '../script.js';

// KEYS: holder, queue, waiters. ARGV: token, ttlMs, waiterTtlMs. Returns 1 when acquired, 0 when queued.
const ACQUIRE = new LuaScript(
  'lock-acquire',
  `local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
while true do
  local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if not head then break end
  if tonumber(redis.call('HGET', KEYS[3], head) or '0') > now then break end
  redis.call('ZREM', KEYS[2], head)
  redis.call('HDEL', KEYS[3], head)
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if not head or head == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    redis.call('ZREM', KEYS[2], ARGV[1])
    redis.call('HDEL', KEYS[3], ARGV[1])
    return 1
  end
end
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then redis.call('ZADD', KEYS[2], t[1] * 1000000 + t[2], ARGV[1]) end
redis.call('HSET', KEYS[3], ARGV[1], now + tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return 0`,
);

// KEYS: holder. ARGV: token. Returns 1 when released, 0 when the lock is no longer ours.
const RELEASE = new LuaScript(
  'lock-release',
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
);

// KEYS: queue, waiters. ARGV: token. Leaves the queue (gave up waiting).
const LEAVE_QUEUE = new LuaScript(
  'lock-leave-queue',
  `redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`,
);

export interface RedisLocksOptions {
  /** The TTL of a lock whose caller gives none (default 30 s). */
  ttlMs?: number;
  /** A waiter gives up (RedisLockTimeoutError) after this long (default 60 s). */
  maxWaitMs?: number;
  /** Polling backoff of a waiter (default 2..25 ms). */
  minPollMs?: number;
  maxPollMs?: number;
  /** Written into tokens, for a human reading Redis. */
  node?: string;
  log?: Logger;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class RedisLocks implements LockService {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly ttlMs: number;
  private readonly maxWaitMs: number;
  private readonly minPollMs: number;
  private readonly maxPollMs: number;
  private readonly waiterTtlMs: number;
  private readonly log: Logger;
  private readonly tokenPrefix: string;

  constructor(
    private readonly redis: RedisConnection,
    options: RedisLocksOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.maxWaitMs = options.maxWaitMs ?? 60_000;
    this.minPollMs = options.minPollMs ?? 2;
    this.maxPollMs = options.maxPollMs ?? 25;
    // Long enough that a busy event loop does not lose its place; short enough that a dead waiter's place is not held for long.
    this.waiterTtlMs = Math.max(2_000, 20 * this.maxPollMs);
    this.log = options.log ?? silentLogger;
    this.tokenPrefix = options.node ? `${options.node}:` : '';
  }

  async withLock<T>(name: string, task: () => Promise<T>, options: LockOptions = {}): Promise<T> {
    const ttlMs = Math.max(1, Math.round(options.ttlMs ?? this.ttlMs));
    const previous = this.tails.get(name) ?? Promise.resolve();
    let endTurn!: () => void;
    const turn = new Promise<void>((resolve) => (endTurn = resolve));
    const tail = previous.then(() => turn);
    this.tails.set(name, tail);
    try {
      await previous;
      const token = await this.acquire(name, ttlMs);
      const startedAt = Date.now();
      // A task that outlives its TTL no longer holds the lock: let the next local caller ask Redis.
      const lapse = setTimeout(endTurn, ttlMs);
      try {
        return await task();
      } finally {
        clearTimeout(lapse);
        await this.release(name, token, ttlMs, startedAt);
      }
    } finally {
      endTurn();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }

  private async acquire(name: string, ttlMs: number): Promise<string> {
    const keys = this.redis.keys.lock(name);
    const token = `${this.tokenPrefix}${randomBytes(12).toString('base64url')}`;
    const deadline = Date.now() + this.maxWaitMs;
    let delay = this.minPollMs;
    try {
      for (;;) {
        const acquired = await this.redis.run('withLock', (c) => ACQUIRE.run(c, [keys.holder, keys.queue, keys.waiters], [token, ttlMs, this.waiterTtlMs]));
        if (acquired === 1) return token;
        if (Date.now() >= deadline) throw new RedisLockTimeoutError(`withLock ${name}: not acquired within ${this.maxWaitMs} ms`);
        await sleep(Math.round(delay / 2 + (Math.random() * delay) / 2));
        delay = Math.min(this.maxPollMs, delay * 2);
      }
    } catch (err) {
      // Leave the queue, so that the others do not wait for a waiter that gave up (best effort: it lapses anyway).
      await this.redis.run('withLock', (c) => LEAVE_QUEUE.run(c, [keys.queue, keys.waiters], [token])).catch(() => undefined);
      throw err;
    }
  }

  private async release(name: string, token: string, ttlMs: number, startedAt: number): Promise<void> {
    const key = this.redis.keys.lock(name).holder;
    try {
      const released = await this.redis.run('releaseLock', (c) => RELEASE.run(c, [key], [token]));
      if (released !== 1) this.log.warn({ lock: name, ttlMs, heldMs: Date.now() - startedAt }, 'a task outlived its lock TTL: the lock had lapsed (and may have been taken by another holder) before it finished');
    } catch (err) {
      // The task's work is done; the lock lapses with its TTL.
      this.log.warn({ lock: name, err }, 'could not release a lock (it lapses with its TTL)');
    }
  }
}
