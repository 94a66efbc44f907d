// The SessionDirectory contract on a real redis-server, and what Redis adds: the per-node index in
// another slot than the user's entries (two scripts on a Cluster) and its leftovers, entries seen
// from a second connection, calls while Redis is down, and reads that may come from this node's
// copy (client-side caching).
import { describe, expect, it, jest } from '@jest/globals';
import type { DirectoryEntry } from '@deskchat/core';
import { eventually, sessionDirectoryContract } from '@deskchat/testing';
import { hashTagOf, redisOptions, useRedisServer } from '../__tests__/redis-fixture.js';
import { connectRedis, type RedisConnection } from '../connection.js';
import { RedisUnavailableError } from '../errors.js';
import { RedisSessionDirectory } from './redis-session-directory.js';

const fixture = useRedisServer();

sessionDirectoryContract('redis', async () => ({ directory: new RedisSessionDirectory(await fixture.fresh()) }));

const entry = (username: string, resource: string, sessionId: string, node = 'imp1a', extra: Partial<DirectoryEntry> = {}): DirectoryEntry => ({
  username,
  resource,
  sessionId,
  node,
  transport: 'websocket',
  isAvailable: false,
  priority: 0,
  carbons: false,
  interested: false,
  boundAt: 1_700_000_000_000,
  ...extra,
});
const rules = { maxPerUser: 5, onConflict: 'replace' as const };

/** Two nodes' directories on one Redis, each on a connection of its own (`here` on the fixture's). */
async function withTwoNodes(test: (here: RedisSessionDirectory, there: RedisSessionDirectory, redis: RedisConnection) => Promise<void>): Promise<void> {
  const redis = await fixture.fresh();
  const other = await connectRedis(redisOptions(fixture.server));
  try {
    await test(new RedisSessionDirectory(redis), new RedisSessionDirectory(other), redis);
  } finally {
    await other.close();
  }
}

