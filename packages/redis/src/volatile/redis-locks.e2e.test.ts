// RedisLocks beyond the contract (redis-coordination.e2e.test.ts): a holder whose process dies (its
// TTL lapses), a task that outlives its TTL (it must not release the next holder's lock), bounded
// waiting across two nodes (the queue), a dead waiter, the wait bound, and Redis down.
import { afterEach, describe, expect, it } from '@jest/globals';
import { startChildNode, type ChildNode } from '../__tests__/child-process.js';
import { recordingLogger, redisOptions, useRedisServer } from '../__tests__/redis-fixture.js';
import { connectRedis, type RedisConnection } from '../connection.js';
import { RedisLockTimeoutError, RedisUnavailableError } from '../errors.js';
import { RedisLocks } from './redis-locks.js';

const fixture = useRedisServer();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let child: ChildNode | undefined;
const extra: RedisConnection[] = [];
afterEach(async () => {
  await child?.kill();
  child = undefined;
  for (const c of extra.splice(0)) await c.close();
  if (!fixture.server.isRunning()) await fixture.server.restart();
});

async function secondNode(): Promise<RedisConnection> {
  const c = await connectRedis(redisOptions(fixture.server));
  extra.push(c);
  return c;
}

describe('RedisLocks', () => {
  it("takes over a lock once the TTL of a holder whose process died (SIGKILL) lapses, not before", async () => {
    const redis = await fixture.fresh();
    child = await startChildNode([fixture.server.url, 'test:', 'lock', 'roster:alice', '800']);
    await child.next((e) => e.locked === true);
    const lockedAt = Date.now();
    await child.kill();
    const locks = new RedisLocks(redis);
    const at = await locks.withLock('roster:alice', async () => Date.now());
    expect(at - lockedAt).toBeGreaterThanOrEqual(600); // it waited for the dead holder's TTL…
    expect(at - lockedAt).toBeLessThan(2_000); // …and no longer
  });

  it("does not release the next holder's lock when a task outlives its TTL, and logs it", async () => {
    const redis = await fixture.fresh();
    const log = recordingLogger();
    const a = new RedisLocks(redis, { log });
    const b = new RedisLocks(await secondNode());
    const c = new RedisLocks(await secondNode());
    const events: string[] = [];
    let releaseB!: () => void;
    const slow = a.withLock(
      'offline:alice',
      async () => {
        events.push('a+');
        await sleep(500);
        events.push('a-');
      },
      { ttlMs: 200 },
    );
    await sleep(20);
    const second = b.withLock('offline:alice', async () => {
      events.push('b+');
      await new Promise<void>((r) => (releaseB = r));
      events.push('b-');
    });
    await slow; // a's task ended (after its TTL) while b holds the lock
    expect(events).toEqual(['a+', 'b+', 'a-']);
    const third = c.withLock('offline:alice', async () => void events.push('c+'));
    await sleep(100);
    expect(events).toEqual(['a+', 'b+', 'a-']); // a's late release did not free the lock: c still waits for b
    releaseB();
    await Promise.all([second, third]);
    expect(events).toEqual(['a+', 'b+', 'a-', 'b-', 'c+']);
    expect(log.lines.some((l) => l.level === 'warn' && /outlived its lock TTL/.test(l.msg ?? ''))).toBe(true);
  });

  it('bounds the wait of a node contending with a busy one: it gets the lock after the holders queued before it', async () => {
    const redis = await fixture.fresh();
    const busy = new RedisLocks(redis);
    const other = new RedisLocks(await secondNode());
    const order: string[] = [];
    const task = (who: string) => async () => {
      order.push(who);
      await sleep(5);
    };
    const busyTasks = Array.from({ length: 30 }, (_, i) => busy.withLock('roster:bob', task(`busy${i}`)));
    await sleep(15); // busy0 holds the lock, busy1 waits in Redis, busy2… wait in process
    const mine = other.withLock('roster:bob', task('other'));
    await Promise.all([...busyTasks, mine]);
    // Without a queue the busy node's next local caller would take the freed lock each time, before the other's next poll.
    expect(order.indexOf('other')).toBeLessThanOrEqual(3);
  });

  it("drops a waiter whose process died from the head of the queue, so it blocks no one for long", async () => {
    const redis = await fixture.fresh();
    const locks = new RedisLocks(redis);
    let release!: () => void;
    const held = locks.withLock('roster:carol', () => new Promise<void>((r) => (release = r)));
    await sleep(20);
    child = await startChildNode([fixture.server.url, 'test:', 'lock', 'roster:carol', '10000']);
    const queued = async () => (await redis.client.zCard('test:lock:{roster:carol}:queue')) === 1;
    for (const deadline = Date.now() + 10_000; !(await queued()); await sleep(10)) if (Date.now() > deadline) throw new Error('the child never queued');
    await child.kill();
    release();
    await held;
    const started = Date.now();
    await locks.withLock('roster:carol', async () => undefined);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThan(500); // the dead waiter's place was kept for a while…
    expect(waited).toBeLessThan(4_000); // …but not forever
    expect(child.events).toEqual([]); // the dead waiter never got it
  });

  it('gives up after maxWaitMs with RedisLockTimeoutError, leaving the queue', async () => {
    const redis = await fixture.fresh();
    const holder = new RedisLocks(redis);
    const impatient = new RedisLocks(await secondNode(), { maxWaitMs: 200 });
    let release!: () => void;
    const held = holder.withLock('roster:dave', () => new Promise<void>((r) => (release = r)));
    await sleep(10);
    let ran = false;
    await expect(impatient.withLock('roster:dave', async () => void (ran = true))).rejects.toBeInstanceOf(RedisLockTimeoutError);
    expect(ran).toBe(false);
    await expect(redis.client.exists('test:lock:{roster:dave}:queue')).resolves.toBe(0);
    release();
    await held;
    await expect(redis.client.keys('test:lock:*')).resolves.toEqual([]);
  });

  it('fails with RedisUnavailableError while Redis is down, without running the task', async () => {
    const redis = await fixture.fresh();
    const locks = new RedisLocks(redis);
    await fixture.server.kill();
    let ran = false;
    await expect(locks.withLock('roster:erin', async () => void (ran = true))).rejects.toBeInstanceOf(RedisUnavailableError);
    expect(ran).toBe(false);
    await fixture.server.restart();
    await fixture.fresh();
    await expect(locks.withLock('roster:erin', async () => 'ok')).resolves.toBe('ok');
  });
});
