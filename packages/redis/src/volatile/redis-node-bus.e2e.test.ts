// The node bus on Redis beyond its contract (redis-coordination.e2e.test.ts): a reader in another
// process that is stopped (SIGSTOP) or killed — its messages wait, then arrive or are drained, once
// —, the liveness guard of `drain`, a second subscriber taking the stream, handler failures, Redis
// going away under a reader, and the publish → handler latency against plain pub/sub.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { BusMessage } from '@deskchat/core';
import { startChildNode, type ChildNode } from '../__tests__/child-process.js';
import { recordingLogger, redisOptions, useRedisServer } from '../__tests__/redis-fixture.js';
import { connectRedis, type RedisConnection } from '../connection.js';
import { RedisUnavailableError } from '../errors.js';
import { RedisNodeBus } from './redis-node-bus.js';

// AOF as a production Redis runs it (appendfsync everysec: with `always`, every XADD and XDEL waits for an fsync).
const fixture = useRedisServer({ aof: true, config: { appendfsync: 'everysec' } });
const FAST = { commandTimeoutMs: 300, healthCheckIntervalMs: 100, reconnect: { minDelayMs: 20, maxDelayMs: 200 } };
const msg = (id: string): BusMessage => ({ type: 'stanza', to: 'alice@x/desk', stanza: `<message id="${id}"/>` });
const idOf = (event: Record<string, unknown>) => /id="([^"]+)"/.exec((event.got as { stanza: string } | undefined)?.stanza ?? '')?.[1];

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A handler that records messages and resolves waits on them. */
function recorder() {
  const got: BusMessage[] = [];
  const waiters = new Set<() => void>();
  return {
    got,
    handler: (m: BusMessage) => {
      got.push(m);
      for (const w of waiters) w();
    },
    until: (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (got.length >= count) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

let child: ChildNode | undefined;
const extra: RedisConnection[] = [];
afterEach(async () => {
  await child?.kill();
  child = undefined;
  for (const c of extra.splice(0)) await c.close();
  if (!fixture.server.isRunning()) await fixture.server.restart();
});

async function childReader(node: string, listenerTtlMs: number): Promise<ChildNode> {
  child = await startChildNode([fixture.server.url, 'test:', 'bus', node, String(listenerTtlMs)]);
  await child.next((e) => e.ready === true);
  return child;
}

/**
 * A connection (on a fresh Redis) whose first bus reader answers `reads` XREADs and then hangs,
 * never settling: how node-redis's Sentinel client once behaved (sentinel-cluster.e2e, CI). No real
 * part makes a library hang on demand, so this is the one stand-in of the file; the reader itself,
 * Redis, the stream and every later reader are real.
 */
async function withStuckFirstReader(reads: number): Promise<{ redis: RedisConnection; connection: RedisConnection; readers: () => number }> {
  await fixture.fresh();
  const redis = await connectRedis(redisOptions(fixture.server, FAST));
  extra.push(redis);
  let readers = 0;
  const connection = Object.create(redis) as RedisConnection;
  connection.blockingClient = (name: string) => {
    const reader = redis.blockingClient(name);
    if (readers++ > 0) return reader;
    let done = 0;
    const stuck = Object.create(reader) as typeof reader;
    const read = reader.xRead as (...args: unknown[]) => Promise<unknown>;
    stuck.xRead = ((...args: unknown[]) => (done++ < reads ? read.apply(reader, args) : new Promise(() => undefined))) as typeof reader.xRead;
    return stuck;
  };
  return { redis, connection, readers: () => readers };
}

describe('RedisNodeBus with a reader in another process', () => {
  it('keeps messages for a stopped (SIGSTOP) reader, refuses to drain them while its key lives, and delivers them in order when it resumes', async () => {
    const redis = await fixture.fresh();
    const bus = new RedisNodeBus(redis);
    const reader = await childReader('imp1a', 5_000);
    await bus.publish('imp1a', msg('m1'));
    await reader.next((e) => idOf(e) === 'm1');
    // The reader reports m1 handled just before it deletes it from the stream: stop it only after that.
    for (const deadline = Date.now() + 5000; (await redis.client.xLen('test:node:{imp1a}:bus')) !== 0; ) {
      if (Date.now() > deadline) throw new Error('the reader never deleted m1 from its stream');
      await new Promise((r) => setTimeout(r, 10));
    }
    reader.stop();
    await bus.publish('imp1a', msg('m2'));
    await bus.publish('imp1a', msg('m3'));
    await expect(redis.client.xLen('test:node:{imp1a}:bus')).resolves.toBe(2);
    await expect(bus.drain('imp1a')).resolves.toEqual([]); // the stopped node's key still lives: not a takeover
    reader.resume();
    await reader.next((e) => idOf(e) === 'm3');
    expect(reader.events.map(idOf).filter(Boolean)).toEqual(['m1', 'm2', 'm3']);
    // Handled entries leave the stream: what remains is what the node has not processed.
    await waitFor('the handled entries to be deleted', async () => (await redis.client.xLen('test:node:{imp1a}:bus')) === 0);
  });

  it("drains a stalled reader's backlog once its key lapsed, once; the reader, resumed, gets only later messages", async () => {
    const redis = await fixture.fresh();
    const bus = new RedisNodeBus(redis);
    const reader = await childReader('imp1a', 400);
    reader.stop();
    await bus.publish('imp1a', msg('gap-1'));
    await bus.publish('imp1a', msg('gap-2'));
    await waitFor('the listener key to lapse', async () => (await redis.client.exists('test:node:{imp1a}:bus:listener')) === 0);
    await expect(bus.drain('imp1a')).resolves.toEqual([msg('gap-1'), msg('gap-2')]);
    await expect(bus.drain('imp1a')).resolves.toEqual([]);
    reader.resume();
    await bus.publish('imp1a', msg('later'));
    await reader.next((e) => idOf(e) === 'later');
    expect(reader.events.map(idOf).filter(Boolean)).toEqual(['later']);
    // It claimed its key again: the node is live, its stream is not drained from under it.
    await waitFor('the reader to claim its key again', async () => (await redis.client.exists('test:node:{imp1a}:bus:listener')) === 1);
    await bus.publish('imp1a', msg('live'));
    await expect(bus.drain('imp1a')).resolves.toEqual([]);
    await reader.next((e) => idOf(e) === 'live');
  });

  it("drains a killed (SIGKILL) reader's messages, oldest first, and a new subscriber of that node gets whatever came after", async () => {
    const redis = await fixture.fresh();
    const bus = new RedisNodeBus(redis);
    const reader = await childReader('imp1a', 300);
    await reader.kill();
    for (const id of ['k1', 'k2', 'k3']) await bus.publish('imp1a', msg(id));
    await waitFor('the listener key to lapse', async () => (await redis.client.exists('test:node:{imp1a}:bus:listener')) === 0);
    await expect(bus.drain('imp1a')).resolves.toEqual([msg('k1'), msg('k2'), msg('k3')]);
    await bus.publish('imp1a', msg('k4'));
    const restarted = recorder();
    const off = await new RedisNodeBus(redis).subscribe('imp1a', restarted.handler);
    expect(restarted.got).toEqual([msg('k4')]); // the backlog arrives before subscribe resolves
    await off();
  });
});

describe('RedisNodeBus', () => {
  it('lets a newer subscriber of the same node take the stream: the older one stops reading', async () => {
    const redis = await fixture.fresh();
    const other = await connectRedis(redisOptions(fixture.server));
    extra.push(other);
    const log = recordingLogger();
    const older = recorder();
    const newer = recorder();
    const olderBus = new RedisNodeBus(redis, { listenerTtlMs: 300, log });
    const offOlder = await olderBus.subscribe('imp1a', older.handler);
    const newerBus = new RedisNodeBus(other, { listenerTtlMs: 300 });
    const offNewer = await newerBus.subscribe('imp1a', newer.handler);
    await waitFor('the older subscriber to notice', () => log.lines.some((l) => /another subscriber took/.test(l.msg ?? '')));
    // Its node must stop taking clients (/readyz): nothing sent to it is read any more.
    expect(olderBus.health()).toEqual({ ok: false, detail: "bus of imp1a: another subscriber took this node's bus stream: this one stopped reading" });
    expect(newerBus.health()).toEqual({ ok: true });
    const bus = new RedisNodeBus(redis);
    for (const id of ['n1', 'n2']) await bus.publish('imp1a', msg(id));
    await newer.until(2);
    expect(newer.got).toEqual([msg('n1'), msg('n2')]);
    expect(older.got).toEqual([]);
    await offOlder();
    // The older one's unsubscribe leaves the newer one's key alone.
    await expect(bus.drain('imp1a')).resolves.toEqual([]);
    await offNewer();
  });

  it('goes on after a handler throws, and drops an unreadable entry, logging both', async () => {
    const redis = await fixture.fresh();
    const log = recordingLogger();
    const bus = new RedisNodeBus(redis, { log });
    const seen = recorder();
    const off = await bus.subscribe('imp1a', (m) => {
      seen.handler(m);
      if ((m as { stanza: string }).stanza.includes('boom')) throw new Error('handler bug');
    });
    await bus.publish('imp1a', msg('boom'));
    await redis.client.xAdd('test:node:{imp1a}:bus', '*', { m: '{not json' });
    await bus.publish('imp1a', msg('after'));
    await seen.until(2);
    expect(seen.got).toEqual([msg('boom'), msg('after')]);
    expect(log.lines.filter((l) => l.level === 'error' && l.msg === 'bus handler failed')).toHaveLength(1);
    expect(log.lines.filter((l) => l.level === 'warn' && l.msg === 'dropping an unreadable bus message')).toHaveLength(1);
    await off();
  });

  it('while Redis is down: publish, drain and subscribe fail with RedisUnavailableError, the reader waits, and resumes by itself', async () => {
    await fixture.fresh();
    const redis = await connectRedis(redisOptions(fixture.server, FAST));
    extra.push(redis);
    const bus = new RedisNodeBus(redis);
    const seen = recorder();
    const off = await bus.subscribe('imp1a', seen.handler);
    await bus.publish('imp1a', msg('before'));
    await seen.until(1);
    await fixture.server.kill();
    await waitFor('the connection to notice', () => !redis.isAvailable);
    await expect(bus.publish('imp1a', msg('lost'))).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(bus.drain('imp9z')).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(new RedisNodeBus(redis).subscribe('imp2a', () => undefined)).rejects.toBeInstanceOf(RedisUnavailableError);
    await fixture.server.restart();
    await waitFor('the connection to come back', () => redis.isAvailable);
    await bus.publish('imp1a', msg('after'));
    await seen.until(2);
    expect(seen.got).toEqual([msg('before'), msg('after')]);
    await off();
  });

  it('replaces a reader whose XREAD never answers (a client library stuck on a dead primary), losing and repeating nothing', async () => {
    // The first reader answers the backlog read and the one that brings 'before', then hangs.
    const { connection, readers } = await withStuckFirstReader(2);
    const log = recordingLogger();
    const bus = new RedisNodeBus(connection, { log, stuckMarginMs: 200 });
    const seen = recorder();
    const off = await bus.subscribe('imp1a', seen.handler);
    await bus.publish('imp1a', msg('before'));
    await seen.until(1);
    // The reader now hangs; these wait in the stream for its replacement.
    for (const id of ['during-1', 'during-2']) await bus.publish('imp1a', msg(id));
    await seen.until(3);
    await bus.publish('imp1a', msg('after'));
    await seen.until(4);
    expect(seen.got).toEqual([msg('before'), msg('during-1'), msg('during-2'), msg('after')]);
    expect(log.lines.filter((l) => l.level === 'warn' && l.msg === 'the bus reader is stuck: connecting a new one')).toHaveLength(1);
    expect(readers()).toBe(2);
    await off();
  });

  it('closes the replacement reader it was still connecting when it was stopped (no connection left behind)', async () => {
    const { redis, connection, readers } = await withStuckFirstReader(1);
    const log = recordingLogger();
    const off = await new RedisNodeBus(connection, { log, stuckMarginMs: 200 }).subscribe('imp1a', () => undefined);
    await waitFor('the stuck read to be noticed', () => log.lines.some((l) => l.msg === 'the bus reader is stuck: connecting a new one'));
    // Redis stops answering: the replacement's connect hangs; stop() comes meanwhile.
    fixture.server.pause();
    await waitFor('a second reader to be made', () => readers() === 2);
    const stopped = off();
    await new Promise((r) => setTimeout(r, 300));
    fixture.server.resume();
    await stopped;
    const names = async () => (await redis.run('clients', (c) => c.clientList())).map((c) => c.name);
    await waitFor('no bus reader connection left', async () => !(await names()).includes('deskchat-bus'), 5_000);
  });

  it('reports its health: not reading before it subscribes, reading after, not while Redis is stopped (SIGSTOP), reading again after', async () => {
    await fixture.fresh();
    const redis = await connectRedis(redisOptions(fixture.server, FAST));
    extra.push(redis);
    const bus = new RedisNodeBus(redis, { stuckMarginMs: 200 });
    expect(bus.health()).toEqual({ ok: false, detail: 'not subscribed to its bus stream: messages from other nodes are not read' });
    const seen = recorder();
    const off = await bus.subscribe('imp1a', seen.handler);
    expect(bus.health()).toEqual({ ok: true });
    // Idle reads (empty XREADs every block time) keep it healthy: well past two stuck deadlines.
    const stuckAfterMs = bus.settings.blockMs + redis.options.commandTimeoutMs + bus.settings.stuckMarginMs;
    await new Promise((r) => setTimeout(r, 3 * stuckAfterMs));
    expect(bus.health()).toEqual({ ok: true });
    fixture.server.pause();
    try {
      await waitFor('the bus to report that it is not reading', () => !bus.health().ok, 10 * stuckAfterMs);
      expect(bus.health().detail).toMatch(/^bus of imp1a: no bus read has answered for \d+(\.\d)? s: messages from other nodes are not arriving$/);
    } finally {
      fixture.server.resume();
    }
    await waitFor('the bus to read again', () => bus.health().ok, 10_000);
    // Reading for real: a message published now arrives.
    await bus.publish('imp1a', msg('after'));
    await seen.until(1);
    await off();
    expect(bus.health().ok).toBe(false);
  });

  it('unsubscribes promptly while Redis is down (nothing waits for the blocked read)', async () => {
    await fixture.fresh();
    const redis = await connectRedis(redisOptions(fixture.server, FAST));
    extra.push(redis);
    const off = await new RedisNodeBus(redis).subscribe('imp1a', () => undefined);
    await fixture.server.kill();
    const started = Date.now();
    await off();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('hands a message to the handler about as fast as pub/sub does (publish → handler round trip)', async () => {
    const redis = await fixture.fresh();
    const other = await connectRedis(redisOptions(fixture.server));
    extra.push(other);
    const rounds = 500;
    const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
    /** Round trips of `send` until the receiver calls `arrived` (the first 100 warm up and are not counted). */
    const measure = async (send: (i: number) => Promise<unknown>, setArrived: (f: () => void) => void): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < rounds + 100; i++) {
        const done = new Promise<void>((r) => setArrived(r));
        const t = process.hrtime.bigint();
        await send(i);
        await done;
        if (i >= 100) times.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      return times;
    };

    // The bus: published on one connection, handled by another node's reader.
    let arrived: (() => void) | undefined;
    const off = await new RedisNodeBus(other).subscribe('imp1a', () => arrived?.());
    const publisher = new RedisNodeBus(redis);
    const bus = await measure((i) => publisher.publish('imp1a', msg(`l${i}`)), (f) => (arrived = f));
    await off();

    // Plain pub/sub on the same server, for comparison.
    const subscriber = redis.client.duplicate();
    subscriber.on('error', () => undefined);
    await subscriber.connect();
    let heard: (() => void) | undefined;
    await subscriber.subscribe('latency', () => heard?.());
    const pubsub = await measure((i) => other.client.publish('latency', JSON.stringify(msg(`p${i}`))), (f) => (heard = f));
    subscriber.destroy();

    const figures = { bus: { p50: percentile(bus, 0.5), p99: percentile(bus, 0.99) }, pubsub: { p50: percentile(pubsub, 0.5), p99: percentile(pubsub, 0.99) } };
    process.stdout.write(`node bus latency (ms, ${rounds} round trips): ${JSON.stringify(figures)}\n`);
    // Generous bounds (a shared, busy 2-core machine: ≈ 0.3 ms against 0.1 ms quiet, ≈ 1.2 ms against 0.3 ms during
    // the whole suite): the same order as pub/sub, far from what polling would give.
    expect(figures.bus.p50).toBeLessThan(Math.max(5 * figures.pubsub.p50, 5));
  });
});
