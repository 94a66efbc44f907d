// The RosterStore contract suite, run against a real redis-server.
import { describe, expect, it } from '@jest/globals';
import { rosterStoreContract } from '@deskchat/testing';
import { useRedisServer } from '../__tests__/redis-fixture.js';
import { RedisRosterStore } from './redis-roster-store.js';

const fixture = useRedisServer();

rosterStoreContract('redis', async () => ({ store: new RedisRosterStore(await fixture.fresh()) }));

describe('RedisRosterStore beyond the contract', () => {
  const item = (jid: string) => ({ jid, groups: [], subscription: 'none' as const, isPendingOut: false, isPreApproved: false });

  it('orders requests received in the same millisecond by arrival, a replaced one moving to the end', async () => {
    const store = new RedisRosterStore(await fixture.fresh());
    await store.setRequest('alice', { jid: 'bob@localhost', receivedAt: 5 });
    await store.setRequest('alice', { jid: 'carol@localhost', receivedAt: 5 });
    await store.setRequest('alice', { jid: 'dave@localhost', receivedAt: 4 });
    // The same size of value: Redis replaces it in place, so hash order alone would keep bob first.
    await store.setRequest('alice', { jid: 'bob@localhost', receivedAt: 5 });
    expect((await store.getRequests('alice')).map((r) => r.jid)).toEqual(['dave@localhost', 'carol@localhost', 'bob@localhost']);
  });

  it('lists items in code point order where UTF-16 order differs (above U+FFFF)', async () => {
    const store = new RedisRosterStore(await fixture.fresh());
    for (const jid of ['😀@localhost', '\uFF5E@localhost', 'a@localhost']) await store.setItem('alice', item(jid));
    expect((await store.getRoster('alice')).items.map((i) => i.jid)).toEqual(['a@localhost', '\uFF5E@localhost', '😀@localhost']);
  });

  it('applies the roster size limit atomically when many items arrive at once', async () => {
    const store = new RedisRosterStore(await fixture.fresh());
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setItem('alice', item(`c${i}@localhost`), 5)));
    expect(results.filter((v) => v !== undefined)).toHaveLength(5);
    await expect(store.countItems('alice')).resolves.toBe(5);
    await expect(store.getVersion('alice')).resolves.toBe(5);
  });
});
