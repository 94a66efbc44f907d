// The NodeBus, LockService and ChatLockStore contracts on a real redis-server: two handles on two
// connections, as two nodes would have them.
import { afterEach, describe, expect, it } from '@jest/globals';
import { coordinationContract } from '@deskchat/testing';
import { allKeys, redisOptions, useRedisServer } from '../__tests__/redis-fixture.js';
import { connectRedis, type RedisConnection } from '../connection.js';
import { RedisUnavailableError } from '../errors.js';
import { RedisChatLockStore } from './redis-chat-lock-store.js';
import { RedisLocks } from './redis-locks.js';
import { RedisNodeBus } from './redis-node-bus.js';

const fixture = useRedisServer();

coordinationContract('redis', async () => {
  const first = await fixture.fresh();
  const second = await connectRedis(redisOptions(fixture.server));
  const buses = [new RedisNodeBus(first, { listenerTtlMs: 1_000 }), new RedisNodeBus(second, { listenerTtlMs: 1_000 })] as const;
  return {
    bus: [buses[0], buses[1]],
    locks: [new RedisLocks(first), new RedisLocks(second)],
    chatLocks: new RedisChatLockStore(first),
    cleanup: async () => {
      await Promise.all(buses.map((b) => b.close()));
      await second.close();
    },
  };
});

describe('RedisChatLockStore', () => {
  let other: RedisConnection | undefined;
  afterEach(async () => {
    await other?.close();
    other = undefined;
  });

  it('sweeps locks idle since before a time across users, keeps touched ones, and leaves no index behind', async () => {
    const redis = await fixture.fresh();
    other = await connectRedis(redisOptions(fixture.server));
    const store = new RedisChatLockStore(redis);
    const elsewhere = new RedisChatLockStore(other);
    for (let i = 0; i < 1_200; i++) await store.lock(`user${i % 7}`, `contact${i}@x`, { resource: 'r', sessionId: `s${i % 7}`, lastActive: 100 + (i % 3) });
    await elsewhere.touch('user1', 'contact1@x', 's1', 500); // refreshed by another node
    await elsewhere.touch('user2', 'contact2@x', 'not-the-owner', 500);
    await store.sweep(200);
    await expect(store.get('user1', 'contact1@x')).resolves.toEqual({ resource: 'r', sessionId: 's1', lastActive: 500 });
    await expect(store.get('user2', 'contact2@x')).resolves.toBeUndefined();
    expect(await allKeys(redis)).toEqual(['test:user:{user1}:chat-locks', 'test:{chat-locks}:idle']);
    await expect(redis.client.zRangeWithScores('test:{chat-locks}:idle', 0, -1)).resolves.toEqual([{ value: JSON.stringify(['user1', 'contact1@x']), score: 500 }]);
    await store.release('user1', 'contact1@x');
    await store.sweep(600);
    expect(await allKeys(redis)).toEqual([]);
  });

  it('keeps a lock whose index entry is stale (older score than the lock), and one taken again after a release', async () => {
    const redis = await fixture.fresh();
    const store = new RedisChatLockStore(redis);
    await store.lock('bob', 'alice@x', { resource: 'laptop', sessionId: 's1', lastActive: 10 });
    // A touch whose second step (the index) was lost: the hash is newer than the index.
    await redis.client.hSet('test:user:{bob}:chat-locks', 'alice@x', JSON.stringify({ resource: 'laptop', sessionId: 's1', lastActive: 90 }));
    await store.sweep(50);
    await expect(store.get('bob', 'alice@x')).resolves.toMatchObject({ lastActive: 90 });
    await store.releaseSession('bob', 's1');
    await store.lock('bob', 'alice@x', { resource: 'phone', sessionId: 's2', lastActive: 95 });
    await store.sweep(93);
    await expect(store.get('bob', 'alice@x')).resolves.toEqual({ resource: 'phone', sessionId: 's2', lastActive: 95 });
    await store.sweep(96);
    await expect(store.get('bob', 'alice@x')).resolves.toBeUndefined();
  });

  it('fails every call with RedisUnavailableError while Redis is down', async () => {
    const store = new RedisChatLockStore(await fixture.fresh());
    await fixture.server.kill();
    try {
      for (const call of [
        () => store.lock('bob', 'alice@x', { resource: 'r', sessionId: 's1', lastActive: 1 }),
        () => store.get('bob', 'alice@x'),
        () => store.touch('bob', 'alice@x', 's1', 2),
        () => store.release('bob', 'alice@x'),
        () => store.releaseSession('bob', 's1'),
        () => store.sweep(10),
      ]) {
        await expect(call()).rejects.toBeInstanceOf(RedisUnavailableError);
      }
    } finally {
      await fixture.server.restart();
    }
    await fixture.fresh();
    await expect(store.get('bob', 'alice@x')).resolves.toBeUndefined();
  });
});
