// Redis through Sentinel (issue 14): a real primary, one replica and three Sentinels
// (@deskchat/testing startRedisSentinelGroup). The stores, the node bus (its blocking reader has a
// Sentinel client of its own) and the rate limiters work through Sentinel; when the primary is
// killed (SIGKILL) and Sentinel promotes the replica, the connection follows by itself and writes
// succeed again within 10 s, with what was acknowledged by the replica (WAIT) still there.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { StoreUnavailableError, type BusMessage, type RosterItem } from '@deskchat/core';
import { startRedisSentinelGroup, type RedisSentinelGroup } from '@deskchat/testing';
import { recordingLogger, type LogLine } from './__tests__/redis-fixture.js';
import { connectRedis, type RedisConnection } from './connection.js';
import { RedisConnectError } from './errors.js';
import { openRedisSharedState, type RedisSharedState } from './open-shared-state.js';
import { openRedisStores, type RedisStores } from './open-stores.js';
import { parseRedisOptions } from './options.js';
import { RedisRateLimiter } from './volatile/rate-limiters.js';

const PASSWORD = 'data-secret';
const FAST = { commandTimeoutMs: 500, healthCheckIntervalMs: 100, reconnect: { minDelayMs: 20, maxDelayMs: 200 }, keyPrefix: 'sentinel-test:' };
const item = (jid: string): RosterItem => ({ jid, groups: ['Team'], subscription: 'both', isPendingOut: false, isPreApproved: false });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let group: RedisSentinelGroup;
let redis: RedisConnection;
let stores: RedisStores;
let shared: RedisSharedState;
let lines: LogLine[];
const received: BusMessage[] = [];

beforeAll(async () => {
  group = await startRedisSentinelGroup({ password: PASSWORD, downAfterMs: 1000 });
  const log = recordingLogger();
  lines = log.lines;
  redis = await connectRedis(parseRedisOptions({ sentinels: group.sentinelAddresses.join(','), masterName: group.masterName, password: PASSWORD, ...FAST }), { log });
  stores = openRedisStores(redis);
  shared = openRedisSharedState(redis, { node: 'n1', log });
  await shared.bus.subscribe('n1', (m) => void received.push(m));
}, 40_000);