describe('RedisSessionDirectory', () => {
  it('keeps entries under the user\'s hash tag and the node index under the node\'s', async () => {
    const redis = await fixture.fresh();
    const directory = new RedisSessionDirectory(redis);
    await directory.register(entry('a{b}', 'desk', 's1', 'imp{1}a'), rules);
    const keys = (await redis.client.keys('*')).sort();
    expect(keys).toEqual(['test:node:{imp%7B1%7Da}:sessions', 'test:user:{a%7Bb%7D}:sessions']);
    expect(keys.map(hashTagOf)).toEqual(['imp%7B1%7Da', 'a%7Bb%7D']);
    await expect(directory.entriesOfNode('imp{1}a')).resolves.toEqual([entry('a{b}', 'desk', 's1', 'imp{1}a')]);
  });

  it('keeps every field exact through updates: times in ms, negative priorities, any resource text', async () => {
    const directory = new RedisSessionDirectory(await fixture.fresh());
    const e = entry('alice', 'Desk "ü" / \u00e9 😀', 's1', 'imp1a', { boundAt: Date.now(), transport: 'bosh' });
    await directory.register(e, rules);
    await directory.update('alice', e.resource, 's1', { priority: -128, isAvailable: true });
    await directory.update('alice', e.resource, 's1', { priority: 127, carbons: true });
    await expect(directory.get('alice', e.resource)).resolves.toEqual({ ...e, priority: 127, isAvailable: true, carbons: true });
    await expect(directory.resourcesOf('alice')).resolves.toEqual([{ ...e, priority: 127, isAvailable: true, carbons: true }]);
  });

  it('shows one node\'s registrations to another, and the conflict rule holds across them', () =>
    withTwoNodes(async (first, second, redis) => {
      await first.register(entry('alice', 'desk', 's1', 'imp1a'), rules);
      const result = await second.register(entry('alice', 'desk', 's2', 'imp1b'), { ...rules, onConflict: 'refuse' });
      expect(result).toEqual({ status: 'conflict', holder: entry('alice', 'desk', 's1', 'imp1a') });
      await expect(second.entriesOfNode('imp1a')).resolves.toEqual([entry('alice', 'desk', 's1', 'imp1a')]);
      await expect(second.entriesOfNode('imp1b')).resolves.toEqual([]);
      // The refused bind left no index entry behind on its node, and the holder's is intact.
      await expect(redis.client.hLen('test:node:{imp1b}:sessions')).resolves.toBe(0);
      await expect(redis.client.hLen('test:node:{imp1a}:sessions')).resolves.toBe(1);
    }));

  it('a refused bind on the holder\'s own node keeps the holder in that node\'s index', async () => {
    const directory = new RedisSessionDirectory(await fixture.fresh());
    await directory.register(entry('alice', 'desk', 's1', 'imp1a'), rules);
    await directory.register(entry('alice', 'desk', 's2', 'imp1a'), { ...rules, onConflict: 'refuse' });
    await directory.register(entry('alice', 'other', 's3', 'imp1a'), { ...rules, maxPerUser: 1 });
    await expect(directory.entriesOfNode('imp1a')).resolves.toEqual([entry('alice', 'desk', 's1', 'imp1a')]);
  });

  it('tolerates an index entry that points to nothing (a crash between the two writes), and prunes it once it is old', async () => {
    const redis = await fixture.fresh();
    const directory = new RedisSessionDirectory(redis, { staleIndexMs: 200 });
    await directory.register(entry('alice', 'desk', 's1', 'imp1a'), rules);
    // What a node that died after step 1 of a register leaves, and one whose entry moved on.
    await redis.client.hSet('test:node:{imp1a}:sessions', JSON.stringify(['bob', 'web', 's7']), String(Date.now()));
    await redis.client.hSet('test:node:{imp1a}:sessions', JSON.stringify(['alice', 'desk', 'old']), String(Date.now() - 1_000));
    await expect(directory.entriesOfNode('imp1a')).resolves.toEqual([entry('alice', 'desk', 's1', 'imp1a')]);
    // The old leftover went at once; the young one (maybe a register in flight) stays until it is old too.
    expect(Object.keys(await redis.client.hGetAll('test:node:{imp1a}:sessions')).sort()).toEqual([JSON.stringify(['alice', 'desk', 's1']), JSON.stringify(['bob', 'web', 's7'])]);
    await new Promise((r) => setTimeout(r, 250));
    await expect(directory.entriesOfNode('imp1a')).resolves.toEqual([entry('alice', 'desk', 's1', 'imp1a')]);
    expect(Object.keys(await redis.client.hGetAll('test:node:{imp1a}:sessions'))).toEqual([JSON.stringify(['alice', 'desk', 's1'])]);
  });

  it('moves a replaced entry out of its old node\'s index', async () => {
    const redis = await fixture.fresh();
    const directory = new RedisSessionDirectory(redis);
    await directory.register(entry('alice', 'desk', 's1', 'imp1a'), rules);
    await directory.register(entry('alice', 'desk', 's2', 'imp2a'), rules);
    await expect(redis.client.exists('test:node:{imp1a}:sessions')).resolves.toBe(0);
    await expect(directory.entriesOfNode('imp2a')).resolves.toEqual([entry('alice', 'desk', 's2', 'imp2a')]);
    await directory.unregister('alice', 'desk', 's2');
    await expect(redis.client.keys('*')).resolves.toEqual([]);
  });

  it('fails every call with RedisUnavailableError while Redis is down, and works when it is back', async () => {
    const redis = await fixture.fresh();
    const directory = new RedisSessionDirectory(redis);
    await directory.register(entry('alice', 'desk', 's1'), rules);
    await fixture.server.kill();
    try {
      for (const call of [
        () => directory.register(entry('alice', 'phone', 's2'), rules),
        () => directory.update('alice', 'desk', 's1', { isAvailable: true }),
        () => directory.unregister('alice', 'desk', 's1'),
        () => directory.get('alice', 'desk'),
        () => directory.resourcesOf('alice'),
        () => directory.entriesOfNode('imp1a'),
      ]) {
        await expect(call()).rejects.toBeInstanceOf(RedisUnavailableError);
      }
    } finally {
      await fixture.server.restart();
    }
    // No AOF in this file: the restarted Redis is empty, and the directory works again.
    await fixture.fresh();
    await expect(directory.register(entry('alice', 'desk', 's3'), rules)).resolves.toEqual({ status: 'registered' });
  });
});

