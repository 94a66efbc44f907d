// The MucOccupantStore contract suite (XEP-0045 occupants and history), run against a real redis-server.
import { mucOccupantStoreContract } from '@deskchat/testing';
import { describe, expect, it } from '@jest/globals';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisMucOccupantStore } from './redis-muc-occupant-store.js';

const fixture = useRedisServer();
const S = 'conference.localhost';
const occupant = (nick: string, jid: string) => ({ nick, jid, role: 'participant' as const, sessionId: `s-${nick}`, presence: '<presence xmlns="jabber:client"/>', joinedAt: 1_796_537_109_146 });

mucOccupantStoreContract('redis', async () => ({ store: new RedisMucOccupantStore(await fixture.fresh()) }));

describe('RedisMucOccupantStore beyond the contract', () => {
  it("keeps a room's occupants and history in the slot of its record", async () => {
    const redis = await fixture.fresh();
    const tag = (key: string) => key.match(/\{[^}]*\}/)?.[0];
    const k = redis.keys.mucOccupants(S, 'lobby');
    const record = redis.keys.mucRoom(S, 'lobby').record;
    expect([tag(k.occupants), tag(k.seq), tag(k.history)]).toEqual([tag(record), tag(record), tag(record)]);
  });

  it('skips a reverse-index member whose occupant is gone (a crash between the two writes)', async () => {
    const redis = await fixture.fresh();
    const store = new RedisMucOccupantStore(redis);
    await store.put(S, 'lobby', occupant('alice', 'alice@localhost/a'));
    await store.put(S, 'kitchen', occupant('alice', 'alice@localhost/a'));
    await redis.client.hDel(redis.keys.mucOccupants(S, 'kitchen').occupants, 'alice@localhost/a');
    await expect(store.roomsOf(S, 'alice@localhost/a')).resolves.toEqual(['lobby']);
  });

  it('keeps millisecond timestamps exact and the join order across a replaced occupant', async () => {
    const store = new RedisMucOccupantStore(await fixture.fresh());
    await store.put(S, 'lobby', occupant('alice', 'alice@localhost/a'));
    await store.put(S, 'lobby', occupant('bob', 'bob@localhost/b'));
    await store.put(S, 'lobby', { ...occupant('alicia', 'alice@localhost/a') });
    const all = await store.occupants(S, 'lobby');
    expect(all.map((o) => o.nick)).toEqual(['alicia', 'bob']);
    expect(all[0].joinedAt).toBe(1_796_537_109_146);
  });
});