afterAll(async () => {
  await shared?.close();
  await redis?.close();
  await group?.stop();
});

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('RedisConnection through Sentinel', () => {
  it('finds the primary through the Sentinels: stores, scripts, the bus and the rate limiters work on it', async () => {
    expect(redis.url).toBe(`redis-sentinel://${group.sentinelAddresses.join(',')}/deskchat`);
    expect(redis.isAvailable).toBe(true);
    await expect(stores.roster.setItem('alice', item('bob@localhost'))).resolves.toBe(1); // a Lua script
    await expect(stores.roster.getRoster('alice')).resolves.toEqual({ version: 1, items: [item('bob@localhost')] });
    await expect(group.primary.cli('HLEN', 'sentinel-test:user:{alice}:roster')).resolves.toBe('1');
    await shared.bus.publish('n1', { type: 'stanza', to: 'alice@localhost/a', stanza: '<message/>' });
    await waitFor('the bus message', () => received.length === 1, 5000);
    const limiter = new RedisRateLimiter(redis, 'sentinel', { points: 1, duration: 60 });
    await expect(limiter.consume('k')).resolves.toMatchObject({ remainingPoints: 0 });
    await expect(limiter.consume('k')).rejects.toMatchObject({ remainingPoints: 0 });
  });

  it('acknowledges a durable write once the replica has it (WAIT 1, on a connection of its own); with the replica stopped, after waitTimeoutMs, logged as unreplicated', async () => {
    expect(redis.options).toMatchObject({ waitReplicas: 1, waitTimeoutMs: 100 });
    const quota = { maxMessages: 10, maxBytes: 10_000 };
    await expect(stores.offline.storeMessage('frank', { storedAt: 1, stanza: '<message id="m1"/>' }, quota)).resolves.toBe(true);
    await expect(group.replicas[0]!.cli('HLEN', 'sentinel-test:user:{frank}:offline')).resolves.toBe('1');
    expect(lines.some((l) => l.msg?.startsWith('redis: a durable write was acknowledged before its replicas had it'))).toBe(false);
    // A stopped replica cannot acknowledge: the write is still acknowledged (the primary has it), after the WAIT timed out.
    group.replicas[0]!.pause();
    try {
      const started = Date.now();
      await expect(stores.offline.storeMessage('frank', { storedAt: 2, stanza: '<message id="m2"/>' }, quota)).resolves.toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(95);
      expect(lines.filter((l) => l.msg?.startsWith('redis: a durable write was acknowledged before its replicas had it'))).toHaveLength(1);
    } finally {
      group.replicas[0]!.resume();
    }
    await expect(redis.run('wait', (c) => c.wait(1, 2000))).resolves.toBe(1);
    await expect(group.replicas[0]!.cli('HLEN', 'sentinel-test:user:{frank}:offline')).resolves.toBe('2');
  });

  it('follows the replica Sentinel promotes after the primary is killed: writes succeed again within 10 s, nothing acknowledged by the replica is lost', async () => {
    await stores.roster.setItem('carol', item('dave@localhost'));
    // What a durable write with WAIT would guarantee: the replica has it before the crash.
    await expect(redis.run('wait', (c) => c.wait(1, 2000))).resolves.toBe(1);
    const oldPort = group.primary.port;

    const startedAt = Date.now();
    redis.once('unavailable', (reason) => process.stdout.write(`unavailable after ${Date.now() - startedAt} ms: ${reason}\n`));
    const { killedAt, promotedMs: promotion } = await group.killPrimary();
    let firstFailure: unknown;
    let attempts = 0;
    let version: number | undefined;
    while (version === undefined) {
      attempts++;
      try {
        version = await stores.roster.setItem('carol', item('erin@localhost'));
      } catch (err) {
        if (firstFailure === undefined) process.stdout.write(`first failure after ${Date.now() - killedAt} ms: ${(err as Error).message}\n`);
        firstFailure ??= err;
        if (Date.now() - killedAt > 40_000) throw new Error(`no write succeeded within 40 s of the primary's death (${attempts} attempts; last: ${(err as Error).message})`);
        await sleep(50);
      }
    }
    const switchMs = Date.now() - killedAt;
    const promotedMs = await promotion;
    process.stdout.write(`sentinel switch-over: promoted ${promotedMs} ms after SIGKILL, first write on the new primary ${switchMs} ms after it (${attempts} attempts)\n`);

    // Issue 14's bound, from Sentinel's promotion (its own election is not ours to bound).
    expect(switchMs - promotedMs).toBeLessThan(10_000);
    expect(firstFailure).toBeInstanceOf(StoreUnavailableError); // typed, never a raw socket error
    const promoted = await group.currentPrimary();
    expect(promoted.port).not.toBe(oldPort);
    expect(promoted.port).toBe(group.replicas[0]!.port);
    // The write went to the promoted replica, on top of what it had replicated before the crash.
    // Version 2, or more: an attempt reported failed at its deadline during the switch may still
    // have been applied by the new primary (an ambiguous outcome: seen once in CI, version 3), and
    // the retry applies the same item again. Either way nothing acknowledged is lost (below).
    expect(version).toBeGreaterThanOrEqual(2);
    expect((await group.replicas[0]!.cli('HKEYS', 'sentinel-test:user:{carol}:roster')).split('\n').sort()).toEqual(['dave@localhost', 'erin@localhost']);
    await expect(stores.roster.getRoster('alice')).resolves.toEqual({ version: 1, items: [item('bob@localhost')] });
    expect(lines.some((l) => l.msg === 'redis unavailable: store calls fail until it answers again; reconnecting with backoff')).toBe(true);
    expect(lines.some((l) => l.msg === 'redis sentinel: following the new primary')).toBe(true);

    // The bus reader's own Sentinel client followed too.
    await shared.bus.publish('n1', { type: 'stanza', to: 'alice@localhost/a', stanza: '<message id="after"/>' });
    await waitFor('a bus message after the failover', () => received.length === 2, 10_000);
    expect(received[1]).toEqual({ type: 'stanza', to: 'alice@localhost/a', stanza: '<message id="after"/>' });
  }, 70_000);

  it('fails at start with RedisConnectError naming the Sentinels when none answers', async () => {
    const options = parseRedisOptions({ sentinels: '127.0.0.1:1', masterName: 'deskchat', startTimeoutMs: 500 });
    const started = Date.now();
    const err = await connectRedis(options).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RedisConnectError);
    expect((err as Error).message).toMatch(/^Redis Sentinel redis-sentinel:\/\/127\.0\.0\.1:1\/deskchat gave no reachable primary "deskchat"/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
