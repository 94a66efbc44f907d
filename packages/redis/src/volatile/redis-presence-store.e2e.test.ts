// The PresenceStore contract on a real redis-server with RedisPresenceStore, and what Redis adds:
// available and directed presence seen from another connection (another node), the durable half in
// the presence-state store's own keys, atomic get-and-set under concurrency, and Redis down.
import { describe, expect, it } from '@jest/globals';
import { presenceStoreContract } from '@deskchat/testing';
import { allKeys, redisOptions, useRedisServer } from '../__tests__/redis-fixture.js';
import { connectRedis } from '../connection.js';
import { RedisUnavailableError } from '../errors.js';
import { RedisPresenceStateStore } from '../stores/redis-presence-state-store.js';
import { RedisPresenceStore } from './redis-presence-store.js';

const fixture = useRedisServer();

presenceStoreContract('redis', async () => ({ store: new RedisPresenceStore(await fixture.fresh()) }));

const stanza = (from: string, status = '') => `<presence from="${from}"><status>${status}</status></presence>`;

describe('RedisPresenceStore', () => {
  it('shows one node\'s available and directed presence to another', async () => {
    const redis = await fixture.fresh();
    const other = await connectRedis(redisOptions(fixture.server));
    try {
      const first = new RedisPresenceStore(redis);
      const second = new RedisPresenceStore(other);
      await first.setAvailable('alice', 'desk', 's1', stanza('alice@x/desk', 'ü & <b>'));
      await expect(second.getAvailable('alice', 'desk')).resolves.toEqual({ resource: 'desk', sessionId: 's1', stanza: stanza('alice@x/desk', 'ü & <b>') });
      await expect(second.clearAvailable('alice', 'desk', 's0')).resolves.toBeUndefined();
      await first.addDirected('alice', 'desk', 's1', 'room@conference.x/alice');
      await expect(second.takeDirected('alice', 'desk', 's1')).resolves.toEqual(['room@conference.x/alice']);
      await expect(first.takeDirected('alice', 'desk', 's1')).resolves.toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('keeps last seen and sources in the presence-state store\'s keys (one durable copy)', async () => {
    const redis = await fixture.fresh();
    const store = new RedisPresenceStore(redis);
    const durable = new RedisPresenceStateStore(redis);
    await store.setSource('alice', 'phone', 'on-call');
    await durable.setLastSeen('alice', { stanza: '<presence type="unavailable"/>', at: 1_700_000_000_123 });
    await expect(durable.getSources('alice')).resolves.toEqual({ phone: 'on-call' });
    await expect(store.getLastSeen('alice')).resolves.toEqual({ stanza: '<presence type="unavailable"/>', at: 1_700_000_000_123 });
    await store.setAvailable('alice', 'desk', 's1', stanza('alice@x/desk'));
    await store.addDirected('alice', 'desk', 's1', 'bob@x');
    expect(await allKeys(redis)).toEqual([
      'test:user:{alice}:presence:available',
      'test:user:{alice}:presence:directed',
      'test:user:{alice}:presence:last-seen',
      'test:user:{alice}:presence:sources',
    ]);
    await store.removeUser('alice');
    expect(await allKeys(redis)).toEqual([]);
  });

  it('tells initial presence from an update exactly once when two sessions race (atomic get-and-set)', async () => {
    const store = new RedisPresenceStore(await fixture.fresh());
    const previous = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setAvailable('alice', 'desk', `s${i}`, stanza('alice@x/desk', String(i)))));
    expect(previous.filter((p) => p === undefined)).toHaveLength(1);
    // Each write returned a different predecessor and the last one stayed: one chain, no update lost.
    const last = (await store.getAvailable('alice', 'desk'))!;
    const seen = previous.filter((p) => p !== undefined);
    expect(new Set([...seen, last.stanza]).size).toBe(20);
  });

  it('keeps many directed targets, removes one, and drops the record with its last target', async () => {
    const redis = await fixture.fresh();
    const store = new RedisPresenceStore(redis);
    const targets = Array.from({ length: 50 }, (_, i) => `user${i}@x/r`);
    await Promise.all(targets.map((t) => store.addDirected('alice', 'desk', 's1', t)));
    await store.removeDirected('alice', 'desk', 's1', 'user7@x/r');
    const taken = await store.takeDirected('alice', 'desk', 's1');
    expect(taken.sort()).toEqual(targets.filter((t) => t !== 'user7@x/r').sort());
    await store.addDirected('alice', 'desk', 's2', 'bob@x');
    await store.removeDirected('alice', 'desk', 's2', 'bob@x');
    await expect(redis.client.exists('test:user:{alice}:presence:directed')).resolves.toBe(0);
    await expect(store.takeDirected('alice', 'desk', 's2')).resolves.toEqual([]);
  });

  it('fails every call with RedisUnavailableError while Redis is down', async () => {
    const store = new RedisPresenceStore(await fixture.fresh());
    await fixture.server.kill();
    try {
      for (const call of [
        () => store.setAvailable('alice', 'desk', 's1', '<presence/>'),
        () => store.clearAvailable('alice', 'desk', 's1'),
        () => store.getAvailable('alice', 'desk'),
        () => store.availableOf('alice'),
        () => store.addDirected('alice', 'desk', 's1', 'bob@x'),
        () => store.removeDirected('alice', 'desk', 's1', 'bob@x'),
        () => store.takeDirected('alice', 'desk', 's1'),
        () => store.setLastSeen('alice', { stanza: '<presence/>', at: 1 }),
        () => store.getSources('alice'),
        () => store.removeUser('alice'),
      ]) {
        await expect(call()).rejects.toBeInstanceOf(RedisUnavailableError);
      }
    } finally {
      await fixture.server.restart();
    }
    await fixture.fresh();
    await expect(store.setAvailable('alice', 'desk', 's1', '<presence/>')).resolves.toBeUndefined();
  });
});