describe('RedisSessionDirectory reads that may be cached (message routing)', () => {
  const cached = { mayBeCached: true };
  const resources = async (directory: RedisSessionDirectory, options: { mayBeCached?: boolean } = cached) => (await directory.resourcesOf('alice', options)).map((e) => e.resource).sort();
  const hvalsCalls = async (redis: RedisConnection) => Number(/cmdstat_hvals:calls=(\d+)/.exec(await redis.client.info('commandstats'))?.[1] ?? 0);

  it('answers repeats from this node\'s copy, and another node\'s writes reach that copy', () =>
    withTwoNodes(async (here, there, redis) => {
      await there.register(entry('alice', 'desk', 's1', 'imp1b'), rules);
      // Once the cached connection is up (an earlier test restarted Redis), a repeat is a hit.
      await eventually(async () => {
        await resources(here);
        await redis.client.configResetStat();
        await resources(here);
        return (await hvalsCalls(redis)) === 0;
      }, 'a cached read served from the copy');
      for (let i = 0; i < 50; i++) await expect(resources(here)).resolves.toEqual(['desk']);
      expect(await hvalsCalls(redis)).toBe(0); // every one from the copy
      // Another node's writes: Redis tells this node's cached connection, and the copy follows.
      await there.register(entry('alice', 'phone', 's2', 'imp1b'), rules);
      await expect(resources(here, {})).resolves.toEqual(['desk', 'phone']); // a fresh read at once
      await eventually(async () => (await resources(here)).join() === 'desk,phone', 'the copy to show the new resource');
      await there.update('alice', 'phone', 's2', { isAvailable: true, priority: 5 });
      await eventually(async () => (await here.resourcesOf('alice', cached)).find((e) => e.resource === 'phone')?.priority === 5, 'the copy to show the update');
      await there.unregister('alice', 'desk', 's1');
      await eventually(async () => (await resources(here)).join() === 'phone', 'the copy to lose the resource');
    }));

  it('drops its copy of a user as soon as it writes that user\'s entries itself', async () => {
    const redis = await fixture.fresh();
    const here = new RedisSessionDirectory(redis);
    const forget = jest.spyOn(redis, 'forgetCached');
    const key = redis.keys.userVolatile('alice').sessions;
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['register', () => here.register(entry('alice', 'desk', 's1'), rules)],
      ['update', () => here.update('alice', 'desk', 's1', { isAvailable: true })],
      ['move', () => here.move('alice', 'desk', 's1', 'imp1b')],
      ['unregister', () => here.unregister('alice', 'desk', 's1')],
    ];
    for (const [name, call] of calls) {
      await resources(here); // a copy to drop
      forget.mockClear();
      await call();
      expect([name, forget.mock.calls]).toEqual([name, [[key]]]);
    }
    await expect(resources(here)).resolves.toEqual([]);
    forget.mockRestore();
  });

  it('serves nothing stale after its cached connection breaks (the invalidations sent meanwhile are lost)', () =>
    withTwoNodes(async (here, there, redis) => {
      await there.register(entry('alice', 'desk', 's1', 'imp1b'), rules);
      await expect(resources(here)).resolves.toEqual(['desk']);
      // Redis drops the connections that hold copies (as on a network cut; `other` has one too);
      // each connection reconnects its own.
      const ids = (await redis.client.clientList()).filter((c) => c.name === 'deskchat-cached').map((c) => c.id);
      expect(ids).toHaveLength(2);
      for (const id of ids) await redis.client.clientKill({ filter: 'ID', id: Number(id) } as never);
      await there.register(entry('alice', 'phone', 's2', 'imp1b'), rules);
      await eventually(async () => (await resources(here)).join() === 'desk,phone', 'a cached read to show the resource written while the connection was down');
      // And the reconnected copy is tracked again: a later write still reaches it.
      await eventually(async () => (await redis.client.clientList()).filter((c) => c.name === 'deskchat-cached' && c.flags.includes('t')).length === 2, 'tracking on again');
      await there.unregister('alice', 'desk', 's1');
      await eventually(async () => (await resources(here)).join() === 'phone', 'the copy to lose the resource after the reconnect');
    }));
});
