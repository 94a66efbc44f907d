// The MucRoomStore contract suite (XEP-0045 rooms and affiliations), run against a real redis-server.
import { mucRoomStoreContract } from '@deskchat/testing';
import { describe, expect, it } from '@jest/globals';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisMucRoomStore } from './redis-muc-room-store.js';

const fixture = useRedisServer();

mucRoomStoreContract('redis', async () => ({ store: new RedisMucRoomStore(await fixture.fresh()) }));

describe('RedisMucRoomStore beyond the contract', () => {
  it("keeps a room's keys in one slot and repairs an index entry whose room is gone", async () => {
    const redis = await fixture.fresh();
    const store = new RedisMucRoomStore(redis);
    const k = redis.keys.mucRoom('conference.localhost', 'lobby');
    expect(k.record.match(/\{[^}]*\}/)?.[0]).toBe(k.affiliations.match(/\{[^}]*\}/)?.[0]);
    await store.putRoom('conference.localhost', { room: 'lobby', isPersistent: true, config: '{}', createdAt: 1 });
    await redis.client.del(k.record);
    await expect(store.listRooms('conference.localhost')).resolves.toEqual([]);
    await expect(redis.client.zCard(redis.keys.mucRoomIndex('conference.localhost'))).resolves.toBe(0);
  });
});
