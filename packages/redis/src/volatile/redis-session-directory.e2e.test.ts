// The SessionDirectory contract on a real redis-server, and what Redis adds: the per-node index in
// another slot than the user's entries (two scripts on a Cluster) and its leftovers, entries seen
// from a second connection, and calls while Redis is down.
import { describe, expect, it } from '@jest/globals';
import type { DirectoryEntry } from '@deskchat/core';
import { sessionDirectoryContract } from '@deskchat/testing';
import { hashTagOf, redisOptions, useRedisServer } from '../__tests__/redis-fixture.js';
import { connectRedis } from '../connection.js';
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

  it('shows one node\'s registrations to another, and the conflict rule holds across them', async () => {
    const redis = await fixture.fresh();
    const other = await connectRedis(redisOptions(fixture.server));
    try {
      const first = new RedisSessionDirectory(redis);
      const second = new RedisSessionDirectory(other);
      await first.register(entry('alice', 'desk', 's1', 'imp1a'), rules);
      const result = await second.register(entry('alice', 'desk', 's2', 'imp1b'), { ...rules, onConflict: 'refuse' });
      expect(result).toEqual({ status: 'conflict', holder: entry('alice', 'desk', 's1', 'imp1a') });
      await expect(second.entriesOfNode('imp1a')).resolves.toEqual([entry('alice', 'desk', 's1', 'imp1a')]);
      await expect(second.entriesOfNode('imp1b')).resolves.toEqual([]);
      // The refused bind left no index entry behind on its node, and the holder's is intact.
      await expect(redis.client.hLen('test:node:{imp1b}:sessions')).resolves.toBe(0);
      await expect(redis.client.hLen('test:node:{imp1a}:sessions')).resolves.toBe(1);
    } finally {
      await other.close();
    }
  });

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
