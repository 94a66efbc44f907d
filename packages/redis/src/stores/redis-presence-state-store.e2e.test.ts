// The PresenceStore contract over the Redis PresenceStateStore (as SQLite runs it: the memory
// PresenceStore in front of the durable half), and the durable half seen from a second node.
import { describe, expect, it } from '@jest/globals';
import { MemoryPresenceStore } from '@deskchat/core';
import { presenceStoreContract } from '@deskchat/testing';
import { redisOptions, useRedisServer } from '../__tests__/redis-fixture.js';
import { connectRedis } from '../connection.js';
import { RedisPresenceStateStore } from './redis-presence-state-store.js';

const fixture = useRedisServer();

presenceStoreContract('memory over redis', async () => ({ store: new MemoryPresenceStore(new RedisPresenceStateStore(await fixture.fresh())) }));

describe('RedisPresenceStateStore', () => {
  it('shows sources and last seen written by one node to another, and never available presence', async () => {
    const first = new MemoryPresenceStore(new RedisPresenceStateStore(await fixture.fresh()));
    const otherConnection = await connectRedis(redisOptions(fixture.server));
    try {
      const second = new MemoryPresenceStore(new RedisPresenceStateStore(otherConnection));
      await first.setSource('alice', 'phone', 'on-call');
      await first.setLastSeen('bob', { stanza: '<presence type="unavailable"/>', at: 1_700_000_000_123 });
      await first.setAvailable('alice', 'desk', 's1', '<presence/>');
      await expect(second.getSources('alice')).resolves.toEqual({ phone: 'on-call' });
      await expect(second.getLastSeen('bob')).resolves.toEqual({ stanza: '<presence type="unavailable"/>', at: 1_700_000_000_123 });
      await expect(second.availableOf('alice')).resolves.toEqual([]);
      await first.setSource('alice', 'phone', undefined);
      await expect(second.getSources('alice')).resolves.toEqual({});
    } finally {
      await otherConnection.close();
    }
  });
});
