// Redis lost while the node runs (issue 8 §8): no crash, store calls fail with the typed
// RedisUnavailableError (a core StoreUnavailableError callers map to a stream or IQ error) — at
// once while Redis is known to be gone, after commandTimeoutMs when it stops answering — a warning
// in the log, and everything works again when Redis returns, with nothing lost under AOF.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { StoreUnavailableError, type RosterItem } from '@deskchat/core';
import { recordingLogger, redisOptions, useRedisServer, type LogLine } from './__tests__/redis-fixture.js';
import { connectRedis, type RedisClient, type RedisConnection } from './connection.js';
import { RedisUnavailableError } from './errors.js';
import { openRedisStores, type RedisStores } from './open-stores.js';

const fixture = useRedisServer({ aof: true });
const FAST = { commandTimeoutMs: 300, healthCheckIntervalMs: 100, reconnect: { minDelayMs: 20, maxDelayMs: 200 } };
const item = (jid: string): RosterItem => ({ jid, groups: ['Team'], subscription: 'both', isPendingOut: false, isPreApproved: false });

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function failure(call: Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const started = Date.now();
  const err = await call.then(() => undefined, (e: unknown) => e);
  return { err, ms: Date.now() - started };
}

let redis: RedisConnection;
let stores: RedisStores;
let lines: LogLine[];
beforeEach(async () => {
  await fixture.fresh();
  const log = recordingLogger();
  lines = log.lines;
  redis = await connectRedis(redisOptions(fixture.server, FAST), { log });
  stores = openRedisStores(redis);
});
afterEach(async () => {
  if (!fixture.server.isRunning()) await fixture.server.restart();
  fixture.server.resume();
  await redis.close();
});

describe('Redis lost while running', () => {
  it('killed (SIGKILL): calls fail at once with the typed error, and work again after a restart with nothing lost (AOF)', async () => {
    await stores.roster.setItem('alice', item('bob@localhost'));
    const events: string[] = [];
    redis.on('unavailable', () => events.push('unavailable'));
    redis.on('available', () => events.push('available'));

    await fixture.server.kill();
    await waitFor('the connection to notice', () => !redis.isAvailable);
    const { err, ms } = await failure(stores.roster.getRoster('alice'));
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err).toMatchObject({ condition: 'internal-server-error', type: 'wait', http: 503, backend: 'redis' });
    expect((err as Error).message).toMatch(/^getRoster: Redis at redis:\/\/127\.0\.0\.1:\d+ is unavailable/);
    expect(ms).toBeLessThan(100);
    await expect(stores.accounts.hasAccount('alice')).rejects.toThrow(RedisUnavailableError);
    expect(lines.filter((l) => l.level === 'warn' && /redis unavailable/.test(l.msg ?? ''))).toHaveLength(1);

    await fixture.server.restart();
    await waitFor('the connection to come back', () => redis.isAvailable);
    await expect(stores.roster.getRoster('alice')).resolves.toEqual({ version: 1, items: [item('bob@localhost')] });
    // The restarted server has no scripts cached: EVALSHA falls back to EVAL.
    await expect(stores.roster.setItem('alice', item('carol@localhost'))).resolves.toBe(2);
    expect(events).toEqual(['unavailable', 'available']);
    expect(lines.some((l) => l.level === 'info' && l.msg === 'redis available again')).toBe(true);
  });

  it('hung (SIGSTOP): a call fails after commandTimeoutMs, later ones at once, and all work once it answers again', async () => {
    await stores.settings.set('chat-servers', { primary: 'https://imp1' });
    fixture.server.pause();
    const first = await failure(stores.settings.get('chat-servers'));
    expect(first.err).toBeInstanceOf(RedisUnavailableError);
    expect((first.err as Error).message).toMatch(/no reply from Redis at .* within 300 ms/);
    expect(first.ms).toBeGreaterThanOrEqual(290);
    expect(first.ms).toBeLessThan(1500);

    await waitFor('the health check to notice', () => !redis.isAvailable);
    const next = await failure(stores.offline.countMessages('bob'));
    expect(next.err).toBeInstanceOf(RedisUnavailableError);
    expect(next.ms).toBeLessThan(100);

    fixture.server.resume();
    await waitFor('the connection to come back', () => redis.isAvailable);
    await expect(stores.settings.get('chat-servers')).resolves.toMatchObject({ value: { primary: 'https://imp1' } });
  });

  it('hung past the socket timeout: the connection is dropped and made again, and works once Redis answers', async () => {
    await stores.accounts.countAccounts();
    fixture.server.pause();
    await waitFor('the health check to notice', () => !redis.isAvailable);
    // socketTimeout is max(3 × 100, 2 × 300) = 600 ms here: the idle socket to the silent server is dropped.
    await waitFor('node-redis to drop the silent socket', () => !(redis.client as RedisClient).isReady, 5000); // a single server's client here
    await expect(stores.accounts.countAccounts()).rejects.toThrow(RedisUnavailableError);
    fixture.server.resume();
    await waitFor('the connection to come back', () => redis.isAvailable);
    await expect(stores.accounts.countAccounts()).resolves.toBe(0);
  });
});
